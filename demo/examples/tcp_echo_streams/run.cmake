# Runs the streams TCP echo server and client examples together: the server picks a free
# port and prints it; its output is piped into the client, which reads the port from it.
# Passes when both exit 0 and both sides printed the echo.
execute_process(
    COMMAND ${SERVER} 0 --once
    COMMAND ${CLIENT} -
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err
    RESULTS_VARIABLE results
    TIMEOUT 50)
message("${out}${err}")
if(NOT results STREQUAL "0;0")
    message(FATAL_ERROR "tcp echo streams examples failed: exit codes ${results}")
endif()
if(NOT out MATCHES "Received: 'Hello World!'" OR NOT out MATCHES "Received 'Hello World!' from 127.0.0.1:")
    message(FATAL_ERROR "tcp echo streams examples: no echo in the output")
endif()
