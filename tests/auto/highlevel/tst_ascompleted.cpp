// Copyright (c) qaio authors. Licensed under the MIT license.
// asCompleted(): completion order, exceptions in turn, timeout, duplicates, concurrent
// next() calls (asyncio test_tasks' as_completed cases).
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <QtTest/QtTest>

using namespace std::chrono_literals;
using hl::msSince;

class tst_AsCompleted : public LoopTestCase
{
    Q_OBJECT
public:
    tst_AsCompleted() : LoopTestCase(Clock::Virtual) {}

private Q_SLOTS:
    void yieldsInCompletionOrder()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        std::vector<int> values;
        std::vector<long long> times;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            std::vector<qaio::Coro<int>> coros;
            coros.push_back(hl::valueAfter(30ms, 1));
            coros.push_back(hl::valueAfter(10ms, 2));
            coros.push_back(hl::valueAfter(20ms, 3));
            auto ac = qaio::asCompleted(std::move(coros));
            while (ac.remaining()) {
                const int v = co_await ac.next();
                values.push_back(v);
                times.push_back(msSince(loop, start));
            }
        }());
        QCOMPARE(values, (std::vector<int>{2, 3, 1}));
        QCOMPARE(times, (std::vector<long long>{10, 20, 30}));
    }

    void exceptionComesInItsTurn()
    {
        auto &loop = guard->loop();
        std::vector<std::string> events;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            std::vector<qaio::Task<int>> tasks{qaio::createTask(hl::valueAfter(20ms, 1)),
                                               qaio::createTask(hl::failAfter(10ms, "bad"))};
            auto ac = qaio::asCompleted(tasks);
            while (ac.remaining()) {
                try {
                    const int v = co_await ac.next();
                    events.push_back(std::to_string(v));
                } catch (const std::runtime_error &e) {
                    events.push_back(e.what());
                }
            }
        }());
        QCOMPARE(events, (std::vector<std::string>{"bad", "1"}));
    }

    void timeoutRaisesForTheRest()
    {
        auto &loop = guard->loop();
        std::vector<std::string> events;
        std::vector<qaio::Task<int>> tasks;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            tasks = {qaio::createTask(hl::valueAfter(10ms, 1)), qaio::createTask(hl::valueAfter(30ms, 2)),
                     qaio::createTask(hl::valueAfter(40ms, 3))};
            auto ac = qaio::asCompleted(tasks, 20ms);
            while (ac.remaining()) {
                try {
                    const int v = co_await ac.next();
                    events.push_back(std::to_string(v));
                } catch (const qaio::TimeoutError &) {
                    events.push_back("timeout");
                }
            }
        }());
        QCOMPARE(events, (std::vector<std::string>{"1", "timeout", "timeout"}));
        // Not cancelled by the timeout.
        QVERIFY(!tasks[1].done());
        loop.runUntilComplete(qaio::gather(tasks));
        QCOMPARE(tasks[2].result(), 3);
    }

    void duplicatesCountOnceAndOverrunThrows()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        loop.callLater(1ms, [f]() mutable { f.setResult(4); });
        std::size_t size = 0;
        int v = 0;
        bool overrun = false;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            std::vector<qaio::Future<int>> twice{f, f};
            auto ac = qaio::asCompleted(twice);
            size = ac.size();
            v = co_await ac.next();
            try {
                (void)ac.next();
            } catch (const qaio::InvalidStateError &) {
                overrun = true;
            }
        }());
        QCOMPARE(size, std::size_t(1));
        QCOMPARE(v, 4);
        QVERIFY(overrun);
    }

    void concurrentNextCalls()
    {
        auto &loop = guard->loop();
        std::tuple<int, int> results;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            std::vector<qaio::Coro<int>> coros;
            coros.push_back(hl::valueAfter(20ms, 1));
            coros.push_back(hl::valueAfter(10ms, 2));
            auto ac = qaio::asCompleted(std::move(coros));
            results = co_await qaio::gather(ac.next(), ac.next());
        }());
        QCOMPARE(results, std::make_tuple(2, 1));
    }

    void emptyInput()
    {
        auto ac = qaio::asCompleted(std::vector<qaio::Task<int>>{});
        QCOMPARE(ac.size(), std::size_t(0));
        QCOMPARE(ac.remaining(), std::size_t(0));
        QVERIFY_THROWS_EXCEPTION(qaio::InvalidStateError, (void)ac.next());
    }
};

QTEST_GUILESS_MAIN(tst_AsCompleted)
#include "tst_ascompleted.moc"
