// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio::Barrier against asyncio.Barrier's behaviour (CPython test_locks.py BarrierTests):
// arrival indices, rounds, a cancelled party leaving, abort and reset.
#include "exceptionchecks.h"
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <qaio/qaio.h>

#include <QtTest/QtTest>

#include <algorithm>
#include <vector>

namespace {
enum : int { Broken = -1, Cancelled = -2 };

/*! Waits at \a barrier; records the index, Broken or Cancelled. */
qaio::Coro<void> arrive(qaio::Barrier &barrier, std::vector<int> &outcomes)
{
    try {
        const qsizetype index = co_await barrier.wait();
        outcomes.push_back(int(index));
    } catch (const qaio::BrokenBarrierError &) {
        outcomes.push_back(Broken);
    } catch (const qaio::CancelledError &) {
        outcomes.push_back(Cancelled);
        throw;
    }
}

std::vector<int> sorted(std::vector<int> v)
{
    std::sort(v.begin(), v.end());
    return v;
}

/*! Sends barrier.parties() new tasks through \a barrier; their sorted outcomes. */
std::vector<int> fullRound(qaio::EventLoop &loop, qaio::Barrier &barrier)
{
    std::vector<int> outcomes;
    std::vector<qaio::Task<void>> round;
    for (qsizetype i = 0; i < barrier.parties(); ++i)
        round.push_back(loop.createTask(arrive(barrier, outcomes)));
    hl::runBriefly(loop);
    return sorted(outcomes);
}
} // namespace

class tst_Barrier : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void releasesTheThirdArrivalWithDistinctIndices()
    {
        auto &loop = guard->loop();
        qaio::Barrier barrier(3, QStringLiteral("assets"));
        QCOMPARE(barrier.parties(), 3);
        std::vector<int> outcomes;
        qaio::Task<void> a = loop.createTask(arrive(barrier, outcomes));
        qaio::Task<void> b = loop.createTask(arrive(barrier, outcomes));
        hl::runBriefly(loop);
        QCOMPARE(barrier.nWaiting(), 2);
        QVERIFY(outcomes.empty());
        QVERIFY(barrier.describe().contains(QStringLiteral("'assets' [filling, waiters:2/3]")));
        qaio::Task<void> c = loop.createTask(arrive(barrier, outcomes));
        hl::runBriefly(loop);
        QCOMPARE(sorted(outcomes), std::vector<int>({0, 1, 2}));
        QCOMPARE(barrier.nWaiting(), 0);
        QVERIFY(!barrier.broken());

        // The barrier is reusable: a second round.
        QCOMPARE(fullRound(loop, barrier), std::vector<int>({0, 1, 2}));
    }

    void aCancelledPartyLeaves()
    {
        // CPython's test_filling_tasks_cancel_one: the cancelled task leaves the count,
        // the barrier is not broken, and the round completes with a newcomer.
        auto &loop = guard->loop();
        qaio::Barrier barrier(3);
        std::vector<int> outcomes;
        qaio::Task<void> t1 = loop.createTask(arrive(barrier, outcomes));
        qaio::Task<void> t2 = loop.createTask(arrive(barrier, outcomes));
        hl::runBriefly(loop);
        QCOMPARE(barrier.nWaiting(), 2);
        t1.cancel();
        hl::runBriefly(loop);
        QVERIFY(t1.cancelled());
        QCOMPARE(barrier.nWaiting(), 1);
        QVERIFY(!barrier.broken());
        qaio::Task<void> t3 = loop.createTask(arrive(barrier, outcomes));
        qaio::Task<void> t4 = loop.createTask(arrive(barrier, outcomes));
        hl::runBriefly(loop);
        // The index is the count of tasks inside when one arrives (asyncio's _count):
        // t2 came in at 1, t1 left, so t3 came in at 1 too, and t4 at 2, as in asyncio.
        QCOMPARE(sorted(outcomes), std::vector<int>({Cancelled, 1, 1, 2}));
        QVERIFY(t2.done() && t3.done() && t4.done());
        QCOMPARE(barrier.nWaiting(), 0);
    }

    void abortBreaksWaitersAndLaterCallers()
    {
        // A barrier of 3, one party cancelled, then aborted: the others get
        // BrokenBarrierError, and so does every later wait() until reset().
        auto &loop = guard->loop();
        qaio::Barrier barrier(3);
        std::vector<int> outcomes;
        qaio::Task<void> p1 = loop.createTask(arrive(barrier, outcomes));
        qaio::Task<void> p2 = loop.createTask(arrive(barrier, outcomes));
        hl::runBriefly(loop);
        p1.cancel();
        hl::runBriefly(loop);
        loop.runUntilComplete(barrier.abort());
        hl::runBriefly(loop);
        QVERIFY(barrier.broken());
        QCOMPARE(outcomes, std::vector<int>({Cancelled, Broken}));
        QVERIFY(p2.done());

        QCOMPARE(qaiotest::messageOf<qaio::BrokenBarrierError>([&] { loop.runUntilComplete(barrier.wait()); }),
                 QStringLiteral("Barrier aborted"));

        loop.runUntilComplete(barrier.reset());
        QVERIFY(!barrier.broken());
        QCOMPARE(fullRound(loop, barrier), std::vector<int>({0, 1, 2}));
    }

    void resetBreaksTheTasksInside()
    {
        auto &loop = guard->loop();
        qaio::Barrier barrier(3);
        std::vector<int> outcomes;
        qaio::Task<void> t1 = loop.createTask(arrive(barrier, outcomes));
        qaio::Task<void> t2 = loop.createTask(arrive(barrier, outcomes));
        hl::runBriefly(loop);
        loop.runUntilComplete(barrier.reset());
        hl::runBriefly(loop);
        QCOMPARE(outcomes, std::vector<int>({Broken, Broken}));
        QVERIFY(!barrier.broken());
        QCOMPARE(barrier.nWaiting(), 0);
        // Back to filling once the broken tasks left: a full round works.
        QCOMPARE(fullRound(loop, barrier), std::vector<int>({0, 1, 2}));
    }

    void badPartiesAreRefused()
    {
        for (qsizetype parties : {0, -1})
            QCOMPARE(qaiotest::messageOf<qaio::ValueError>([&] { qaio::Barrier barrier(parties); }),
                     QStringLiteral("parties must be > 0"));
    }
};

QTEST_GUILESS_MAIN(tst_Barrier)
#include "tst_barrier.moc"
