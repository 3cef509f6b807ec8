# A Qt Test executable built from $$TEST_SOURCE plus the shared helpers (LoopGuard, LoopTestCase).
include(../common.pri)
include(../link.pri)
TEMPLATE = app
TARGET = $$basename(TEST_SOURCE)
TARGET = $$replace(TARGET, \\.cpp$, )
QT += testlib concurrent
CONFIG += testcase console
INCLUDEPATH += $$QAIO_ROOT/tests/auto/common
SOURCES += $$TEST_SOURCE
# The shared helpers, built once by testsupport.pro (listed before qaio: it uses qaio).
LIBS = -L$$QAIO_BUILD_ROOT/lib -lqaio_testsupport $$LIBS
unix: PRE_TARGETDEPS += $$QAIO_BUILD_ROOT/lib/libqaio_testsupport.a
# A test that needs Qt resources has a tst_<name>.qrc next to it (CMake: tst_<name>.extra.cmake).
TEST_RESOURCES = $$replace(TEST_SOURCE, \\.cpp$, .qrc)
exists($$TEST_RESOURCES): RESOURCES += $$TEST_RESOURCES
# A test that needs more Qt modules has a tst_<name>.extra.pri next to it (CMake: .extra.cmake).
TEST_EXTRA = $$replace(TEST_SOURCE, \\.cpp$, .extra.pri)
exists($$TEST_EXTRA): include($$TEST_EXTRA)
