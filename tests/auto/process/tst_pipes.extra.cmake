# Pipe transports also run under the label `pipe` (ctest -L pipe).
set(QAIO_TEST_EXTRA_LABELS pipe)
