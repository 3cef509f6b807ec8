// Copyright (c) qaio authors. Licensed under the MIT license.
// The loop inside Qt: plain exec(), nested QEventLoops, fairness towards Qt's own events,
// FIFO order while Qt events interleave.
#include "looptestcase.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QEventLoop>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>
#include <QtTest/QtTest>

#include <functional>

#include <sys/socket.h>
#include <unistd.h>

namespace {

qaio::Coro<int> yieldTwice(QStringList *log)
{
    *log << QStringLiteral("task step 1");
    co_await qaio::sleep(0);
    *log << QStringLiteral("task step 2");
    co_await qaio::sleep(0);
    co_return 3;
}

// Starts a nested Qt loop inside its own first step.
qaio::Coro<void> runsNestedLoop(QStringList *log, QEventLoop **nested)
{
    *log << QStringLiteral("A1");
    QEventLoop inner;
    *nested = &inner;
    inner.exec();
    *nested = nullptr;
    *log << QStringLiteral("A after nested");
    co_await qaio::sleep(0);
    *log << QStringLiteral("A2");
}

struct Observation
{
    qaio::TaskInfo::State state;
    std::uint64_t steps;
};

qaio::Coro<void> runsWhileNested(QStringList *log, QEventLoop **nested, qaio::TaskBase other,
                                 std::vector<Observation> *seen, bool cancelOther)
{
    *log << QStringLiteral("B1");
    seen->push_back({other.info().state, other.info().steps});
    co_await qaio::sleep(0);
    *log << QStringLiteral("B2");
    if (cancelOther)
        other.cancel(QStringLiteral("from B"));
    co_await qaio::sleep(0);
    // Whatever was scheduled for A (its cancellation included) did not re-enter it.
    seen->push_back({other.info().state, other.info().steps});
    *log << QStringLiteral("B3");
    (*nested)->quit();
}

} // namespace

class tst_Integration : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void callbacksRunUnderPlainExec()
    {
        auto &loop = guard->loop();
        bool runningInCallback = false;
        qaio::EventLoop *runningLoop = nullptr;
        QStringList log;
        loop.callSoon([&] {
            runningInCallback = loop.isRunning();
            runningLoop = qaio::runningLoopOrNull();
        });
        qaio::Task<int> task = loop.createTask(yieldTwice(&log));
        task.addDoneCallback([](const qaio::FutureBase &) { QCoreApplication::exit(7); });
        QVERIFY(!loop.isRunning());
        QCOMPARE(QCoreApplication::exec(), 7); // no runForever(): Qt's own loop drives qaio
        QVERIFY(!loop.isRunning());
        QVERIFY(runningInCallback);
        QCOMPARE(runningLoop, &loop);
        QCOMPARE(task.result(), 3);
        QCOMPARE(log, QStringList({"task step 1", "task step 2"}));
    }

    void timersRunUnderPlainExec()
    {
        auto &loop = guard->loop();
        QList<int> order;
        const qaio::TimePoint now = loop.time(); // one reference: the order depends on deadlines only
        loop.callAt(now + std::chrono::milliseconds(2), [&] { order << 2; });
        loop.callAt(now + std::chrono::milliseconds(1), [&] { order << 1; });
        loop.callAt(now + std::chrono::milliseconds(3), [&] {
            order << 3;
            QCoreApplication::exit(0);
        });
        QCOMPARE(QCoreApplication::exec(), 0);
        QCOMPARE(order, QList<int>({1, 2, 3}));
    }

    void nestedQtLoopKeepsOtherTasksRunningButNotItsOwnTask()
    {
        auto &loop = guard->loop();
        QStringList log;
        QEventLoop *nested = nullptr;
        std::vector<Observation> seen;
        qaio::Task<void> a = loop.createTask(runsNestedLoop(&log, &nested));
        qaio::Task<void> b = loop.createTask(runsWhileNested(&log, &nested, a, &seen, false));
        int callbacksInNested = 0;
        loop.callSoon([&] {
            if (nested)
                ++callbacksInNested;
        });
        loop.runUntilComplete(a);
        QVERIFY(b.done());
        QCOMPARE(log, QStringList({"A1", "B1", "B2", "B3", "A after nested", "A2"}));
        QCOMPARE(callbacksInNested, 1);
        QCOMPARE(seen.size(), std::size_t(2));
        for (const Observation &o : seen) {
            QCOMPARE(o.state, qaio::TaskInfo::State::Running); // still inside its first step
            QCOMPARE(o.steps, std::uint64_t(1));
        }
        QCOMPARE(a.info().steps, std::uint64_t(2));
    }

    void taskCancelledDuringItsNestedLoopIsNotReentered()
    {
        auto &loop = guard->loop();
        QStringList log;
        QEventLoop *nested = nullptr;
        std::vector<Observation> seen;
        qaio::Task<void> a = loop.createTask(runsNestedLoop(&log, &nested));
        qaio::Task<void> b = loop.createTask(runsWhileNested(&log, &nested, a, &seen, true));
        try {
            loop.runUntilComplete(a);
            QFAIL("expected CancelledError");
        } catch (const qaio::CancelledError &error) {
            QCOMPARE(error.message(), QStringLiteral("from B"));
        }
        QVERIFY(b.done());
        // The cancellation took effect at A's next co_await, after the nested loop returned.
        QCOMPARE(log, QStringList({"A1", "B1", "B2", "B3", "A after nested"}));
        QCOMPARE(seen.size(), std::size_t(2));
        QCOMPARE(seen[1].state, qaio::TaskInfo::State::Running);
        QCOMPARE(seen[1].steps, std::uint64_t(1));
        QVERIFY(a.cancelled());
    }

    void callbackStormDoesNotStarveQt()
    {
        auto &loop = guard->loop();
        int fds[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        QSocketNotifier notifier(fds[0], QSocketNotifier::Read);
        QObject context;
        bool posted = false, zeroTimer = false, preciseTimer = false, socket = false;
        ssize_t wrote = 0;
        ssize_t readBack = 0;
        connect(&notifier, &QSocketNotifier::activated, &context, [&] {
            char byte = 0;
            readBack = ::read(fds[0], &byte, 1);
            socket = true;
        });

        constexpr long kLimit = 20'000'000; // reaching it means Qt was starved
        long storm = 0;
        std::function<void()> spin = [&] {
            ++storm;
            if (storm == 10) {
                // Issued from inside the storm, so they can only be served while it runs.
                QMetaObject::invokeMethod(&context, [&] { posted = true; }, Qt::QueuedConnection);
                QTimer::singleShot(0, &context, [&] { zeroTimer = true; });
                QTimer::singleShot(1, Qt::PreciseTimer, &context, [&] { preciseTimer = true; });
                wrote = ::write(fds[1], "x", 1);
            }
            if ((posted && zeroTimer && preciseTimer && socket) || storm >= kLimit) {
                loop.stop();
                return;
            }
            loop.callSoon(spin);
        };
        loop.callSoon(spin);
        loop.runForever();
        ::close(fds[0]);
        ::close(fds[1]);
        QVERIFY2(storm < kLimit, "the callback storm starved Qt's events");
        QVERIFY(posted && zeroTimer && preciseTimer && socket);
        QVERIFY(storm > 10);
        QCOMPARE(wrote, ssize_t(1));
        QCOMPARE(readBack, ssize_t(1));
    }

    void fifoOrderUnderLoadWithInterleavedQtEvents()
    {
        auto &loop = guard->loop();
        QObject context;
        std::vector<long> ran;
        long nextSequence = 0;
        int postedServed = 0;
        int postedIssued = 0;
        constexpr int kChains = 8;
        constexpr int kPostedWanted = 50;
        constexpr long kLimit = 20'000'000;
        bool stopping = false;

        // Every callSoon() takes a sequence number when it is made: FIFO means the
        // callbacks run in exactly that order, whoever scheduled them (callbacks or
        // Qt events delivered between ticks).
        std::function<void()> scheduleLink;
        scheduleLink = [&] {
            const long sequence = nextSequence++;
            loop.callSoon([&, sequence] {
                ran.push_back(sequence);
                if (stopping)
                    return;
                if (postedServed >= kPostedWanted || nextSequence >= kLimit) {
                    stopping = true;
                    loop.stop();
                    return;
                }
                if (sequence % 7 == 0) {
                    ++postedIssued;
                    QMetaObject::invokeMethod(&context, [&] {
                        ++postedServed;
                        scheduleLink();
                    }, Qt::QueuedConnection);
                }
                scheduleLink();
            });
        };
        for (int c = 0; c < kChains; ++c)
            scheduleLink();
        loop.runForever();
        // Let the callbacks already scheduled run out (they return at once now).
        while (loop.scheduledCallbackCount())
            loop.runOnce();
        QCoreApplication::sendPostedEvents(&context); // posted events still queued: not part of the check
        while (loop.scheduledCallbackCount())
            loop.runOnce();

        QVERIFY2(nextSequence < kLimit, "Qt events were never delivered during the storm");
        QVERIFY(postedServed >= kPostedWanted);
        QCOMPARE(long(ran.size()), nextSequence);
        for (std::size_t i = 0; i < ran.size(); ++i) {
            if (ran[i] != long(i))
                QFAIL(qPrintable(QStringLiteral("callback %1 ran at position %2").arg(ran[i]).arg(i)));
        }
    }
};

QTEST_GUILESS_MAIN(tst_Integration)
#include "tst_integration.moc"
