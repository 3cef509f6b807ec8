// Copyright (c) qaio authors. Licensed under the MIT license.
// shield(): the outer future is cancelled, the inner operation keeps running and its
// result stays available (asyncio test_tasks' shield cases).
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <QtTest/QtTest>

using namespace std::chrono_literals;
using hl::msSince;

class tst_Shield : public LoopTestCase
{
    Q_OBJECT
public:
    tst_Shield() : LoopTestCase(Clock::Virtual) {}

private Q_SLOTS:
    void resultPassesThrough()
    {
        auto &loop = guard->loop();
        const int v = loop.runUntilComplete([&]() -> qaio::Coro<int> {
            co_return co_await qaio::shield(hl::valueAfter(10ms, 5));
        }());
        QCOMPARE(v, 5);
    }

    void outerCancelledInnerCompletes()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        qaio::Task<int> inner = loop.createTask(hl::valueAfter(20ms, 42));
        bool waiterCancelled = false;
        auto waiterBody = [&]() -> qaio::Coro<void> {
            try {
                (void)co_await qaio::shield(inner);
            } catch (const qaio::CancelledError &) {
                waiterCancelled = true;
                throw;
            }
        };
        qaio::Task<void> waiter = loop.createTask(waiterBody());
        loop.callLater(5ms, [&] { waiter.cancel(); });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<void>(waiter)));
        QVERIFY(waiterCancelled);
        QCOMPARE(msSince(loop, start), 5);
        QVERIFY(!inner.done()); // still running, not cancelled
        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(inner)), 42);
        QVERIFY(!inner.cancelled());
        QCOMPARE(inner.result(), 42);
        QCOMPARE(msSince(loop, start), 20);
    }

    void cancellingOuterFutureDirectly()
    {
        auto &loop = guard->loop();
        bool finished = false;
        qaio::Task<void> inner = loop.createTask(hl::sleepFor(10ms, &finished));
        qaio::Future<void> outer = qaio::shield(inner);
        QVERIFY(outer.cancel());
        QVERIFY(outer.cancelled());
        loop.runUntilComplete(qaio::Future<void>(inner));
        QVERIFY(finished);
        QVERIFY(!inner.cancelled());
    }

    void shieldedCoroutineKeepsRunning()
    {
        auto &loop = guard->loop();
        bool finished = false;
        qaio::Future<void> outer = qaio::shield(hl::sleepFor(10ms, &finished));
        loop.callSoon([&] { outer.cancel(); });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(outer));
        QVERIFY(!finished);
        // Nobody holds the inner task; the loop keeps it alive until it is done.
        QCOMPARE(loop.pendingTaskCount(), std::size_t(1));
        while (loop.pendingTaskCount())
            loop.runOnce();
        QVERIFY(finished);
    }

    void innerFailureReachesOuter()
    {
        auto &loop = guard->loop();
        std::string message;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                (void)co_await qaio::shield(hl::failAfter(1ms, "inner failed"));
            } catch (const std::runtime_error &e) {
                message = e.what();
            }
        }());
        QCOMPARE(message, std::string("inner failed"));
    }

    void innerCancelledCancelsOuter()
    {
        auto &loop = guard->loop();
        qaio::Task<int> inner = loop.createTask(hl::valueAfter(1h, 1));
        qaio::Future<int> outer = qaio::shield(inner);
        loop.callLater(1ms, [&] { inner.cancel(); });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(outer));
        QVERIFY(outer.cancelled());
        QVERIFY(inner.cancelled());
    }

    void doneInnerIsReturnedAsIs()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        f.setResult(3);
        qaio::Future<int> shielded = qaio::shield(f);
        QVERIFY(shielded == f);
        QCOMPARE(shielded.result(), 3);
    }
};

QTEST_GUILESS_MAIN(tst_Shield)
#include "tst_shield.moc"
