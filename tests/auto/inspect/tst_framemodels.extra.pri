# The inspector's list models and loop figures (CMake: tst_framemodels.extra.cmake).
include($$QAIO_ROOT/qmake/qml/inspector.pri)
