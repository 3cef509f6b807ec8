# The inspector's list models and loop figures (qml/models): label `inspector` (issue #12).
set(QAIO_TEST_EXTRA_LABELS inspector)
target_link_libraries(${name} PRIVATE qaioinspector)
