# Synchronization primitives also run under the label `sync` (ctest -L sync).
set(QAIO_TEST_EXTRA_LABELS sync)
