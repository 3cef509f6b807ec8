# Subprocesses also run under the label `subprocess` (ctest -L subprocess).
set(QAIO_TEST_EXTRA_LABELS subprocess)
