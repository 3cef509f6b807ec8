// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio::Lock against asyncio.Lock's behaviour (CPython test_locks.py LockTests): FIFO
// waiters, cancellation while waiting and after being woken, no barging past a woken
// waiter, the scoped guard, the loop binding.
#include "exceptionchecks.h"
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <qaio/qaio.h>

#include <QtTest/QtTest>

#include <stdexcept>
#include <vector>

namespace {
enum class Then { Keep, Release };

/*! Acquires \a lock, records \a id in \a order, then keeps or releases the lock. */
qaio::Coro<void> takeInTurn(qaio::Lock &lock, std::vector<int> &order, int id, Then then)
{
    co_await lock.acquire();
    order.push_back(id);
    if (then == Then::Release)
        lock.release();
}
} // namespace

class tst_Lock : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void acquireAndRelease()
    {
        auto &loop = guard->loop();
        qaio::Lock lock(QStringLiteral("state"));
        QVERIFY(!lock.locked());
        loop.runUntilComplete(lock.acquire());
        QVERIFY(lock.locked());
        QVERIFY(lock.describe().contains(QStringLiteral("'state' [locked]")));
        lock.release();
        QVERIFY(!lock.locked());
        std::exception_ptr error;
        try {
            lock.release();
        } catch (...) {
            error = std::current_exception();
        }
        QCOMPARE(qaiotest::exceptionMessage<qaio::RuntimeError>(error), QStringLiteral("Lock is not acquired."));
    }

    void waitersAcquireInArrivalOrder()
    {
        auto &loop = guard->loop();
        qaio::Lock lock;
        std::vector<int> order;
        loop.runUntilComplete(lock.acquire());
        qaio::Task<void> t1 = loop.createTask(takeInTurn(lock, order, 1, Then::Keep));
        qaio::Task<void> t2 = loop.createTask(takeInTurn(lock, order, 2, Then::Keep));
        qaio::Task<void> t3 = loop.createTask(takeInTurn(lock, order, 3, Then::Keep));
        hl::runBriefly(loop);
        QVERIFY(order.empty());
        QCOMPARE(lock.waiterCount(), 3);
        lock.release();
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1}));
        QVERIFY(t1.done() && !t2.done() && !t3.done());
        lock.release();
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1, 2}));
        lock.release();
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1, 2, 3}));
        QVERIFY(t3.done() && lock.locked());
        lock.release();
    }

    void cancelledWaiterLeavesTheLine()
    {
        auto &loop = guard->loop();
        qaio::Lock lock;
        std::vector<int> order;
        loop.runUntilComplete(lock.acquire());
        qaio::Task<void> t1 = loop.createTask(takeInTurn(lock, order, 1, Then::Release));
        qaio::Task<void> t2 = loop.createTask(takeInTurn(lock, order, 2, Then::Release));
        qaio::Task<void> t3 = loop.createTask(takeInTurn(lock, order, 3, Then::Release));
        hl::runBriefly(loop);
        t2.cancel();
        hl::runBriefly(loop);
        QVERIFY(t2.cancelled());
        QVERIFY(lock.locked()); // the cancelled waiter took nothing
        lock.release();
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1, 3}));
        QVERIFY(!lock.locked());
        QCOMPARE(lock.waiterCount(), 0);
    }

    void waiterCancelledAfterWakeUpPassesTheLockOn()
    {
        // CPython's test_cancel_race: release() woke the first waiter, which is cancelled
        // before it runs. It must not keep the lock, and the next waiter must get it.
        auto &loop = guard->loop();
        qaio::Lock lock;
        std::vector<int> order;
        loop.runUntilComplete(lock.acquire());
        qaio::Task<void> first = loop.createTask(takeInTurn(lock, order, 1, Then::Keep));
        qaio::Task<void> second = loop.createTask(takeInTurn(lock, order, 2, Then::Keep));
        hl::runBriefly(loop);
        lock.release();  // wakes `first`...
        first.cancel();  // ...which is cancelled before it could run
        hl::runBriefly(loop);
        QVERIFY(first.cancelled());
        QCOMPARE(order, std::vector<int>({2}));
        QVERIFY(lock.locked());
        lock.release();
    }

    void noBargingPastAWokenWaiter()
    {
        // After release() woke a waiter, a newcomer queues behind it (asyncio 3.11+),
        // although the lock looks free until the woken waiter runs.
        auto &loop = guard->loop();
        qaio::Lock lock;
        std::vector<int> order;
        loop.runUntilComplete(lock.acquire());
        qaio::Task<void> waiting = loop.createTask(takeInTurn(lock, order, 1, Then::Keep));
        hl::runBriefly(loop);
        // In one step: release (which wakes `waiting`), then acquire again at once.
        auto releaseAndRetake = [&]() -> qaio::Coro<void> {
            lock.release();
            co_await lock.acquire();
            order.push_back(2);
        };
        qaio::Task<void> retaker = loop.createTask(releaseAndRetake());
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1})); // the woken waiter went first
        QVERIFY(!retaker.done());
        lock.release();
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1, 2}));
        lock.release();
    }

    void scopedGuardReleases()
    {
        auto &loop = guard->loop();
        qaio::Lock lock;
        bool heldInside = false;
        auto failing = [&]() -> qaio::Coro<void> {
            qaio::LockGuard held = co_await lock.scoped();
            heldInside = lock.locked() && held.ownsLock();
            throw std::runtime_error("boom");
        };
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, loop.runUntilComplete(failing()));
        QVERIFY(heldInside);
        QVERIFY(!lock.locked()); // released while the exception left the scope

        auto early = [&]() -> qaio::Coro<bool> {
            qaio::LockGuard held = co_await lock.scoped();
            qaio::LockGuard moved = std::move(held);
            moved.unlock();
            co_return !held.ownsLock() && !moved.ownsLock() && !lock.locked();
        };
        QVERIFY(loop.runUntilComplete(early()));
    }

    void boundToTheLoopThatWaitedFirst()
    {
        auto &loop = guard->loop();
        qaio::Lock lock;
        auto take = [&]() -> qaio::Coro<void> { co_await lock.acquire(); };
        loop.runUntilComplete(lock.acquire()); // free: no loop needed, none bound
        qaio::Task<void> waiting = loop.createTask(take());
        hl::runBriefly(loop); // waits on `loop`: bound to it now
        {
            qaio::EventLoop other;
            std::exception_ptr error;
            try {
                other.runUntilComplete(take());
            } catch (...) {
                error = std::current_exception();
            }
            QVERIFY(qaiotest::exceptionMessage<qaio::RuntimeError>(error).endsWith(
                QStringLiteral("is bound to a different event loop")));
        }
        waiting.cancel();
        hl::runBriefly(loop);
        QVERIFY(waiting.cancelled());
        lock.release();
    }
};

QTEST_GUILESS_MAIN(tst_Lock)
#include "tst_lock.moc"
