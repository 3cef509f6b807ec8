// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio-bench: micro benchmarks of qaio's event loop, with Qt-native reference figures.
#include "micro.h"

#include <QtCore/QCoreApplication>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

void printHelp(std::FILE *out)
{
    std::fprintf(out,
                 "Usage: qaio-bench micro [--repeat N] [--quick] [--only NAME[,NAME...]] [--cpu-time] [--asyncio]\n"
                 "       qaio-bench --help\n"
                 "\n"
                 "micro   Measures the loop's hot paths and prints one line per figure,\n"
                 "        \"NAME VALUE\", VALUE in nanoseconds per operation, the best (minimum)\n"
                 "        of N repetitions. Qt-native reference figures (qt_*) are measured in\n"
                 "        the same run; *_ratio lines divide a qaio figure by its Qt reference.\n"
                 "\n"
                 "Options:\n"
                 "  --repeat N   repetitions per figure (default 5)\n"
                 "  --quick      1/100 of the operations and one repetition: checks that the\n"
                 "               benchmark runs, the figures mean nothing\n"
                 "  --only LIST  measure only these figures (comma separated)\n"
                 "  --cpu-time   time with the measuring thread's CPU clock instead of the wall\n"
                 "               clock (all figures but threadsafe_ns, which spans two threads):\n"
                 "               steadier on a loaded machine (passed on to --asyncio)\n"
                 "  --asyncio    then run tests/bench/asyncio_micro.py with python3: CPython\n"
                 "               asyncio's figures for the same operations (asyncio_*) and\n"
                 "               the *_vs_asyncio_ratio lines; exit code 1 if that fails\n"
                 "  --help       this text\n"
                 "\n"
                 "Figures:\n"
                 "  call_soon_ns          chain of 1,000,000 callSoon callbacks, each scheduling the next\n"
                 "  timer_cancel_ns       250,000 callLater (1 s + i%%1000 ms) cancelled, then runOnce; per timer\n"
                 "  sleep0_ns             one task doing 250,000 co_await qaio::sleep(0)\n"
                 "  spawn_ns              250,000 trivial tasks created and awaited in groups of 100\n"
                 "  threadsafe_ns         1,000,000 callSoonThreadsafe from a second thread, until all ran\n"
                 "  qt_invoke_queued_ns   chain of 1,000,000 queued QMetaObject::invokeMethod\n"
                 "  qt_timer_cancel_ns    250,000 QTimer::start (same delays) then stop; per timer\n"
                 "                        (at most 2 repetitions: Qt's timer list makes it quadratic)\n"
                 "  call_soon_vs_qt_ratio     call_soon_ns / qt_invoke_queued_ns\n"
                 "  timer_cancel_vs_qt_ratio  timer_cancel_ns / qt_timer_cancel_ns\n");
}

int usageError(const char *message)
{
    std::fprintf(stderr, "qaio-bench: %s\n\n", message);
    printHelp(stderr);
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    qaiobench::MicroOptions options;
    bool micro = false;
    for (int i = 1; i < argc; ++i) {
        const char *arg = argv[i];
        if (!std::strcmp(arg, "--help") || !std::strcmp(arg, "-h")) {
            printHelp(stdout);
            return 0;
        } else if (!std::strcmp(arg, "micro")) {
            micro = true;
        } else if (!std::strcmp(arg, "--cpu-time")) {
            options.cpuTime = true;
        } else if (!std::strcmp(arg, "--asyncio")) {
            options.asyncio = true;
        } else if (!std::strcmp(arg, "--quick")) {
            options.quick = true;
        } else if (!std::strcmp(arg, "--repeat")) {
            if (++i >= argc)
                return usageError("--repeat needs a number");
            char *end = nullptr;
            const long n = std::strtol(argv[i], &end, 10);
            if (!end || *end || n < 1 || n > 1000)
                return usageError("--repeat: expected a number from 1 to 1000");
            options.repeat = int(n);
        } else if (!std::strcmp(arg, "--only")) {
            if (++i >= argc)
                return usageError("--only needs a list of figure names");
            options.only = QString::fromLocal8Bit(argv[i]).split(QLatin1Char(','), Qt::SkipEmptyParts);
            const QStringList known = qaiobench::microFigureNames();
            for (const QString &name : options.only) {
                if (!known.contains(name))
                    return usageError(qPrintable(QStringLiteral("--only: unknown figure '%1'").arg(name)));
            }
        } else {
            return usageError(qPrintable(QStringLiteral("unknown argument '%1'").arg(QString::fromLocal8Bit(arg))));
        }
    }
    if (!micro)
        return usageError("no benchmark given (only 'micro' exists)");
    return qaiobench::runMicro(options);
}
