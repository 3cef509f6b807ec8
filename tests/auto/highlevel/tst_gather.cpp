// Copyright (c) qaio authors. Licensed under the MIT license.
// gather(): result order, first-exception propagation, cancellation both ways,
// returnExceptions, empty and already-done inputs (asyncio test_tasks' gather cases).
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <QtTest/QtTest>

#include <memory>
#include <tuple>
#include <variant>

using namespace std::chrono_literals;
using hl::msSince;

namespace {

qaio::Coro<std::unique_ptr<int>> makeUnique(int v)
{
    co_await qaio::sleep(1ms);
    co_return std::make_unique<int>(v);
}

qaio::Coro<void> noop(int *counter)
{
    ++*counter;
    co_return;
}

} // namespace

class tst_Gather : public LoopTestCase
{
    Q_OBJECT
public:
    tst_Gather() : LoopTestCase(Clock::Virtual) {}

private Q_SLOTS:
    void resultsFollowArgumentOrder()
    {
        auto &loop = guard->loop();
        std::vector<int> finished;
        const qaio::TimePoint start = loop.time();
        auto results = loop.runUntilComplete([&]() -> qaio::Coro<std::tuple<int, int, int>> {
            co_return co_await qaio::gather(hl::valueAfter(30ms, 1, &finished), hl::valueAfter(10ms, 2, &finished),
                                            hl::valueAfter(20ms, 3, &finished));
        }());
        QCOMPARE(results, std::make_tuple(1, 2, 3));
        QCOMPARE(finished, (std::vector<int>{2, 3, 1}));
        QCOMPARE(msSince(loop, start), 30);
    }

    void mixesFuturesTasksAndCoroutines()
    {
        auto &loop = guard->loop();
        qaio::Future<QString> future = loop.createFuture<QString>();
        loop.callLater(5ms, [future]() mutable { future.setResult(QStringLiteral("future")); });
        int ran = 0;
        auto results = loop.runUntilComplete([&]() -> qaio::Coro<std::tuple<QString, int, std::monostate>> {
            qaio::Task<int> task = qaio::createTask(hl::valueAfter(1ms, 7));
            co_return co_await qaio::gather(future, task, noop(&ran));
        }());
        QCOMPARE(std::get<0>(results), QStringLiteral("future"));
        QCOMPARE(std::get<1>(results), 7);
        QCOMPARE(ran, 1);
    }

    void vectorOfTasks()
    {
        auto &loop = guard->loop();
        const auto values = loop.runUntilComplete([&]() -> qaio::Coro<std::vector<int>> {
            std::vector<qaio::Task<int>> tasks;
            for (int i = 0; i < 5; ++i)
                tasks.push_back(qaio::createTask(hl::valueAfter(std::chrono::milliseconds(10 - i), i)));
            co_return co_await qaio::gather(tasks);
        }());
        QCOMPARE(values, (std::vector<int>{0, 1, 2, 3, 4}));
    }

    void vectorOfCoroutinesAndVoid()
    {
        auto &loop = guard->loop();
        int ran = 0;
        std::vector<int> values;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            std::vector<qaio::Coro<int>> coros;
            coros.push_back(hl::valueAfter(3ms, 30));
            coros.push_back(hl::valueAfter(1ms, 10));
            values = co_await qaio::gather(std::move(coros));

            std::vector<qaio::Coro<void>> voids;
            for (int i = 0; i < 3; ++i)
                voids.push_back(noop(&ran));
            qaio::Future<void> all = qaio::gather(std::move(voids));
            co_await all;
        }());
        QCOMPARE(values, (std::vector<int>{30, 10}));
        QCOMPARE(ran, 3);
    }

    void moveOnlyResults()
    {
        auto &loop = guard->loop();
        auto results = loop.runUntilComplete([&]() -> qaio::Coro<std::tuple<std::unique_ptr<int>, std::unique_ptr<int>>> {
            co_return co_await qaio::gather(makeUnique(1), makeUnique(2));
        }());
        QVERIFY(std::get<0>(results) && std::get<1>(results));
        QCOMPARE(*std::get<0>(results), 1);
        QCOMPARE(*std::get<1>(results), 2);
    }

    void firstExceptionPropagatesAndOthersKeepRunning()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        long long failedAt = -1;
        std::string message;
        qaio::Task<int> slow;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            slow = qaio::createTask(hl::valueAfter(30ms, 3));
            try {
                co_await qaio::gather(hl::failAfter(10ms, "first"), slow, hl::failAfter(20ms, "second"));
            } catch (const std::runtime_error &e) {
                message = e.what();
                failedAt = msSince(loop, start);
            }
            // Not cancelled by the failure: it finishes normally.
            (void)co_await slow;
        }());
        QCOMPARE(message, std::string("first"));
        QCOMPARE(failedAt, 10);
        QVERIFY(slow.done() && !slow.cancelled());
        QCOMPARE(slow.result(), 3);
        QCOMPARE(msSince(loop, start), 30);
        // The "second" failure was marked retrieved: no "never retrieved" report (the
        // guard fails the test on any unexpected exception-handler call).
    }

    void cancellingGatherCancelsChildren()
    {
        auto &loop = guard->loop();
        bool cleanedA = false, cleanedB = false;
        qaio::Task<int> a = loop.createTask(hl::cancellable(1h, 1, &cleanedA));
        qaio::Task<int> b = loop.createTask(hl::cancellable(1h, 2, &cleanedB));
        qaio::Future<std::tuple<int, int>> outer = qaio::gather(a, b);
        loop.callLater(5ms, [&] { QVERIFY(outer.cancel(QStringLiteral("stop"))); });
        bool threw = false;
        try {
            loop.runUntilComplete(outer);
        } catch (const qaio::CancelledError &e) {
            threw = true;
            QCOMPARE(e.message(), QStringLiteral("stop"));
        }
        QVERIFY(threw);
        QVERIFY(outer.cancelled());
        QVERIFY(a.cancelled() && b.cancelled());
        QVERIFY(cleanedA && cleanedB);
        QVERIFY(!outer.cancel()); // already done
    }

    void cancellingAwaitingTaskCancelsChildren()
    {
        auto &loop = guard->loop();
        bool cleaned = false;
        qaio::Task<int> child = loop.createTask(hl::cancellable(1h, 1, &cleaned));
        // A named closure: the task outlives this statement, so must its captures.
        auto waiterBody = [&]() -> qaio::Coro<void> {
            (void)co_await qaio::gather(child, hl::valueAfter(2h, 2));
        };
        qaio::Task<void> waiter = loop.createTask(waiterBody());
        loop.callLater(5ms, [&] { waiter.cancel(); });
        try {
            loop.runUntilComplete(qaio::Future<void>(waiter));
        } catch (const qaio::CancelledError &) {
        }
        QVERIFY(waiter.cancelled());
        QVERIFY(child.cancelled());
        QVERIFY(cleaned);
    }

    void childCancelledMakesGatherCancelled()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        qaio::Task<int> victim = loop.createTask(hl::valueAfter(1h, 1));
        qaio::Task<int> other = loop.createTask(hl::valueAfter(20ms, 2));
        loop.callLater(5ms, [&] { victim.cancel(QStringLiteral("victim")); });
        bool cancelled = false;
        QString message;
        long long at = -1;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                (void)co_await qaio::gather(victim, other);
            } catch (const qaio::CancelledError &e) {
                cancelled = true;
                message = e.message();
                at = msSince(loop, start);
            }
            (void)co_await other; // untouched by the sibling's cancellation
        }());
        QVERIFY(cancelled);
        QCOMPARE(message, QStringLiteral("victim"));
        QCOMPARE(at, 5);
        QVERIFY(!other.cancelled());
        QCOMPARE(other.result(), 2);
    }

    void returnExceptionsCollectsOutcomes()
    {
        auto &loop = guard->loop();
        qaio::Task<int> victim = loop.createTask(hl::valueAfter(1h, 9));
        loop.callLater(5ms, [&] { victim.cancel(QStringLiteral("gone")); });
        auto outcomes = loop.runUntilComplete(
            [&]() -> qaio::Coro<std::tuple<qaio::Outcome<int>, qaio::Outcome<int>, qaio::Outcome<int>>> {
                co_return co_await qaio::gather(qaio::returnExceptions, hl::valueAfter(10ms, 1),
                                                hl::failAfter(1ms, "boom"), victim);
            }());
        auto &[ok, failed, cancelled] = outcomes;
        QVERIFY(ok.hasValue());
        QCOMPARE(ok.value(), 1);
        QVERIFY(failed.hasError() && !failed.isCancelled());
        QCOMPARE(hl::messageOf(failed.error()), std::string("boom"));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, failed.value());
        QVERIFY(cancelled.isCancelled());
        QVERIFY(!cancelled);
    }

    void returnExceptionsVector()
    {
        auto &loop = guard->loop();
        std::vector<qaio::Outcome<void>> outcomes;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            std::vector<qaio::Coro<void>> coros;
            coros.push_back(hl::sleepFor(2ms));
            coros.push_back([]() -> qaio::Coro<void> {
                co_await qaio::sleep(1ms);
                throw qaio::ValueError("bad");
            }());
            outcomes = co_await qaio::gather(qaio::returnExceptions, std::move(coros));
        }());
        QCOMPARE(outcomes.size(), std::size_t(2));
        QVERIFY(outcomes[0].hasValue());
        QVERIFY(outcomes[1].hasError());
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, outcomes[1].value());
    }

    void cancelWinsOverReturnExceptions()
    {
        auto &loop = guard->loop();
        qaio::Task<int> a = loop.createTask(hl::valueAfter(1h, 1));
        auto outer = qaio::gather(qaio::returnExceptions, a, hl::valueAfter(2h, 2));
        loop.callLater(1ms, [&] { outer.cancel(); });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(outer));
        QVERIFY(outer.cancelled());
        QVERIFY(a.cancelled());
    }

    void emptyGatherIsDoneAtOnce()
    {
        auto empty = qaio::gather();
        QVERIFY(empty.done());
        QCOMPARE(std::tuple_size_v<std::remove_cvref_t<decltype(empty.result())>>, std::size_t(0));

        auto emptyVector = qaio::gather(std::vector<qaio::Task<int>>{});
        QVERIFY(emptyVector.done());
        QVERIFY(emptyVector.result().empty());

        auto emptyVoid = qaio::gather(std::vector<qaio::Future<void>>{});
        QVERIFY(emptyVoid.done());
        emptyVoid.result();
    }

    void allChildrenDoneGivesImmediateResult()
    {
        auto &loop = guard->loop();
        qaio::Future<int> a = loop.createFuture<int>();
        qaio::Future<int> b = loop.createFuture<int>();
        a.setResult(1);
        b.setResult(2);
        auto outer = qaio::gather(a, b);
        QVERIFY(outer.done()); // before the loop ran at all
        QCOMPARE(outer.result(), std::make_tuple(1, 2));

        qaio::Future<int> failed = loop.createFuture<int>();
        failed.setException(std::runtime_error("early"));
        auto failing = qaio::gather(std::vector<qaio::Future<int>>{a, failed});
        QVERIFY(failing.done());
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, failing.result());
    }

    void sameFutureTwice()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        loop.callLater(1ms, [f]() mutable { f.setResult(5); });
        auto outer = qaio::gather(f, f);
        QCOMPARE(loop.runUntilComplete(outer), std::make_tuple(5, 5));
    }

    void nestedGatherCancelsGrandchildren()
    {
        auto &loop = guard->loop();
        bool cleaned = false;
        qaio::Task<int> leaf = loop.createTask(hl::cancellable(1h, 1, &cleaned));
        auto inner = qaio::gather(leaf);
        auto outer = qaio::gather(inner, hl::valueAfter(1h, 2));
        loop.callLater(1ms, [&] { QVERIFY(outer.cancel()); });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(outer));
        QVERIFY(inner.cancelled());
        QVERIFY(leaf.cancelled());
        QVERIFY(cleaned);
    }

    void badArgumentsAreValueErrors()
    {
        auto &loop = guard->loop();
        qaio::Future<int> invalid;
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, qaio::gather(invalid));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, qaio::gather(std::vector<qaio::Future<int>>{invalid}));

        auto other = qaio::newEventLoop();
        qaio::Future<int> foreign = other->createFuture<int>();
        qaio::Future<int> local = loop.createFuture<int>();
        try {
            (void)qaio::gather(local, foreign);
            QFAIL("a future of another loop was accepted");
        } catch (const qaio::ValueError &e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(QStringLiteral("different loop")));
        }
        foreign = {};
        other->close();
    }

    void manyTrivialTasks()
    {
        // The benchmark's shape (groups of 100), checked for results and leaks.
        auto &loop = guard->loop();
        int ran = 0;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            std::vector<qaio::Task<void>> tasks;
            for (int group = 0; group < 20; ++group) {
                for (int i = 0; i < 100; ++i)
                    tasks.push_back(qaio::createTask(noop(&ran)));
                co_await qaio::gather(tasks);
                for (const qaio::Task<void> &t : tasks) {
                    if (!t.done())
                        throw std::logic_error("gather returned before a child finished");
                }
                tasks.clear();
            }
        }());
        QCOMPARE(ran, 2000);
    }
};

QTEST_GUILESS_MAIN(tst_Gather)
#include "tst_gather.moc"
