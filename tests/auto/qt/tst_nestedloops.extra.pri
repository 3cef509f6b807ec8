# tst_nestedloops opens a real QDialog::exec() (offscreen platform): only this test links Qt Widgets.
QT += widgets
