# Unix signals also run under the label `signal` (ctest -L signal).
set(QAIO_TEST_EXTRA_LABELS signal)
