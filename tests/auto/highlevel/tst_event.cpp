// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio::Event against asyncio.Event's behaviour (CPython test_locks.py EventTests).
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <qaio/qaio.h>

#include <QtTest/QtTest>

#include <vector>

class tst_Event : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void setWakesEveryWaiterInOrder()
    {
        auto &loop = guard->loop();
        qaio::Event event(QStringLiteral("ready"));
        QVERIFY(!event.isSet());
        std::vector<int> order;
        auto waitFor = [&](int id) -> qaio::Coro<void> {
            co_await event.wait();
            order.push_back(id);
        };
        qaio::Task<void> t1 = loop.createTask(waitFor(1));
        qaio::Task<void> t2 = loop.createTask(waitFor(2));
        qaio::Task<void> t3 = loop.createTask(waitFor(3));
        hl::runBriefly(loop);
        QVERIFY(order.empty());
        QCOMPARE(event.waiterCount(), 3);
        QVERIFY(event.describe().contains(QStringLiteral("'ready' [unset, waiters:3]")));
        event.set();
        QVERIFY(event.isSet());
        hl::runBriefly(loop);
        QCOMPARE(order, std::vector<int>({1, 2, 3}));
        QVERIFY(t1.done() && t2.done() && t3.done());
        QCOMPARE(event.waiterCount(), 0);
    }

    void waitOnASetEventReturnsAtOnce()
    {
        auto &loop = guard->loop();
        qaio::Event event;
        event.set();
        event.set(); // idempotent
        loop.runUntilComplete(event.wait());
        QVERIFY(event.isSet());
    }

    void clearMakesLaterWaitsSuspend()
    {
        auto &loop = guard->loop();
        qaio::Event event;
        event.set();
        event.clear();
        QVERIFY(!event.isSet());
        qaio::Task<void> waiter = loop.createTask(event.wait());
        hl::runBriefly(loop);
        QVERIFY(!waiter.done());
        event.set();
        hl::runBriefly(loop);
        QVERIFY(waiter.done() && !waiter.cancelled());
    }

    void clearAfterSetStillWakesThoseAlreadyWoken()
    {
        // CPython's test_clear_with_waiters: set() then clear() before the waiters ran;
        // they were woken by set() and return.
        auto &loop = guard->loop();
        qaio::Event event;
        qaio::Task<void> waiter = loop.createTask(event.wait());
        hl::runBriefly(loop);
        event.set();
        event.clear();
        hl::runBriefly(loop);
        QVERIFY(waiter.done() && !waiter.cancelled());
        QVERIFY(!event.isSet());
    }

    void cancelledWaitLeaves()
    {
        auto &loop = guard->loop();
        qaio::Event event;
        qaio::Task<void> waiter = loop.createTask(event.wait());
        hl::runBriefly(loop);
        QCOMPARE(event.waiterCount(), 1);
        waiter.cancel();
        hl::runBriefly(loop);
        QVERIFY(waiter.cancelled());
        QCOMPARE(event.waiterCount(), 0);
        event.set(); // nobody left to wake
        QVERIFY(event.isSet());
    }
};

QTEST_GUILESS_MAIN(tst_Event)
#include "tst_event.moc"
