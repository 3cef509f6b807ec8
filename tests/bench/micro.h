// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QStringList>

#include <cstddef>

namespace qaiobench {

struct MicroOptions
{
    enum class Suite { Micro, Sync }; // `qaio-bench micro` or `qaio-bench sync`
    Suite suite = Suite::Micro;
    int repeat = 5;       // each figure is the best (minimum) of this many repetitions
    bool quick = false;   // 1/100 of the operations, one repetition: a smoke run, not a measurement
    QStringList only;     // figure names to measure; empty: all
    bool cpuTime = false; // measure the thread's CPU time instead of wall time (not threadsafe_ns)
    bool asyncio = false; // also run the suite's asyncio_*.py (CPython asyncio) in the same run
};

/*! Measures the micro figures and prints "NAME VALUE" lines (ns per operation) to stdout.
    Returns the process exit code. Needs a QCoreApplication. */
int runMicro(const MicroOptions &options);

/*! The names runMicro() can print for \a suite, in order. */
QStringList microFigureNames(MicroOptions::Suite suite);

} // namespace qaiobench
