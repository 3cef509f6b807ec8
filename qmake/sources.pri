# The library's sources: every file under src/qaio's layer folders (one concept per file),
# like CMake's glob, with the OS back-end of the target platform only.
QAIO_SRC = $$clean_path($$PWD/../src/qaio)
HEADERS += $$files($$QAIO_SRC/*.h, true)
SOURCES += $$files($$QAIO_SRC/*.cpp, true)
SOURCES -= $$files($$QAIO_SRC/platform/posix/*.cpp) $$files($$QAIO_SRC/platform/win/*.cpp)
win32: SOURCES += $$files($$QAIO_SRC/platform/win/*.cpp)
else: SOURCES += $$files($$QAIO_SRC/platform/posix/*.cpp)
QT += core network
unix: LIBS += -lssl -lcrypto
win32: LIBS += -llibssl -llibcrypto -lws2_32
