# Links a test or demo against the qaio library built by src/src.pro.
QT += core network
LIBS += -L$$QAIO_BUILD_ROOT/lib -lqaio
unix: QMAKE_RPATHDIR += $$QAIO_BUILD_ROOT/lib
DESTDIR = $$QAIO_BUILD_ROOT/bin
