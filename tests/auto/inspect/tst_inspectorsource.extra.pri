# The inspector's sources (CMake: tst_inspectorsource.extra.cmake).
include($$QAIO_ROOT/qmake/qml/inspector.pri)
