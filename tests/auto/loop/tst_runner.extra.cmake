# qaio::run, Runner and toThread belong to issue #15's set: also under the label `sync`.
set(QAIO_TEST_EXTRA_LABELS sync)
