# The reactor's own suite: label `reactor` (CTest runs it under both back-ends, see
# tests/CMakeLists.txt).
set(QAIO_TEST_EXTRA_LABELS reactor)
