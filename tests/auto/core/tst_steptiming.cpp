// Copyright (c) qaio authors. Licensed under the MIT license.
// TaskInfo::runTime and steps: a step is timed with one clock read when the previous
// handle was another task step (the loop chains the timestamps). Whatever path a step
// takes (first step, chained after another task, after a plain callback, eager start,
// completion), its own running time must be counted. Only lower bounds are asserted:
// a busy step guarantees them on any machine, however loaded.
#include "looptestcase.h"

#include <QtTest/QtTest>

using namespace std::chrono_literals;

namespace {

constexpr qaio::Duration kSpin = 2ms;

// Runs until the steady clock has advanced by \a d: a step that certainly takes that long.
void spin(qaio::Duration d)
{
    const qaio::TimePoint end = qaio::steadyNow() + d;
    while (qaio::steadyNow() < end) {
    }
}

// Busy in every one of its \a steps steps (it yields between them).
qaio::Coro<void> busySteps(int steps)
{
    for (int i = 0; i < steps; ++i) {
        spin(kSpin);
        if (i + 1 < steps)
            co_await qaio::sleep(0);
    }
}

qaio::Coro<void> idleSteps(int steps)
{
    for (int i = 1; i < steps; ++i)
        co_await qaio::sleep(0);
}

} // namespace

class tst_StepTiming : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void runTimeCoversEveryStep()
    {
        auto &loop = guard->loop();
        qaio::Task<void> t = loop.createTask(busySteps(3));
        QCOMPARE(t.info().runTime, qaio::Duration::zero());
        loop.runUntilComplete(qaio::Future<void>(t));
        const qaio::TaskInfo info = t.info();
        QCOMPARE(info.steps, std::uint64_t(3));
        QVERIFY2(info.runTime >= 3 * kSpin, qPrintable(QString::number(info.runTime.count())));
    }

    void interleavedTasksEachCountTheirOwnSteps()
    {
        // Steps of a and b alternate in the same ticks: each step's start is the previous
        // step's end, which belongs to the other task.
        auto &loop = guard->loop();
        qaio::Task<void> a = loop.createTask(busySteps(4));
        qaio::Task<void> b = loop.createTask(idleSteps(4));
        qaio::Task<void> c = loop.createTask(busySteps(2));
        loop.runUntilComplete(qaio::Future<void>(a));
        loop.runUntilComplete(qaio::Future<void>(c));
        loop.runUntilComplete(qaio::Future<void>(b));
        QCOMPARE(a.info().steps, std::uint64_t(4));
        QCOMPARE(b.info().steps, std::uint64_t(4));
        QCOMPARE(c.info().steps, std::uint64_t(2));
        QVERIFY(a.info().runTime >= 4 * kSpin);
        QVERIFY(c.info().runTime >= 2 * kSpin);
    }

    void stepAfterPlainCallbackCountsItself()
    {
        auto &loop = guard->loop();
        qaio::Task<void> t = loop.createTask(busySteps(2));
        loop.callSoon([] { spin(kSpin); }); // runs between t's first and second step
        loop.runUntilComplete(qaio::Future<void>(t));
        QCOMPARE(t.info().steps, std::uint64_t(2));
        QVERIFY(t.info().runTime >= 2 * kSpin);
    }

    void eagerStepInsideCallbackCountsItself()
    {
        auto &loop = guard->loop();
        loop.setTaskFactory([](qaio::EventLoop &, qaio::TaskBase &task) { task.startEagerly(); });
        qaio::Task<void> t;
        loop.callSoon([&] {
            t = loop.createTask(busySteps(1)); // runs its whole body before createTask returns
            QVERIFY(t.done());
        });
        loop.runOnce();
        loop.setTaskFactory({});
        QVERIFY(t.done());
        QCOMPARE(t.info().steps, std::uint64_t(1));
        QVERIFY(t.info().runTime >= kSpin);
    }

    void childStartedFromAStepCountsItself()
    {
        // An eager child runs nested inside its parent's step: both count the child's time.
        auto &loop = guard->loop();
        auto parent = [](qaio::Task<void> *child) -> qaio::Coro<void> {
            *child = qaio::createTask(busySteps(1));
            co_await *child;
        };
        qaio::Task<void> child;
        qaio::Task<void> p = loop.createTask(parent(&child)); // scheduled normally
        // From here on, tasks start eagerly: the child runs inside p's first step.
        loop.setTaskFactory([](qaio::EventLoop &, qaio::TaskBase &task) { task.startEagerly(); });
        loop.runUntilComplete(qaio::Future<void>(p));
        loop.setTaskFactory({});
        QVERIFY(child.done());
        QVERIFY(child.info().runTime >= kSpin);
        QVERIFY(p.info().runTime >= kSpin);
    }
};

QTEST_GUILESS_MAIN(tst_StepTiming)
#include "tst_steptiming.moc"
