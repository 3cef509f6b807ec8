# Settings shared by every qmake project of qaio.
QAIO_ROOT = $$clean_path($$PWD/..)
# The top build directory: where qmake keeps its stash file for this build tree.
QAIO_BUILD_ROOT = $$dirname(_QMAKE_STASH_)
isEmpty(QAIO_BUILD_ROOT): QAIO_BUILD_ROOT = $$shadowed($$PWD)
CONFIG += c++20 warn_on
CONFIG -= app_bundle
QMAKE_CXXFLAGS_WARN_ON += -Wextra
qaio_werror: QMAKE_CXXFLAGS += -Werror
# CONFIG+=qaio_no_introspection: the build without the inspector's bookkeeping (CMake's
# QAIO_INTROSPECTION=OFF), for the library and everything built with it.
qaio_no_introspection: DEFINES += QAIO_INTROSPECTION=0
INCLUDEPATH += $$QAIO_ROOT/src
