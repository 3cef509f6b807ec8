# Links the task inspector's models (qaioinspector, built by qmake/qml/qml.pro): for the
# tests of tests/auto/inspect that read them (their .extra.pri include this).
INCLUDEPATH += $$QAIO_ROOT/qml/models
LIBS = -L$$QAIO_BUILD_ROOT/lib -lqaioinspector $$LIBS
unix: PRE_TARGETDEPS += $$QAIO_BUILD_ROOT/lib/libqaioinspector.a
