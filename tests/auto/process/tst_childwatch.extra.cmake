# The SIGCHLD child watcher also runs under the labels `subprocess` and `signal`.
set(QAIO_TEST_EXTRA_LABELS subprocess signal)
