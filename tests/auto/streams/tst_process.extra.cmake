# The high-level subprocess layer also runs under the label `subprocess`.
set(QAIO_TEST_EXTRA_LABELS subprocess)
# Run a second time with the SIGCHLD child watcher (the fallback where pidfds are missing).
set(QAIO_TEST_SIGCHLD_RUN ON)
