# The high-level subprocess layer also runs under the label `subprocess`.
set(QAIO_TEST_EXTRA_LABELS subprocess)
