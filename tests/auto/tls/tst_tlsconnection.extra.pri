# Certificates made at test time with OpenSSL (CMake: tst_tlsconnection.extra.cmake).
SOURCES += $$PWD/testpki.cpp
QT += network
unix: LIBS += -lssl -lcrypto
