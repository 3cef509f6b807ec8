# The inspector's task model (CMake: tst_taskmodel.extra.cmake).
include($$QAIO_ROOT/qmake/qml/inspector.pri)
