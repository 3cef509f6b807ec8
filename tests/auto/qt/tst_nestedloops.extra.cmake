# tst_nestedloops opens a real QDialog::exec() (offscreen platform): only this test links Qt Widgets.
find_package(Qt6 6.4 REQUIRED COMPONENTS Widgets)
target_link_libraries(${name} PRIVATE Qt6::Widgets)
# Qt Widgets' defines make the shared precompiled header unusable here.
set(QAIO_TEST_SHARED_PCH OFF)
