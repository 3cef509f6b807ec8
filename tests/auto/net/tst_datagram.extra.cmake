# Datagram endpoints also run under the label `udp` (ctest -L udp).
set(QAIO_TEST_EXTRA_LABELS udp)
