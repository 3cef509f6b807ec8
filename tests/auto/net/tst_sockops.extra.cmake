# tst_sockops sends a Qt resource (a file without a system descriptor) to prove
# sockSendfile()'s read/write fallback; qmake picks up the same .qrc (tests/test.pri).
set_target_properties(${name} PROPERTIES AUTORCC ON)
target_sources(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/${name}.qrc)
