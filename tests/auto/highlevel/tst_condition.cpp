// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio::Condition against asyncio.Condition's behaviour (CPython test_locks.py
// ConditionTests): notify order, wait_for with a predicate, the lock held again after
// every wait (cancelled or not), a notified waiter that is cancelled passes it on.
#include "exceptionchecks.h"
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <qaio/qaio.h>

#include <QtTest/QtTest>

#include <vector>

namespace {
/*! Takes the condition's lock, waits once, records \a id and whether the lock was held
    again, then releases. */
qaio::Coro<void> waitOnce(qaio::Condition &cond, std::vector<int> &order, int id, bool *heldAfter = nullptr)
{
    co_await cond.acquire();
    co_await cond.wait();
    order.push_back(id);
    if (heldAfter)
        *heldAfter = cond.locked();
    cond.release();
}

/*! As waitOnce(), recording a CancelledError as -id (with the lock state then). */
qaio::Coro<void> waitRecordingCancel(qaio::Condition &cond, std::vector<int> &order, int id, bool &heldAfter)
{
    co_await cond.acquire();
    bool cancelled = false;
    try {
        co_await cond.wait();
    } catch (const qaio::CancelledError &) {
        cancelled = true;
    }
    heldAfter = cond.locked();
    order.push_back(cancelled ? -id : id);
    cond.release();
}

qaio::Coro<void> notifyUnderLock(qaio::Condition &cond, qsizetype n)
{
    co_await cond.acquire();
    cond.notify(n);
    cond.release();
}
} // namespace

class tst_Condition : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void notifyWakesInArrivalOrder()
    {
        auto &loop = guard->loop();
        qaio::Condition cond(QStringLiteral("changed"));
        std::vector<int> order;
        bool held1 = false;
        qaio::Task<void> t1 = loop.createTask(waitOnce(cond, order, 1, &held1));
        qaio::Task<void> t2 = loop.createTask(waitOnce(cond, order, 2));
        qaio::Task<void> t3 = loop.createTask(waitOnce(cond, order, 3));
        hl::runBriefly(loop);
        QCOMPARE(cond.waiterCount(), 3);
        QVERIFY(!cond.locked()); // every waiter released the lock while it waits
        QVERIFY(cond.describe().contains(QStringLiteral("'changed' [unlocked, waiters:3]")));
        loop.runUntilComplete(notifyUnderLock(cond, 1));
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1}));
        QVERIFY(held1);
        loop.runUntilComplete(notifyUnderLock(cond, 2));
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1, 2, 3}));
        QVERIFY(t1.done() && t2.done() && t3.done());
        QCOMPARE(cond.waiterCount(), 0);
    }

    void notifyAllWakesEveryone()
    {
        auto &loop = guard->loop();
        qaio::Condition cond;
        std::vector<int> order;
        std::vector<qaio::Task<void>> tasks;
        for (int id = 1; id <= 4; ++id)
            tasks.push_back(loop.createTask(waitOnce(cond, order, id)));
        hl::runBriefly(loop);
        auto notifyAll = [&]() -> qaio::Coro<void> {
            qaio::LockGuard held = co_await cond.scoped();
            cond.notifyAll();
        };
        loop.runUntilComplete(notifyAll());
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1, 2, 3, 4}));
        QVERIFY(!cond.locked());
    }

    void waitForAPredicateThatBecomesTrueLater()
    {
        // CPython's test_wait_for: the predicate is checked after each notify, with the
        // lock held, and waitFor() returns its value once it is true.
        auto &loop = guard->loop();
        qaio::Condition cond;
        int presses = 0;
        int checks = 0;
        int result = 0;
        auto waiter = [&]() -> qaio::Coro<void> {
            qaio::LockGuard held = co_await cond.scoped();
            auto threePresses = [&] {
                ++checks;
                return presses >= 3 ? presses : 0;
            };
            qaio::Coro<int> waiting = cond.waitFor(threePresses);
            result = co_await std::move(waiting);
        };
        qaio::Task<void> t = loop.createTask(waiter());
        hl::runBriefly(loop);
        QCOMPARE(checks, 1);
        for (int i = 1; i <= 3; ++i) {
            presses = i;
            loop.runUntilComplete(notifyUnderLock(cond, 1));
            hl::runBriefly(loop);
            QCOMPARE(checks, i + 1);
            QCOMPARE(t.done(), i == 3);
        }
        QCOMPARE(result, 3);
        QVERIFY(!cond.locked());
    }

    void cancelledWaitTakesTheLockAgain()
    {
        // CPython's test_wait_cancel_contested: cancelled while another task holds the
        // lock, wait() still re-acquires before CancelledError leaves it.
        auto &loop = guard->loop();
        qaio::Condition cond;
        std::vector<int> order;
        bool heldAfter = false;
        qaio::Task<void> waiter = loop.createTask(waitRecordingCancel(cond, order, 1, heldAfter));
        hl::runBriefly(loop);
        loop.runUntilComplete(cond.acquire()); // the lock is now contested
        waiter.cancel();
        hl::runBriefly(loop);
        QVERIFY(order.empty()); // still waiting for the lock
        cond.release();
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({-1}));
        QVERIFY(heldAfter);
        QVERIFY(waiter.done() && !waiter.cancelled());
        QVERIFY(!cond.locked());
    }

    void cancelledAgainWhileReacquiringKeepsTheLockConsistent()
    {
        auto &loop = guard->loop();
        qaio::Condition cond;
        std::vector<int> order;
        bool heldAfter = false;
        qaio::Task<void> waiter = loop.createTask(waitRecordingCancel(cond, order, 1, heldAfter));
        hl::runBriefly(loop);
        loop.runUntilComplete(cond.acquire());
        waiter.cancel();
        hl::runBriefly(loop);
        waiter.cancel(); // cancelled again while it re-acquires
        hl::runBriefly(loop);
        QVERIFY(order.empty());
        QVERIFY(cond.locked());
        cond.release();
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({-1}));
        QVERIFY(heldAfter);
        QVERIFY(!cond.locked());
    }

    void notifiedWaiterCancelledPassesTheWakeUpOn()
    {
        // Python 3.13: a waiter notified, then cancelled before it runs, wakes another
        // waiter so the notify() is not lost.
        auto &loop = guard->loop();
        qaio::Condition cond;
        std::vector<int> order;
        bool held1 = false;
        bool held2 = false;
        qaio::Task<void> first = loop.createTask(waitRecordingCancel(cond, order, 1, held1));
        qaio::Task<void> second = loop.createTask(waitRecordingCancel(cond, order, 2, held2));
        hl::runBriefly(loop);
        loop.runUntilComplete(cond.acquire()); // free: taken at once
        cond.notify(1);                        // wakes `first`...
        first.cancel();                        // ...cancelled before it runs
        cond.release();
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({-1, 2}));
        QVERIFY(held1 && held2);
        QVERIFY(!cond.locked());
    }

    void sharesAGivenLock()
    {
        auto &loop = guard->loop();
        qaio::Lock lock;
        qaio::Condition cond(lock);
        loop.runUntilComplete(lock.acquire());
        QVERIFY(cond.locked());
        cond.release();
        QVERIFY(!lock.locked());
        loop.runUntilComplete(cond.acquire());
        QVERIFY(lock.locked());
        lock.release();
    }

    void misuseIsRefused()
    {
        auto &loop = guard->loop();
        qaio::Condition cond;
        QCOMPARE(qaiotest::messageOf<qaio::RuntimeError>([&] { loop.runUntilComplete(cond.wait()); }),
                 QStringLiteral("cannot wait on un-acquired lock"));
        QCOMPARE(qaiotest::messageOf<qaio::RuntimeError>([&] { cond.notify(); }), QStringLiteral("cannot notify on un-acquired lock"));
        QCOMPARE(qaiotest::messageOf<qaio::RuntimeError>([&] { cond.notifyAll(); }), QStringLiteral("cannot notify on un-acquired lock"));
        QCOMPARE(qaiotest::messageOf<qaio::RuntimeError>([&] { cond.release(); }), QStringLiteral("Lock is not acquired."));
    }
};

QTEST_GUILESS_MAIN(tst_Condition)
#include "tst_condition.moc"
