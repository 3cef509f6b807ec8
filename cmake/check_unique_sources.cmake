# Run as: cmake -DQAIO_SRC=<src/qaio> -P check_unique_sources.cmake
# qmake writes every object file of a target into one folder, named after the source's
# base name: two sources with the same base name in different folders overwrite each
# other's object and the link fails with duplicate symbols (CMake keeps the folders, so
# only the qmake build would notice). Fails when two sources of the library share one.
file(GLOB_RECURSE sources RELATIVE ${QAIO_SRC} ${QAIO_SRC}/*.cpp)
set(clashes)
foreach(source ${sources})
    get_filename_component(base ${source} NAME_WE)
    if(DEFINED first_${base})
        list(APPEND clashes "${first_${base}} and ${source}")
    else()
        set(first_${base} ${source})
    endif()
endforeach()
if(clashes)
    list(JOIN clashes "\n  " text)
    message(FATAL_ERROR "Sources sharing a base name (qmake's objects would collide); rename one of each:\n  ${text}")
endif()
list(LENGTH sources count)
message(STATUS "unique sources: ${count} library sources, no two share a base name")
