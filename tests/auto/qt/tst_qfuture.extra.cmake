# tst_qfuture awaits QtConcurrent::run() results: only this test links Qt Concurrent.
find_package(Qt6 6.4 REQUIRED COMPONENTS Concurrent)
target_link_libraries(${name} PRIVATE Qt6::Concurrent)
