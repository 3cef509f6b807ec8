# The library's sources: every file under src/qaio (one concept per file), like CMake's glob.
QAIO_SRC = $$clean_path($$PWD/../src/qaio)
HEADERS += $$files($$QAIO_SRC/*.h) $$files($$QAIO_SRC/detail/*.h)
SOURCES += $$files($$QAIO_SRC/*.cpp) $$files($$QAIO_SRC/detail/*.cpp)
win32: SOURCES += $$files($$QAIO_SRC/platform/win/*.cpp)
else: SOURCES += $$files($$QAIO_SRC/platform/posix/*.cpp)
QT += core network
unix: LIBS += -lssl -lcrypto
win32: LIBS += -llibssl -llibcrypto -lws2_32
