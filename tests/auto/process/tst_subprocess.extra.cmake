# Subprocesses also run under the label `subprocess` (ctest -L subprocess).
set(QAIO_TEST_EXTRA_LABELS subprocess)
# Run a second time with the SIGCHLD child watcher (the fallback where pidfds are missing).
set(QAIO_TEST_SIGCHLD_RUN ON)
