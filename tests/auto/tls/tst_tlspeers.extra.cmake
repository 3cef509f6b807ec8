# TLS suites also run under the label `tls`, and make their certificates with OpenSSL.
set(QAIO_TEST_EXTRA_LABELS tls)
target_sources(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/auto/tls/testpki.cpp)
find_package(OpenSSL REQUIRED)
find_package(Qt6 6.4 REQUIRED COMPONENTS Network)
target_link_libraries(${name} PRIVATE OpenSSL::SSL OpenSSL::Crypto Qt6::Network)
