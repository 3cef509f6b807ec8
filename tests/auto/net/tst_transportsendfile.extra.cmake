# tst_transportsendfile sends a Qt resource (a file without a system descriptor) to prove
# EventLoop::sendfile()'s read/write fallback.
set_target_properties(${name} PROPERTIES AUTORCC ON)
target_sources(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/${name}.qrc)
