# The remote inspector's suite: label `inspector` (issue #11). It runs build/bin/qaio-inspect.
set(QAIO_TEST_EXTRA_LABELS inspector)
