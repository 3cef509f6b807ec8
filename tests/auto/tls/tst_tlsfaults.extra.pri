# Certificates made at test time with OpenSSL (CMake: tst_tlsserver.extra.cmake).
SOURCES += $$PWD/testpki.cpp
QT += network
unix: LIBS += -lssl -lcrypto
