// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio::Semaphore and BoundedSemaphore against asyncio's behaviour (CPython test_locks.py
// SemaphoreTests): counting, FIFO without starvation, no slot lost to a cancellation.
#include "exceptionchecks.h"
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <qaio/qaio.h>

#include <QtTest/QtTest>

#include <vector>

namespace {
/*! Takes a slot of \a semaphore and records \a id in \a order (the slot is kept). */
qaio::Coro<void> takeSlot(qaio::Semaphore &semaphore, std::vector<int> &order, int id)
{
    co_await semaphore.acquire();
    order.push_back(id);
}
} // namespace

class tst_Semaphore : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void scopedGuardGivesTheSlotBack()
    {
        auto &loop = guard->loop();
        qaio::BoundedSemaphore pool(2, QStringLiteral("pool"));
        auto useSlot = [&]() -> qaio::Coro<qsizetype> {
            qaio::LockGuard slot = co_await pool.scoped();
            co_return pool.value();
        };
        QCOMPARE(loop.runUntilComplete(useSlot()), 1);
        QCOMPARE(pool.value(), 2); // given back when the guard went

        // A guard cannot throw from its destructor: a failing release is logged instead.
        auto releaseTwice = [&]() -> qaio::Coro<void> {
            qaio::LockGuard slot = co_await pool.scoped();
            pool.release(); // the slot is back already: the guard's release is one too many
        };
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("LockGuard: releasing <BoundedSemaphore 'pool' .* failed: "
                                                               "qaio::ValueError: BoundedSemaphore released too many times")));
        loop.runUntilComplete(releaseTwice());
        QCOMPARE(pool.value(), 2);
    }

    void countsSlots()
    {
        auto &loop = guard->loop();
        qaio::Semaphore pool(3, QStringLiteral("pool"));
        QVERIFY(!pool.locked());
        for (int i = 0; i < 3; ++i)
            loop.runUntilComplete(pool.acquire());
        QCOMPARE(pool.value(), 0);
        QVERIFY(pool.locked());
        QVERIFY(pool.describe().contains(QStringLiteral("'pool' [locked, value:0]")));
        pool.release();
        QCOMPARE(pool.value(), 1);
        QVERIFY(!pool.locked());
        pool.release(); // a plain Semaphore may exceed its initial value
        pool.release();
        pool.release();
        QCOMPARE(pool.value(), 4);
    }

    void badValuesAreRefused()
    {
        QCOMPARE(qaiotest::messageOf<qaio::ValueError>([] { qaio::Semaphore s(-1); }), QStringLiteral("Semaphore initial value must be >= 0"));
        QCOMPARE(qaiotest::messageOf<qaio::ValueError>([] { qaio::BoundedSemaphore s(-1); }),
                 QStringLiteral("Semaphore initial value must be >= 0"));
        qaio::Semaphore none(0);
        QVERIFY(none.locked());
        auto &loop = guard->loop();
        qaio::BoundedSemaphore bounded(2);
        loop.runUntilComplete(bounded.acquire());
        bounded.release();
        QCOMPARE(qaiotest::messageOf<qaio::ValueError>([&] { bounded.release(); }), QStringLiteral("BoundedSemaphore released too many times"));
        QCOMPARE(bounded.value(), 2);
    }

    void waitersInOrderAndNoStarvation()
    {
        // A slot freed for the first waiter is reserved for it: a newcomer's fast path
        // does not take it, and waits behind.
        auto &loop = guard->loop();
        qaio::Semaphore slot(1);
        std::vector<int> order;
        loop.runUntilComplete(slot.acquire());
        qaio::Task<void> t1 = loop.createTask(takeSlot(slot, order, 1));
        qaio::Task<void> t2 = loop.createTask(takeSlot(slot, order, 2));
        hl::runBriefly(loop);
        QCOMPARE(slot.waiterCount(), 2);
        slot.release();
        QVERIFY(slot.locked()); // reserved for t1, who has not run yet
        qaio::Task<void> newcomer = loop.createTask(takeSlot(slot, order, 3));
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1}));
        slot.release();
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1, 2}));
        slot.release();
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1, 2, 3}));
        QVERIFY(newcomer.done());
        QCOMPARE(slot.value(), 0);
    }

    void waiterCancelledAfterWakeUpGivesItsSlotOn()
    {
        auto &loop = guard->loop();
        qaio::Semaphore slot(1);
        std::vector<int> order;
        loop.runUntilComplete(slot.acquire());
        qaio::Task<void> first = loop.createTask(takeSlot(slot, order, 1));
        qaio::Task<void> second = loop.createTask(takeSlot(slot, order, 2));
        hl::runBriefly(loop);
        slot.release(); // wakes `first`...
        first.cancel(); // ...which is cancelled before it runs
        hl::runBriefly(loop);
        QVERIFY(first.cancelled());
        QCOMPARE(order, std::vector<int>({2}));
        QCOMPARE(slot.value(), 0);
        slot.release();
        QCOMPARE(slot.value(), 1);
    }

    void releasedWhileWaitersAreCancelled()
    {
        auto &loop = guard->loop();
        qaio::Semaphore slot(0);
        std::vector<int> order;
        qaio::Task<void> t1 = loop.createTask(takeSlot(slot, order, 1));
        qaio::Task<void> t2 = loop.createTask(takeSlot(slot, order, 2));
        qaio::Task<void> t3 = loop.createTask(takeSlot(slot, order, 3));
        hl::runBriefly(loop);
        t1.cancel();
        t2.cancel();
        slot.release();
        hl::runBriefly(loop);
        QVERIFY(t1.cancelled() && t2.cancelled());
        QCOMPARE(order, std::vector<int>({3}));
        QCOMPARE(slot.value(), 0);
        QCOMPARE(slot.waiterCount(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_Semaphore)
#include "tst_semaphore.moc"
