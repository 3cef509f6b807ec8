// Copyright (c) qaio authors. Licensed under the MIT license.
// wait() with each ReturnWhen and a timeout; waitFor(): success, expiry (the inner
// operation is cancelled and has finished its cleanup before TimeoutError is seen),
// timeout <= 0, already-done futures, swallowed cancellation (asyncio 3.12 semantics).
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <QtTest/QtTest>

using namespace std::chrono_literals;
using hl::msSince;

namespace {

std::vector<int> resultsOf(const std::vector<qaio::Task<int>> &tasks)
{
    std::vector<int> out;
    for (const auto &t : tasks)
        out.push_back(t.result());
    return out;
}

// Catches the cancellation, takes 5 ms to clean up, then lets the cancellation go on.
qaio::Coro<int> slowCleanup(bool *cleanupFinished)
{
    try {
        co_await qaio::sleep(1h);
    } catch (const qaio::CancelledError &) {
        *cleanupFinished = false;
    }
    co_await qaio::sleep(5ms); // cleanup that itself awaits
    *cleanupFinished = true;
    throw qaio::CancelledError();
}

// Swallows the cancellation and returns a value anyway.
qaio::Coro<int> swallowCancel()
{
    try {
        co_await qaio::sleep(1h);
    } catch (const qaio::CancelledError &) {
        co_return -1;
    }
    co_return 1;
}

} // namespace

class tst_Wait : public LoopTestCase
{
    Q_OBJECT
public:
    // ---- wait() -------------------------------------------------------------------------
    tst_Wait() : LoopTestCase(Clock::Virtual) {}

private Q_SLOTS:
    void waitAllCompleted()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        qaio::WaitResult<qaio::Task<int>> r;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            std::vector<qaio::Task<int>> tasks{qaio::createTask(hl::valueAfter(30ms, 1)),
                                               qaio::createTask(hl::valueAfter(10ms, 2)),
                                               qaio::createTask(hl::valueAfter(20ms, 3))};
            r = co_await qaio::wait(tasks);
        }());
        QCOMPARE(msSince(loop, start), 30);
        QCOMPARE(r.done.size(), std::size_t(3));
        QVERIFY(r.pending.empty());
        QCOMPARE(resultsOf(r.done), (std::vector<int>{1, 2, 3})); // input order
    }

    void waitFirstCompleted()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        std::vector<qaio::Task<int>> done, pending;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            std::vector<qaio::Task<int>> tasks{qaio::createTask(hl::valueAfter(30ms, 1)),
                                               qaio::createTask(hl::valueAfter(10ms, 2)),
                                               qaio::createTask(hl::valueAfter(20ms, 3))};
            auto [d, p] = co_await qaio::wait(tasks, std::nullopt, qaio::ReturnWhen::FirstCompleted);
            done = d;
            pending = p;
        }());
        QCOMPARE(msSince(loop, start), 10);
        QCOMPARE(done.size(), std::size_t(1));
        QCOMPARE(done[0].result(), 2);
        QCOMPARE(pending.size(), std::size_t(2));
        // wait() never cancels: the pending ones still finish.
        for (auto &t : pending)
            QVERIFY(!t.done());
        loop.runUntilComplete(qaio::gather(pending));
        QCOMPARE(resultsOf(pending), (std::vector<int>{1, 3}));
    }

    void waitFirstException()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        qaio::WaitResult<qaio::Task<int>> r;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            std::vector<qaio::Task<int>> tasks{qaio::createTask(hl::valueAfter(10ms, 1)),
                                               qaio::createTask(hl::failAfter(20ms, "bad")),
                                               qaio::createTask(hl::valueAfter(30ms, 3))};
            r = co_await qaio::wait(tasks, std::nullopt, qaio::ReturnWhen::FirstException);
        }());
        QCOMPARE(msSince(loop, start), 20);
        QCOMPARE(r.done.size(), std::size_t(2));
        QCOMPARE(r.done[0].result(), 1);
        QVERIFY(r.done[1].exception() != nullptr);
        QCOMPARE(hl::messageOf(r.done[1].exception()), std::string("bad"));
        QCOMPARE(r.pending.size(), std::size_t(1));
        r.pending[0].cancel();
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<int>(r.pending[0])));
    }

    void waitFirstExceptionWithoutFailureWaitsForAll()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        qaio::WaitResult<qaio::Task<int>> r;
        qaio::Task<int> victim = loop.createTask(hl::valueAfter(1h, 0));
        loop.callLater(5ms, [&] { victim.cancel(); }); // cancellation is not an exception here
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            std::vector<qaio::Task<int>> tasks{victim, qaio::createTask(hl::valueAfter(10ms, 1)),
                                               qaio::createTask(hl::valueAfter(20ms, 2))};
            r = co_await qaio::wait(tasks, std::nullopt, qaio::ReturnWhen::FirstException);
        }());
        QCOMPARE(msSince(loop, start), 20);
        QCOMPARE(r.done.size(), std::size_t(3));
        QVERIFY(r.done[0].cancelled());
    }

    void waitTimeoutReturnsWithPending()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        qaio::WaitResult<qaio::Task<int>> r;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            std::vector<qaio::Task<int>> tasks{qaio::createTask(hl::valueAfter(10ms, 1)),
                                               qaio::createTask(hl::valueAfter(30ms, 2))};
            r = co_await qaio::wait(tasks, 15ms);
        }());
        QCOMPARE(msSince(loop, start), 15);
        QCOMPARE(r.done.size(), std::size_t(1));
        QCOMPARE(r.pending.size(), std::size_t(1));
        QVERIFY(!r.pending[0].cancelled());
        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(r.pending[0])), 2);
    }

    void waitOnTypeErasedFutures()
    {
        auto &loop = guard->loop();
        qaio::Future<int> a = loop.createFuture<int>();
        qaio::Future<QString> b = loop.createFuture<QString>();
        loop.callLater(1ms, [a]() mutable { a.setResult(1); });
        loop.callLater(2ms, [b]() mutable { b.setResult(QStringLiteral("b")); });
        auto r = loop.runUntilComplete([&]() -> qaio::Coro<qaio::WaitResult<qaio::FutureBase>> {
            std::vector<qaio::FutureBase> both;
            both.push_back(a);
            both.push_back(b);
            co_return co_await qaio::wait(std::move(both));
        }());
        QCOMPARE(r.done.size(), std::size_t(2));
        QVERIFY(r.done[0] == a);
        QVERIFY(r.done[1] == b);
    }

    void waitEmptyIsValueError()
    {
        try {
            (void)qaio::wait(std::vector<qaio::Task<int>>{});
            QFAIL("empty input accepted");
        } catch (const qaio::ValueError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("fs")), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, (void)qaio::wait(std::vector<qaio::FutureBase>{qaio::FutureBase()}));
    }

    // ---- waitFor() ----------------------------------------------------------------------

    void waitForSuccess()
    {
        auto &loop = guard->loop();
        const int v = loop.runUntilComplete([&]() -> qaio::Coro<int> {
            co_return co_await qaio::waitFor(hl::valueAfter(10ms, 42), 1s);
        }());
        QCOMPARE(v, 42);
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0)); // the deadline timer is gone
    }

    void waitForTimeoutCancelsTaskAndWaitsForItsCleanup()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        bool cleanupFinished = false;
        bool cleanupSeenAtTimeout = false;
        long long timedOutAt = -1;
        qaio::Task<int> inner;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            inner = qaio::createTask(slowCleanup(&cleanupFinished));
            try {
                (void)co_await qaio::waitFor(inner, 10ms);
            } catch (const qaio::TimeoutError &) {
                cleanupSeenAtTimeout = cleanupFinished;
                timedOutAt = msSince(loop, start);
            }
        }());
        QVERIFY(cleanupSeenAtTimeout);
        QCOMPARE(timedOutAt, 15); // 10 ms deadline + 5 ms of cleanup awaited
        QVERIFY(inner.cancelled());
    }

    void waitForTimeoutOfCoroutineRunsCleanup()
    {
        auto &loop = guard->loop();
        bool cleanedUp = false, sawCancel = false, cleanedAtTimeout = false;
        bool timedOut = false;
        int cancellingAfter = -1;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                (void)co_await qaio::waitFor(hl::cancellable(1h, 1, &cleanedUp, &sawCancel), 10ms);
            } catch (const qaio::TimeoutError &) {
                timedOut = true;
                cleanedAtTimeout = cleanedUp;
            }
            cancellingAfter = qaio::currentTask().cancelling();
            co_await qaio::sleep(1ms); // the task is not left cancelled
        }());
        QVERIFY(timedOut);
        QVERIFY(sawCancel);
        QVERIFY(cleanedAtTimeout);
        QCOMPARE(cancellingAfter, 0);
    }

    void waitForAlreadyDoneFuture()
    {
        auto &loop = guard->loop();
        qaio::Future<int> done = loop.createFuture<int>();
        done.setResult(7);
        qaio::Future<int> failed = loop.createFuture<int>();
        failed.setException(std::runtime_error("already failed"));
        int a = 0, b = 0;
        std::string error;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            a = co_await qaio::waitFor(done, 1s);
            b = co_await qaio::waitFor(done, 0s); // zero timeout: done wins
            try {
                (void)co_await qaio::waitFor(failed, 0s);
            } catch (const std::runtime_error &e) {
                error = e.what();
            }
        }());
        QCOMPARE(a, 7);
        QCOMPARE(b, 7);
        QCOMPARE(error, std::string("already failed"));
    }

    void waitForZeroTimeoutCancelsAndWaits()
    {
        auto &loop = guard->loop();
        bool started = false;
        bool timedOutCoro = false, timedOutTask = false, cleanupSeen = false;
        bool cleanupFinished = false;
        qaio::Task<int> task;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            auto coro = [](bool *flag) -> qaio::Coro<int> {
                *flag = true;
                co_return 1;
            };
            try {
                (void)co_await qaio::waitFor(coro(&started), 0s);
            } catch (const qaio::TimeoutError &) {
                timedOutCoro = true;
            }
            task = qaio::createTask(slowCleanup(&cleanupFinished));
            co_await qaio::sleep(0); // let it start
            try {
                (void)co_await qaio::waitFor(task, -1s);
            } catch (const qaio::TimeoutError &) {
                timedOutTask = true;
                cleanupSeen = cleanupFinished;
            }
        }());
        QVERIFY(timedOutCoro);
        QVERIFY(!started); // cancelled before its first step
        QVERIFY(timedOutTask);
        QVERIFY(cleanupSeen);
        QVERIFY(task.cancelled());
    }

    void waitForInnerSwallowsCancellation()
    {
        // Python 3.12: the inner result is returned when it ignores the cancellation.
        auto &loop = guard->loop();
        qaio::Task<int> inner;
        int value = 0;
        int cancellingAfter = -1;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            inner = qaio::createTask(swallowCancel());
            value = co_await qaio::waitFor(inner, 10ms);
            cancellingAfter = qaio::currentTask().cancelling();
        }());
        QCOMPARE(value, -1);
        QCOMPARE(cancellingAfter, 0);
        QVERIFY(!inner.cancelled());
    }

    void waitForOuterCancelIsCancelledError()
    {
        auto &loop = guard->loop();
        bool cleanedUp = false;
        bool gotCancelled = false, gotTimeout = false;
        // A named closure: the task outlives this statement, so must its captures.
        auto outerBody = [&]() -> qaio::Coro<void> {
            try {
                (void)co_await qaio::waitFor(hl::cancellable(1h, 1, &cleanedUp), 1s);
            } catch (const qaio::TimeoutError &) {
                gotTimeout = true;
            } catch (const qaio::CancelledError &) {
                gotCancelled = true;
                throw;
            }
        };
        qaio::Task<void> outer = loop.createTask(outerBody());
        loop.callLater(10ms, [&] { outer.cancel(); });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<void>(outer)));
        QVERIFY(gotCancelled);
        QVERIFY(!gotTimeout);
        QVERIFY(cleanedUp);
        QVERIFY(outer.cancelled());
    }

    void waitForWithoutTimeout()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        const int v = loop.runUntilComplete([&]() -> qaio::Coro<int> {
            co_return co_await qaio::waitFor(hl::valueAfter(2h, 5), std::nullopt);
        }());
        QCOMPARE(v, 5);
        QCOMPARE(msSince(loop, start), 2 * 3600 * 1000);
    }
};

QTEST_GUILESS_MAIN(tst_Wait)
#include "tst_wait.moc"
