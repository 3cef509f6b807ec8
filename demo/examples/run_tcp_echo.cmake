# Runs the TCP echo server and client examples together: the server picks a free port
# and prints it; its output is piped into the client, which reads the port from it.
# Passes when both exit 0 and the client printed the echo.
execute_process(
    COMMAND ${SERVER} 0 --once
    COMMAND ${CLIENT} -
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err
    RESULTS_VARIABLE results
    TIMEOUT 50)
message("${out}${err}")
if(NOT results STREQUAL "0;0")
    message(FATAL_ERROR "tcp echo examples failed: exit codes ${results}")
endif()
if(NOT out MATCHES "Data received: Hello World!")
    message(FATAL_ERROR "tcp echo examples: no echo in the output")
endif()
