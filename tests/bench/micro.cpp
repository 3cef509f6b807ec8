// Copyright (c) qaio authors. Licensed under the MIT license.
// The micro figures. Each measurement builds a fresh EventLoop (or Qt objects), runs the
// operation N times and returns nanoseconds per operation; the caller keeps the minimum
// of the repetitions, the figure least disturbed by the other processes of the machine.
#include "micro.h"

#include "measureclock.h"
#include "sync.h"

#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QEventLoop>
#include <QtCore/QMetaObject>
#include <QtCore/QObject>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTimer>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <thread>
#include <vector>


using namespace std::chrono_literals;

namespace qaiobench {

namespace {

// ---- call_soon_ns ----------------------------------------------------------------------

struct CallSoonChain
{
    qaio::EventLoop *loop;
    std::size_t *remaining;
    void operator()() const
    {
        if (--*remaining == 0) {
            loop->stop();
            return;
        }
        loop->callSoon(*this);
    }
};

double callSoon(std::size_t n)
{
    qaio::EventLoop loop;
    std::size_t remaining = n;
    const auto begin = measureNow();
    loop.callSoon(CallSoonChain{&loop, &remaining});
    loop.runForever();
    const auto elapsed = measureNow() - begin;
    loop.close();
    return nsPer(elapsed, n);
}

// ---- timer_cancel_ns -------------------------------------------------------------------

double timerCancel(std::size_t n)
{
    qaio::EventLoop loop;
    std::vector<qaio::TimerHandle> handles;
    handles.reserve(n);
    const auto begin = measureNow();
    for (std::size_t i = 0; i < n; ++i)
        handles.push_back(loop.callLater(1s + std::chrono::milliseconds(i % 1000), [] {}));
    for (qaio::TimerHandle &h : handles)
        h.cancel();
    loop.runOnce();
    handles.clear();
    const auto elapsed = measureNow() - begin;
    loop.close();
    return nsPer(elapsed, n);
}

// ---- sleep0_ns -------------------------------------------------------------------------

qaio::Coro<void> sleepZeroLoop(std::size_t n)
{
    for (std::size_t i = 0; i < n; ++i)
        co_await qaio::sleep(0);
}

double sleepZero(std::size_t n)
{
    qaio::EventLoop loop;
    const auto begin = measureNow();
    loop.runUntilComplete(sleepZeroLoop(n));
    const auto elapsed = measureNow() - begin;
    loop.close();
    return nsPer(elapsed, n);
}

// ---- spawn_ns --------------------------------------------------------------------------

qaio::Coro<void> trivial()
{
    co_return;
}

qaio::Coro<void> spawnGroups(std::size_t n, std::size_t group)
{
    std::vector<qaio::Task<void>> tasks;
    tasks.reserve(group);
    for (std::size_t spawned = 0; spawned < n; spawned += group) {
        for (std::size_t i = 0; i < group; ++i)
            tasks.push_back(qaio::createTask(trivial()));
        co_await qaio::gather(tasks);
        tasks.clear();
    }
}

double spawn(std::size_t n)
{
    qaio::EventLoop loop;
    const auto begin = measureNow();
    loop.runUntilComplete(spawnGroups(n, 100));
    const auto elapsed = measureNow() - begin;
    loop.close();
    return nsPer(elapsed, n);
}

// ---- threadsafe_ns ---------------------------------------------------------------------

struct ThreadsafeCount
{
    qaio::EventLoop *loop;
    std::size_t *remaining;
    Clock::time_point *end;
    void operator()() const
    {
        if (--*remaining == 0) {
            *end = Clock::now();
            loop->stop();
        }
    }
};

double threadsafe(std::size_t n)
{
    qaio::EventLoop loop;
    std::size_t remaining = n; // only touched on the loop's thread
    Clock::time_point begin;   // written by the producer, read after join()
    Clock::time_point end;
    std::thread producer;
    loop.callSoon([&] {
        producer = std::thread([&] {
            begin = Clock::now();
            for (std::size_t i = 0; i < n; ++i)
                loop.callSoonThreadsafe(ThreadsafeCount{&loop, &remaining, &end});
        });
    });
    loop.runForever();
    producer.join();
    loop.close();
    return nsPer(end - begin, n);
}

// ---- qt_invoke_queued_ns ---------------------------------------------------------------

struct QtInvokeChain
{
    QObject *target;
    QEventLoop *qtLoop;
    std::size_t *remaining;
    void operator()() const
    {
        if (--*remaining == 0) {
            qtLoop->quit();
            return;
        }
        QMetaObject::invokeMethod(target, *this, Qt::QueuedConnection);
    }
};

double qtInvokeQueued(std::size_t n)
{
    QObject target;
    QEventLoop qtLoop;
    std::size_t remaining = n;
    const auto begin = measureNow();
    QMetaObject::invokeMethod(&target, QtInvokeChain{&target, &qtLoop, &remaining}, Qt::QueuedConnection);
    qtLoop.exec();
    return nsPer(measureNow() - begin, n);
}

// ---- qt_timer_cancel_ns ----------------------------------------------------------------

double qtTimerCancel(std::size_t n)
{
    // The QTimer objects are built before the clock starts: the figure is what start()
    // and stop() cost (Qt's sorted timer list), which favours Qt over timer_cancel_ns,
    // whose figure includes allocating and freeing every handle.
    std::vector<std::unique_ptr<QTimer>> timers;
    timers.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        timers.push_back(std::make_unique<QTimer>());
    const auto begin = measureNow();
    for (std::size_t i = 0; i < n; ++i)
        timers[i]->start(std::chrono::milliseconds(1000 + i % 1000));
    for (std::unique_ptr<QTimer> &t : timers)
        t->stop();
    return nsPer(measureNow() - begin, n);
}

// ---- the table -------------------------------------------------------------------------

void printLine(const char *name, double value, int decimals)
{
    std::printf("%s %.*f\n", name, decimals, value);
    std::fflush(stdout);
}

struct Figure
{
    const char *name;
    std::size_t operations;
    double (*measure)(std::size_t);
    int maxRepeat = 1000; // Qt's timer list is quadratic: one of its repetitions takes seconds
};

const Figure kMicroFigures[] = {
    {"call_soon_ns", 1'000'000, callSoon},
    {"timer_cancel_ns", 250'000, timerCancel},
    {"sleep0_ns", 250'000, sleepZero},
    {"spawn_ns", 250'000, spawn},
    {"threadsafe_ns", 1'000'000, threadsafe},
    {"qt_invoke_queued_ns", 1'000'000, qtInvokeQueued},
    {"qt_timer_cancel_ns", 250'000, qtTimerCancel, 2},
};

struct Ratio
{
    const char *name;
    const char *numerator;
    const char *denominator;
};

const Ratio kMicroRatios[] = {
    {"call_soon_vs_qt_ratio", "call_soon_ns", "qt_invoke_queued_ns"},
    {"timer_cancel_vs_qt_ratio", "timer_cancel_ns", "qt_timer_cancel_ns"},
};

// Printed with --asyncio, for the figures measured in this run.
const Ratio kMicroAsyncioRatios[] = {
    {"call_soon_vs_asyncio_ratio", "call_soon_ns", "asyncio_call_soon_ns"},
    {"timer_cancel_vs_asyncio_ratio", "timer_cancel_ns", "asyncio_timer_cancel_ns"},
    {"sleep0_vs_asyncio_ratio", "sleep0_ns", "asyncio_sleep0_ns"},
    {"spawn_vs_asyncio_ratio", "spawn_ns", "asyncio_spawn_ns"},
};

// qaio-bench sync (issue #15). sleep0_ns is measured again: the hand-off goals are
// relative to it.
const Figure kSyncFigures[] = {
    {"lock_ns", 1'000'000, lockUncontended},
    {"event_handoff_ns", 250'000, eventHandoff},
    {"queue_pingpong_ns", 250'000, queuePingPong},
    {"queue_stream_ns", 1'000'000, queueStream},
    {"sleep0_ns", 250'000, sleepZero},
};

const Ratio kSyncRatios[] = {
    {"event_handoff_vs_sleep0_ratio", "event_handoff_ns", "sleep0_ns"},
    {"queue_pingpong_vs_sleep0_ratio", "queue_pingpong_ns", "sleep0_ns"},
};

const Ratio kSyncAsyncioRatios[] = {
    {"lock_vs_asyncio_ratio", "lock_ns", "asyncio_lock_ns"},
    {"event_handoff_vs_asyncio_ratio", "event_handoff_ns", "asyncio_event_handoff_ns"},
    {"queue_pingpong_vs_asyncio_ratio", "queue_pingpong_ns", "asyncio_queue_pingpong_ns"},
    {"queue_stream_vs_asyncio_ratio", "queue_stream_ns", "asyncio_queue_stream_ns"},
};

template <class T, std::size_t N>
std::vector<T> listOf(const T (&items)[N])
{
    return std::vector<T>(items, items + N);
}

/*! The figures, ratios and CPython script of one subcommand. */
struct Suite
{
    std::vector<Figure> figures;
    std::vector<Ratio> ratios;
    std::vector<Ratio> asyncioRatios;
    const char *asyncioScript;
};

Suite suiteOf(MicroOptions::Suite which)
{
    if (which == MicroOptions::Suite::Sync)
        return {listOf(kSyncFigures), listOf(kSyncRatios), listOf(kSyncAsyncioRatios), "asyncio_sync.py"};
    return {listOf(kMicroFigures), listOf(kMicroRatios), listOf(kMicroAsyncioRatios), "asyncio_micro.py"};
}

/*! Runs the suite's CPython script (tests/bench/asyncio_*.py) with the same repetitions;
    echoes and records its lines. False if python3 or the script is missing or fails. */
bool measureAsyncio(const MicroOptions &options, const char *scriptName, std::map<std::string, double> &measured)
{
    const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
    const QString script = QStringLiteral(QAIO_BENCH_SCRIPT_DIR "/") + QLatin1String(scriptName);
    if (python.isEmpty()) {
        std::fprintf(stderr, "qaio-bench: --asyncio: python3 not found in PATH\n");
        return false;
    }
    QStringList arguments{script, QStringLiteral("--repeat"), QString::number(options.repeat)};
    if (options.quick)
        arguments << QStringLiteral("--quick");
    if (options.cpuTime)
        arguments << QStringLiteral("--cpu-time");
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(python, arguments);
    bool ok = process.waitForStarted(-1);
    while (ok && process.state() != QProcess::NotRunning) {
        process.waitForReadyRead(-1);
        while (process.canReadLine()) {
            const QByteArray line = process.readLine().trimmed();
            const QList<QByteArray> fields = line.split(' ');
            bool isNumber = false;
            const double value = fields.size() == 2 ? fields[1].toDouble(&isNumber) : 0;
            if (!isNumber) {
                std::fprintf(stderr, "qaio-bench: --asyncio: unexpected line '%s'\n", line.constData());
                continue;
            }
            measured[fields[0].toStdString()] = value;
            printLine(fields[0].constData(), value, 1);
        }
    }
    ok = ok && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    if (!ok)
        std::fprintf(stderr, "qaio-bench: --asyncio: %s %s failed\n", qPrintable(python), qPrintable(script));
    return ok;
}

} // namespace

QStringList microFigureNames(MicroOptions::Suite which)
{
    const Suite suite = suiteOf(which);
    QStringList names;
    for (const Figure &f : suite.figures)
        names << QString::fromLatin1(f.name);
    for (const Ratio &r : suite.ratios)
        names << QString::fromLatin1(r.name);
    return names;
}

int runMicro(const MicroOptions &options)
{
    const auto wanted = [&](const char *name) {
        return options.only.isEmpty() || options.only.contains(QString::fromLatin1(name));
    };
    const int repeat = options.quick ? 1 : options.repeat;
    setMeasureCpuTime(options.cpuTime);
    int exitCode = 0;
    const Suite suite = suiteOf(options.suite);
    std::map<std::string, double> measured;
    std::vector<const Figure *> chosen;
    for (const Figure &f : suite.figures) {
        bool neededByRatio = false;
        for (const Ratio &r : suite.ratios)
            neededByRatio |= wanted(r.name) && (r.numerator == std::string(f.name) || r.denominator == std::string(f.name));
        if (wanted(f.name) || neededByRatio)
            chosen.push_back(&f);
    }
    // Repetitions go round the figures rather than one figure after the other: a slow
    // phase of a shared machine then spoils one repetition of each, not all of one.
    for (int i = 0; i < repeat; ++i) {
        for (const Figure *f : chosen) {
            if (i >= f->maxRepeat)
                continue;
            const std::size_t n = options.quick ? std::max<std::size_t>(f->operations / 100, 100) : f->operations;
            const double value = f->measure(n);
            auto [slot, first] = measured.emplace(f->name, value);
            if (!first)
                slot->second = std::min(slot->second, value);
        }
    }
    for (const Figure *f : chosen) {
        if (wanted(f->name))
            printLine(f->name, measured.at(f->name), 1);
    }
    for (const Ratio &r : suite.ratios) {
        if (wanted(r.name))
            printLine(r.name, measured.at(r.numerator) / measured.at(r.denominator), 3);
    }
    if (options.asyncio) {
        if (measureAsyncio(options, suite.asyncioScript, measured)) {
            for (const Ratio &r : suite.asyncioRatios) {
                if (measured.count(r.numerator) && measured.count(r.denominator))
                    printLine(r.name, measured.at(r.numerator) / measured.at(r.denominator), 3);
            }
        } else {
            exitCode = 1;
        }
    }
    return exitCode;
}

} // namespace qaiobench
