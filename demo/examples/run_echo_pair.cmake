# Runs an echo server example and its client together: the server picks a free port and
# prints it; its output is piped into the client, which reads the port from it.
# Passes when both exit 0 and the output matches every regular expression in EXPECT
# (a ;-list). Called as: cmake -DSERVER=... -DCLIENT=... -DEXPECT=... -P run_echo_pair.cmake
execute_process(
    COMMAND ${SERVER} 0 --once
    COMMAND ${CLIENT} -
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err
    RESULTS_VARIABLE results
    TIMEOUT 50)
message("${out}${err}")
if(NOT results STREQUAL "0;0")
    message(FATAL_ERROR "echo examples failed: exit codes ${results}")
endif()
foreach(expected IN LISTS EXPECT)
    if(NOT out MATCHES "${expected}")
        message(FATAL_ERROR "echo examples: '${expected}' not in the output")
    endif()
endforeach()
