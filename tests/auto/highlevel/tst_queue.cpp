// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio::Queue, LifoQueue and PriorityQueue against asyncio's queues (CPython
// test_queues.py): order, maxsize, the nowait forms, taskDone/join, shutdown (3.13),
// cancelled getters and putters, move-only items.
#include "exceptionchecks.h"
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <qaio/qaio.h>

#include <QtTest/QtTest>

#include <functional>
#include <memory>
#include <vector>

namespace {
enum : int { ShutDown = -1, Cancelled = -2 };

qaio::Coro<void> getInto(qaio::Queue<int> &queue, std::vector<int> &got)
{
    try {
        got.push_back(co_await queue.get());
    } catch (const qaio::QueueShutDown &) {
        got.push_back(ShutDown);
    } catch (const qaio::CancelledError &) {
        got.push_back(Cancelled);
        throw;
    }
}

qaio::Coro<void> putFrom(qaio::Queue<int> &queue, int value, std::vector<int> &done)
{
    try {
        co_await queue.put(value);
        done.push_back(value);
    } catch (const qaio::QueueShutDown &) {
        done.push_back(ShutDown);
    } catch (const qaio::CancelledError &) {
        done.push_back(Cancelled);
        throw;
    }
}

struct Job
{
    int priority;
    QString name;
};
struct ByPriority
{
    bool operator()(const Job &a, const Job &b) const { return a.priority < b.priority; }
};
} // namespace

class tst_Queue : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void ordersOfTheThreeQueues()
    {
        qaio::Queue<int> fifo;
        qaio::LifoQueue<int> lifo;
        qaio::PriorityQueue<int> priority;
        qaio::PriorityQueue<Job, ByPriority> jobs;
        for (int v : {3, 1, 2}) {
            fifo.putNowait(v);
            lifo.putNowait(v);
            priority.putNowait(v);
            jobs.putNowait(Job{v, QString::number(v)});
        }
        QCOMPARE(fifo.qsize(), 3);
        std::vector<int> f, l, p;
        QStringList j;
        for (int i = 0; i < 3; ++i) {
            f.push_back(fifo.getNowait());
            l.push_back(lifo.getNowait());
            p.push_back(priority.getNowait());
            j << jobs.getNowait().name;
        }
        QCOMPARE(f, std::vector<int>({3, 1, 2}));
        QCOMPARE(l, std::vector<int>({2, 1, 3}));
        QCOMPARE(p, std::vector<int>({1, 2, 3}));
        QCOMPARE(j, QStringList({QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3")}));
        QVERIFY(fifo.empty() && lifo.empty() && priority.empty());
    }

    void nowaitFormsRefuseWithClearErrors()
    {
        qaio::Queue<std::unique_ptr<int>> queue(1, QStringLiteral("jobs"));
        QCOMPARE(queue.maxsize(), 1);
        QCOMPARE(qaiotest::messageOf<qaio::QueueEmpty>([&] { queue.getNowait(); }), QStringLiteral("queue is empty"));
        queue.putNowait(std::make_unique<int>(1));
        QVERIFY(queue.full());
        auto second = std::make_unique<int>(2);
        QCOMPARE(qaiotest::messageOf<qaio::QueueFull>([&] { queue.putNowait(std::move(second)); }),
                 QStringLiteral("queue is full (maxsize=1)"));
        QVERIFY(second && *second == 2); // nothing moved from a refused item
        QVERIFY(queue.describe().contains(QStringLiteral("<Queue 'jobs' [maxsize=1, qsize=1, tasks=1]")));
        QCOMPARE(*queue.getNowait(), 1);
        qaio::Queue<int> unbounded(-5);
        for (int i = 0; i < 1000; ++i)
            unbounded.putNowait(i);
        QVERIFY(!unbounded.full());
    }

    void putWaitsWhileFullGetWaitsWhileEmpty()
    {
        auto &loop = guard->loop();
        qaio::Queue<int> queue(2);
        std::vector<int> got, put;
        qaio::Task<void> g1 = loop.createTask(getInto(queue, got));
        qaio::Task<void> g2 = loop.createTask(getInto(queue, got));
        hl::runBriefly(loop);
        QCOMPARE(queue.waiterCount(), 2);
        std::vector<qaio::Task<void>> putters;
        for (int v = 1; v <= 5; ++v)
            putters.push_back(loop.createTask(putFrom(queue, v, put)));
        hl::runBriefly(loop);
        QCOMPARE(got, std::vector<int>({1, 2}));  // getters served first, in order
        QCOMPARE(put, std::vector<int>({1, 2, 3, 4}));
        QVERIFY(queue.full());
        QCOMPARE(queue.getNowait(), 3); // frees a slot: the waiting putter gets in
        hl::runBriefly(loop);
        QCOMPARE(put, std::vector<int>({1, 2, 3, 4, 5}));
        QCOMPARE(queue.getNowait(), 4);
        QCOMPARE(queue.getNowait(), 5);
    }

    void joinWakesOnlyAfterEveryTaskDone()
    {
        auto &loop = guard->loop();
        qaio::Queue<int> queue;
        loop.runUntilComplete(queue.join()); // nothing unfinished: at once
        for (int v : {1, 2, 3})
            queue.putNowait(v);
        qaio::Task<void> joiner = loop.createTask(queue.join());
        for (int i = 0; i < 3; ++i)
            queue.getNowait();
        hl::runBriefly(loop);
        QVERIFY(!joiner.done()); // taken is not done
        queue.taskDone();
        queue.taskDone();
        hl::runBriefly(loop);
        QVERIFY(!joiner.done());
        queue.taskDone();
        hl::runBriefly(loop);
        QVERIFY(joiner.done());
        QCOMPARE(qaiotest::messageOf<qaio::ValueError>([&] { queue.taskDone(); }), QStringLiteral("taskDone() called too many times"));
    }

    void shutdownImmediateWakesEveryGetterAndPutter()
    {
        auto &loop = guard->loop();
        qaio::Queue<int> full(1);
        qaio::Queue<int> empty;
        std::vector<int> got, put;
        full.putNowait(7);
        qaio::Task<void> joiner = loop.createTask(full.join());
        std::vector<qaio::Task<void>> tasks;
        tasks.push_back(loop.createTask(putFrom(full, 8, put)));
        tasks.push_back(loop.createTask(putFrom(full, 9, put)));
        tasks.push_back(loop.createTask(getInto(empty, got)));
        tasks.push_back(loop.createTask(getInto(empty, got)));
        hl::runBriefly(loop);
        full.shutdown(true);
        empty.shutdown(true);
        hl::runBriefly(loop);
        QCOMPARE(put, std::vector<int>({ShutDown, ShutDown}));
        QCOMPARE(got, std::vector<int>({ShutDown, ShutDown}));
        QVERIFY(full.empty());  // the item left was dropped...
        QVERIFY(joiner.done()); // ...and counted done
        QVERIFY(full.isShutDown());
        QCOMPARE(qaiotest::messageOf<qaio::QueueShutDown>([&] { full.putNowait(1); }), QStringLiteral("queue is shut down"));
        QCOMPARE(qaiotest::messageOf<qaio::QueueShutDown>([&] { full.getNowait(); }), QStringLiteral("queue is shut down"));
    }

    void shutdownLetsGettersDrainFirst()
    {
        auto &loop = guard->loop();
        qaio::Queue<int> queue;
        queue.putNowait(1);
        queue.putNowait(2);
        queue.shutdown();
        std::vector<int> got;
        for (int i = 0; i < 3; ++i)
            loop.runUntilComplete(getInto(queue, got));
        QCOMPARE(got, std::vector<int>({1, 2, ShutDown}));
    }

    void getterCancelledAfterWakeUpPassesTheItemOn()
    {
        // CPython's test_cancelled_getters_not_being_held_in_self_getters and the
        // get/cancel race: the item goes to the next getter, nothing is lost.
        auto &loop = guard->loop();
        qaio::Queue<int> queue;
        std::vector<int> got;
        qaio::Task<void> first = loop.createTask(getInto(queue, got));
        qaio::Task<void> second = loop.createTask(getInto(queue, got));
        hl::runBriefly(loop);
        queue.putNowait(42); // wakes `first`...
        first.cancel();      // ...cancelled before it runs
        hl::runBriefly(loop);
        QCOMPARE(got, std::vector<int>({Cancelled, 42}));
        QVERIFY(first.cancelled() && second.done());
        QCOMPARE(queue.waiterCount(), 0);
    }

    void putterCancelledAfterWakeUpPassesTheSlotOn()
    {
        auto &loop = guard->loop();
        qaio::Queue<int> queue(1);
        std::vector<int> put;
        queue.putNowait(0);
        qaio::Task<void> first = loop.createTask(putFrom(queue, 1, put));
        qaio::Task<void> second = loop.createTask(putFrom(queue, 2, put));
        hl::runBriefly(loop);
        QCOMPARE(queue.getNowait(), 0); // wakes `first`...
        first.cancel();                 // ...cancelled before it runs
        hl::runBriefly(loop);
        QCOMPARE(put, std::vector<int>({Cancelled, 2}));
        QCOMPARE(queue.getNowait(), 2);
    }

    void moveOnlyItemsAreMovedNeverCopied()
    {
        auto &loop = guard->loop();
        qaio::Queue<std::unique_ptr<QString>> queue(1);
        auto producer = [&]() -> qaio::Coro<void> {
            for (int i = 0; i < 3; ++i)
                co_await queue.put(std::make_unique<QString>(QString::number(i)));
        };
        QStringList received;
        auto consumer = [&]() -> qaio::Coro<void> {
            for (int i = 0; i < 3; ++i) {
                std::unique_ptr<QString> item = co_await queue.get();
                received << *item;
                queue.taskDone();
            }
        };
        qaio::Task<void> p = loop.createTask(producer());
        loop.runUntilComplete(consumer());
        QVERIFY(p.done());
        QCOMPARE(received, QStringList({QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2")}));
    }
};

QTEST_GUILESS_MAIN(tst_Queue)
#include "tst_queue.moc"
