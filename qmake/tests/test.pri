# A Qt Test executable built from $$TEST_SOURCE plus the shared LoopGuard helpers.
include(../common.pri)
include(../link.pri)
TEMPLATE = app
TARGET = $$basename(TEST_SOURCE)
TARGET = $$replace(TARGET, \\.cpp$, )
QT += testlib concurrent
CONFIG += testcase console
INCLUDEPATH += $$QAIO_ROOT/tests/auto/common
SOURCES += $$TEST_SOURCE $$QAIO_ROOT/tests/auto/common/loopguard.cpp
HEADERS += $$QAIO_ROOT/tests/auto/common/loopguard.h
