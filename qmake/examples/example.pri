# An example program built from $$EXAMPLE_SOURCE (demo/examples/<file>.cpp).
include(../common.pri)
include(../link.pri)
TEMPLATE = app
CONFIG += console
SOURCES += $$QAIO_ROOT/demo/examples/$$EXAMPLE_SOURCE
