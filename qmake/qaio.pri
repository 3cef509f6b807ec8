# Add qaio to a qmake application with one line:
#     include(path/to/qaio/qmake/qaio.pri)
# The library's sources are compiled into the application (static use, no install needed).
include($$PWD/sources.pri)
INCLUDEPATH += $$clean_path($$PWD/../src)
DEFINES += QAIO_STATIC
CONFIG += c++20
