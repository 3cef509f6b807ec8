# The introspection core's suite: label `inspector` (issue #11).
set(QAIO_TEST_EXTRA_LABELS inspector)
