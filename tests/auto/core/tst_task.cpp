// Copyright (c) qaio authors. Licensed under the MIT license.
// Task<T> and Coro<T>: cancellation (asyncio's must_cancel / fut_waiter / cancelling /
// uncancel), introspection, task factories, error reports, awaiting rules
// (asyncio test_tasks cases).
#include "looptestcase.h"

#include <QtTest/QtTest>

#include <coroutine>
#include <memory>

using namespace std::chrono_literals;

namespace {

// A minimal eager coroutine type that is not a qaio task: awaiting qaio objects from it
// is "outside any task".
struct Detached
{
    struct promise_type
    {
        Detached get_return_object() noexcept { return {}; }
        std::suspend_never initial_suspend() const noexcept { return {}; }
        std::suspend_never final_suspend() const noexcept { return {}; }
        void return_void() const noexcept {}
        void unhandled_exception() const noexcept { std::terminate(); }
    };
};

qaio::Coro<int> awaitValue(qaio::Future<int> f)
{
    const int v = co_await f;
    co_return v;
}

qaio::Coro<void> awaitForever(qaio::Future<int> f)
{
    (void)co_await f;
}

qaio::Coro<int> sleepThenReturn(qaio::Duration d, int value)
{
    co_await qaio::sleep(d);
    co_return value;
}

qaio::Coro<QString> catchCancel(qaio::Future<int> f, int *afterCatchCancelling = nullptr)
{
    try {
        (void)co_await f;
    } catch (const qaio::CancelledError &e) {
        if (afterCatchCancelling)
            *afterCatchCancelling = qaio::currentTask().cancelling();
        co_return QStringLiteral("caught:") + e.message();
    }
    co_return QStringLiteral("not cancelled");
}

qaio::Coro<void> setFlag(bool *flag)
{
    *flag = true;
    co_return;
}

qaio::Coro<int> throwAfterYield(const char *message)
{
    co_await qaio::sleep(0);
    throw std::runtime_error(message);
}

// Nested chains: level3 -> level2 -> level1, values and exceptions flow back up.
qaio::Coro<int> level3(int x, bool fail)
{
    co_await qaio::sleep(0);
    if (fail)
        throw std::out_of_range("level3 failed");
    co_return x * 2;
}

qaio::Coro<int> level2(int x, bool fail)
{
    const int v = co_await level3(x + 1, fail);
    co_return v + 10;
}

qaio::Coro<int> level1(int x, bool fail)
{
    const int v = co_await level2(x, fail);
    co_await qaio::sleep(1ms);
    co_return v + 100;
}

qaio::Coro<QString> level1Catching()
{
    try {
        (void)co_await level2(1, true);
    } catch (const std::out_of_range &e) {
        co_return QString::fromUtf8(e.what());
    }
    co_return QString();
}

qaio::Coro<int> deepChain(int depth)
{
    if (depth == 0) {
        co_await qaio::sleep(0);
        co_return 0;
    }
    const int below = co_await deepChain(depth - 1);
    co_return below + 1;
}

qaio::Coro<std::unique_ptr<int>> makeUnique(int v)
{
    co_await qaio::sleep(0);
    auto p = std::make_unique<int>(v);
    co_return std::move(p);
}

qaio::Coro<int> consumeUnique(qaio::Task<std::unique_ptr<int>> t)
{
    std::unique_ptr<int> p = co_await t;
    co_return p ? *p : -1;
}

} // namespace

class tst_Task : public LoopTestCase
{
    Q_OBJECT
public:
    tst_Task() : LoopTestCase(Clock::Virtual) {}

private Q_SLOTS:
    void taskRunsAndReturns()
    {
        auto &loop = guard->loop();
        qaio::Task<int> t = loop.createTask(sleepThenReturn(5s, 3));
        QVERIFY(t.isTask());
        QVERIFY(!t.done());
        QCOMPARE(loop.pendingTaskCount(), std::size_t(1));
        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(t)), 3);
        QVERIFY(t.done());
        QCOMPARE(t.result(), 3);
        QCOMPARE(loop.pendingTaskCount(), std::size_t(0));
    }

    void selfCancelRaisesAtNextAwait()
    {
        auto &loop = guard->loop();
        auto body = []() -> qaio::Coro<QString> {
            QStringList trace;
            const bool requested = qaio::currentTask().cancel(QStringLiteral("self"));
            trace << (requested ? "requested" : "refused");
            trace << "still running"; // cancel() itself does not throw
            try {
                co_await qaio::sleep(0);
                trace << "not cancelled";
            } catch (const qaio::CancelledError &e) {
                trace << QStringLiteral("cancelled:") + e.message();
            }
            co_await qaio::sleep(0); // the request was consumed: this await is normal
            trace << "resumed";
            co_return trace.join(QLatin1Char(','));
        };
        QCOMPARE(loop.runUntilComplete(body()), QStringLiteral("requested,still running,cancelled:self,resumed"));

        // Not caught: the task ends cancelled.
        auto uncaught = []() -> qaio::Coro<int> {
            qaio::currentTask().cancel(QStringLiteral("bye"));
            co_await qaio::sleep(0);
            co_return 1;
        };
        qaio::Task<int> t = loop.createTask(uncaught());
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<int>(t)));
        QVERIFY(t.cancelled());
    }

    void catchCancelAndReturnFinishesNormally()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        int cancellingInCatch = -1;
        qaio::Task<QString> t = loop.createTask(catchCancel(f, &cancellingInCatch));
        loop.runOnce();
        QVERIFY(t.cancel(QStringLiteral("please stop")));
        QCOMPARE(loop.runUntilComplete(qaio::Future<QString>(t)), QStringLiteral("caught:please stop"));
        QVERIFY(t.done());
        QVERIFY(!t.cancelled());
        QCOMPARE(t.result(), QStringLiteral("caught:please stop"));
        QCOMPARE(cancellingInCatch, 1);
        QCOMPARE(t.cancelling(), 1); // asyncio: the count stays until uncancel()
        QVERIFY(!t.cancel());        // done: refused
    }

    void cancelWhileAwaitingFutureCancelsIt()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        qaio::Task<int> t = loop.createTask(awaitValue(f));
        loop.runOnce();
        QCOMPARE(t.info().state, qaio::TaskInfo::State::Waiting);
        QVERIFY(t.cancel(QStringLiteral("why")));
        // The awaited future is cancelled at once, with the same message.
        QVERIFY(f.cancelled());
        QString futureMessage;
        try {
            (void)f.result();
        } catch (const qaio::CancelledError &e) {
            futureMessage = e.message();
        }
        QCOMPARE(futureMessage, QStringLiteral("why"));
        QVERIFY(!t.done()); // the task itself ends at its next step
        loop.runOnce();
        QVERIFY(t.cancelled());
        QString taskMessage;
        try {
            (void)t.result();
        } catch (const qaio::CancelledError &e) {
            taskMessage = e.message();
        }
        QCOMPARE(taskMessage, QStringLiteral("why"));
    }

    void cancelWhileAwaitingTaskCancelsInner()
    {
        auto &loop = guard->loop();
        qaio::Task<int> inner = loop.createTask(sleepThenReturn(std::chrono::hours(1), 1), QStringLiteral("inner"));
        auto outerBody = [](qaio::Task<int> awaited) -> qaio::Coro<int> {
            const int v = co_await awaited;
            co_return v;
        };
        qaio::Task<int> outer = loop.createTask(outerBody(inner), QStringLiteral("outer"));
        loop.runOnce();
        QCOMPARE(outer.info().state, qaio::TaskInfo::State::Waiting);
        QVERIFY2(outer.info().awaiting.contains(QStringLiteral("inner")), qPrintable(outer.info().awaiting));
        QVERIFY(outer.cancel(QStringLiteral("from outside")));
        QCOMPARE(inner.cancelling(), 1); // the request went to the inner task
        QCOMPARE(outer.cancelling(), 1);
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<int>(outer)));
        QVERIFY(inner.cancelled());
        QVERIFY(outer.cancelled());
        QString message;
        try {
            (void)inner.result();
        } catch (const qaio::CancelledError &e) {
            message = e.message();
        }
        QCOMPARE(message, QStringLiteral("from outside"));
        QCOMPARE(loop.timerHeapSize(), std::size_t(0)); // the sleep's timer went with it
    }

    void cancelAfterAwaitedFutureCompletedStillCancels()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        qaio::Task<QString> t = loop.createTask(catchCancel(f));
        loop.runOnce();
        f.setResult(1); // the task's wake-up is now scheduled...
        QVERIFY(t.cancel(QStringLiteral("raced"))); // ...but the request comes first (asyncio)
        QVERIFY(!f.cancelled());
        QCOMPARE(loop.runUntilComplete(qaio::Future<QString>(t)), QStringLiteral("caught:raced"));
        QCOMPARE(f.result(), 1);
    }

    void awaitingFailedTaskPropagatesItsException()
    {
        auto &loop = guard->loop();
        auto body = []() -> qaio::Coro<QString> {
            qaio::Task<int> inner = qaio::createTask(throwAfterYield("inner failure"));
            try {
                (void)co_await inner;
            } catch (const std::runtime_error &e) {
                co_return QString::fromUtf8(e.what());
            }
            co_return QString();
        };
        QCOMPARE(loop.runUntilComplete(body()), QStringLiteral("inner failure"));
        QVERIFY(guard->handlerCalls().empty()); // retrieved by co_await: not reported
    }

    void cancelBeforeFirstStepBodyNeverRuns()
    {
        auto &loop = guard->loop();
        bool ran = false;
        qaio::Task<void> t = loop.createTask(setFlag(&ran));
        QVERIFY(t.cancel(QStringLiteral("too early")));
        QVERIFY(!t.done());
        QCOMPARE(t.cancelling(), 1);
        loop.runOnce();
        QVERIFY(t.done());
        QVERIFY(t.cancelled());
        QVERIFY(!ran);
        QString message;
        try {
            t.result();
        } catch (const qaio::CancelledError &e) {
            message = e.message();
        }
        QCOMPARE(message, QStringLiteral("too early"));
        QCOMPARE(loop.pendingTaskCount(), std::size_t(0));
    }

    void cancellingCountsAndUncancel()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        auto body = [](qaio::Future<int> awaited) -> qaio::Coro<QString> {
            QStringList trace;
            try {
                (void)co_await awaited;
            } catch (const qaio::CancelledError &) {
                trace << QString::number(qaio::currentTask().cancelling());
                trace << QString::number(qaio::currentTask().uncancel());
                trace << QString::number(qaio::currentTask().uncancel());
                trace << QString::number(qaio::currentTask().uncancel()); // stays at 0
            }
            co_await qaio::sleep(0); // no request left: not cancelled again
            trace << "done";
            co_return trace.join(QLatin1Char(','));
        };
        qaio::Task<QString> t = loop.createTask(body(f));
        loop.runOnce();
        QCOMPARE(t.cancelling(), 0);
        QVERIFY(t.cancel());
        QVERIFY(t.cancel());
        QVERIFY(t.cancel());
        QCOMPARE(t.cancelling(), 3);
        QCOMPARE(t.info().cancelling, 3);
        QCOMPARE(t.uncancel(), 2);
        QCOMPARE(loop.runUntilComplete(qaio::Future<QString>(t)), QStringLiteral("2,1,0,0,done"));
        QVERIFY(!t.cancelled());
        QCOMPARE(t.cancelling(), 0);
    }

    void uncancelToZeroWithdrawsPendingRequest()
    {
        auto &loop = guard->loop();
        auto body = []() -> qaio::Coro<int> {
            co_await qaio::sleep(0); // scheduled, not waiting on a future: cancel sets must_cancel
            co_await qaio::sleep(0);
            co_return 8;
        };
        qaio::Task<int> t = loop.createTask(body());
        loop.runOnce();
        QCOMPARE(t.info().state, qaio::TaskInfo::State::Scheduled);
        QVERIFY(t.cancel());
        QCOMPARE(t.cancelling(), 1);
        QCOMPARE(t.uncancel(), 0);
        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(t)), 8);
        QVERIFY(!t.cancelled());
    }

    void cancelledRightBeforeReturnEndsCancelled()
    {
        auto &loop = guard->loop();
        auto body = []() -> qaio::Coro<int> {
            co_await qaio::sleep(0);
            qaio::currentTask().cancel(QStringLiteral("last moment"));
            co_return 1;
        };
        qaio::Task<int> t = loop.createTask(body());
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<int>(t)));
        QVERIFY(t.cancelled());
        QString message;
        try {
            (void)t.result();
        } catch (const qaio::CancelledError &e) {
            message = e.message();
        }
        QCOMPARE(message, QStringLiteral("last moment"));
    }

    void taskRaisingCancelledErrorEndsCancelled()
    {
        auto &loop = guard->loop();
        auto body = []() -> qaio::Coro<int> {
            co_await qaio::sleep(0);
            throw qaio::CancelledError(QStringLiteral("own"));
        };
        qaio::Task<int> t = loop.createTask(body());
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<int>(t)));
        QVERIFY(t.cancelled());
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, (void)t.exception());
    }

    void currentTaskInsideAndOutside()
    {
        auto &loop = guard->loop();
        QVERIFY(!qaio::currentTask().isValid());
        qaio::detail::FutureStateBase *inBody = nullptr;
        qaio::detail::FutureStateBase *inNested = nullptr;
        bool validInCallback = true;
        auto nested = [](qaio::detail::FutureStateBase **out) -> qaio::Coro<void> {
            co_await qaio::sleep(0);
            *out = qaio::currentTask().state();
        };
        auto body = [nested](qaio::detail::FutureStateBase **a, qaio::detail::FutureStateBase **b) -> qaio::Coro<void> {
            *a = qaio::currentTask().state();
            co_await nested(b); // a Coro runs inside the awaiting task
        };
        loop.callSoon([&] { validInCallback = qaio::currentTask().isValid(); });
        qaio::Task<void> t = loop.createTask(body(&inBody, &inNested));
        loop.runUntilComplete(qaio::Future<void>(t));
        QCOMPARE(inBody, t.state());
        QCOMPARE(inNested, t.state());
        QVERIFY(!validInCallback);
        QVERIFY(!qaio::currentTask().isValid());
    }

    void allTasksListsPendingOnly()
    {
        auto &loop = guard->loop();
        QVERIFY(loop.allTasks().empty());
        qaio::Future<int> f = loop.createFuture<int>();
        qaio::Task<int> waiting = loop.createTask(awaitValue(f));
        qaio::Task<int> quick = loop.createTask(sleepThenReturn(0s, 1));
        qaio::Task<void> waiting2 = loop.createTask(awaitForever(f));
        std::vector<qaio::TaskBase> all = loop.allTasks();
        QCOMPARE(all.size(), std::size_t(3));
        QCOMPARE(all[0].state(), waiting.state()); // oldest first
        QCOMPARE(all[1].state(), quick.state());
        QCOMPARE(all[2].state(), waiting2.state());
        all.clear();

        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(quick)), 1);
        all = loop.allTasks();
        QCOMPARE(all.size(), std::size_t(2));
        QCOMPARE(all[0].state(), waiting.state());
        QCOMPARE(all[1].state(), waiting2.state());
        QCOMPARE(loop.taskInfos().size(), std::size_t(2));
        all.clear();

        f.setResult(4);
        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(waiting)), 4);
        loop.runUntilComplete(qaio::Future<void>(waiting2));
        QVERIFY(loop.allTasks().empty());
        QVERIFY(loop.taskInfos().empty());
    }

    void taskNames()
    {
        auto &loop = guard->loop();
        qaio::Task<int> a = loop.createTask(sleepThenReturn(0s, 1));
        qaio::Task<int> b = loop.createTask(sleepThenReturn(0s, 2));
        qaio::Task<int> named = loop.createTask(sleepThenReturn(0s, 3), QStringLiteral("fetcher"));
        QVERIFY(b.id() > a.id());
        QVERIFY(named.id() > b.id());
        QCOMPARE(a.name(), QStringLiteral("Task-%1").arg(a.id()));
        QCOMPARE(b.name(), QStringLiteral("Task-%1").arg(b.id()));
        QCOMPARE(named.name(), QStringLiteral("fetcher"));
        QCOMPARE(named.info().name, QStringLiteral("fetcher"));
        a.setName(QStringLiteral("renamed"));
        QCOMPARE(a.name(), QStringLiteral("renamed"));
        QCOMPARE(a.info().name, QStringLiteral("renamed"));
        QVERIFY2(a.describe().contains(QStringLiteral("renamed")), qPrintable(a.describe()));
        a.setName(QString());
        QCOMPARE(a.name(), QStringLiteral("Task-%1").arg(a.id())); // back to the default

        // The name can be changed from inside, through currentTask().
        auto selfNaming = []() -> qaio::Coro<QString> {
            qaio::currentTask().setName(QStringLiteral("self-named"));
            co_return qaio::currentTask().name();
        };
        QCOMPARE(loop.runUntilComplete(selfNaming()), QStringLiteral("self-named"));
        loop.runUntilComplete(qaio::Future<int>(named));
        QVERIFY(a.done() && b.done());
    }

    void taskInfosStates()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        const int futureLine = __LINE__ - 1;
        auto body = [](qaio::Future<int> awaited, qaio::TaskInfo *seenRunning) -> qaio::Coro<int> {
            for (const qaio::TaskInfo &info : qaio::getRunningLoop().taskInfos())
                if (info.id == qaio::currentTask().id())
                    *seenRunning = info;
            co_await qaio::sleep(0);
            co_await qaio::sleep(0);
            const int v = co_await awaited;
            co_return v;
        };
        qaio::TaskInfo running;
        const int createLine = __LINE__ + 1;
        qaio::Task<int> t = loop.createTask(body(f, &running), QStringLiteral("observed"));

        qaio::TaskInfo info = t.info();
        QCOMPARE(info.state, qaio::TaskInfo::State::Scheduled);
        QCOMPARE(info.id, t.id());
        QCOMPARE(info.name, QStringLiteral("observed"));
        QCOMPARE(info.parentId, std::uint64_t(0));
        QCOMPARE(info.steps, std::uint64_t(0));
        QVERIFY(info.awaiting.isEmpty());
        QCOMPARE(int(info.createdAt.line()), createLine);
        QVERIFY(QString::fromUtf8(info.createdAt.file_name()).endsWith(QStringLiteral("tst_task.cpp")));
        QCOMPARE(int(t.createdAt().line()), createLine);

        loop.runOnce();
        QCOMPARE(running.id, t.id());
        QCOMPARE(running.state, qaio::TaskInfo::State::Running);
        QCOMPARE(running.steps, std::uint64_t(1));
        QCOMPARE(t.info().state, qaio::TaskInfo::State::Scheduled); // yielded by sleep(0)
        loop.runOnce();
        loop.runOnce();
        info = t.info();
        QCOMPARE(info.state, qaio::TaskInfo::State::Waiting);
        QCOMPARE(info.steps, std::uint64_t(3));
        QVERIFY2(info.awaiting.contains(QStringLiteral("Future")), qPrintable(info.awaiting));
        QVERIFY2(info.awaiting.contains(QStringLiteral("pending")), qPrintable(info.awaiting));
        QVERIFY2(info.awaiting.contains(QStringLiteral("tst_task.cpp:%1").arg(futureLine)), qPrintable(info.awaiting));

        std::vector<qaio::TaskInfo> infos = loop.taskInfos();
        QCOMPARE(infos.size(), std::size_t(1));
        QCOMPARE(infos[0].id, t.id());
        QCOMPARE(infos[0].state, qaio::TaskInfo::State::Waiting);

        f.setResult(6);
        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(t)), 6);
        QCOMPARE(t.info().state, qaio::TaskInfo::State::Finished);
        QCOMPARE(t.info().steps, std::uint64_t(4));
        QCOMPARE(qaio::TaskInfo::stateName(qaio::TaskInfo::State::Waiting), QStringLiteral("waiting"));
    }

    void taskInfoAwaitingSleepAndFinalStates()
    {
        auto &loop = guard->loop();
        qaio::Task<int> sleeper = loop.createTask(sleepThenReturn(10s, 1));
        loop.runOnce();
        QCOMPARE(sleeper.info().state, qaio::TaskInfo::State::Waiting);
        QVERIFY2(sleeper.info().awaiting.contains(QStringLiteral("sleep")), qPrintable(sleeper.info().awaiting));
        sleeper.cancel();
        loop.runOnce();
        QCOMPARE(sleeper.info().state, qaio::TaskInfo::State::Cancelled);

        qaio::Task<int> failing = loop.createTask(throwAfterYield("failed"));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, loop.runUntilComplete(qaio::Future<int>(failing)));
        QCOMPARE(failing.info().state, qaio::TaskInfo::State::Failed);
    }

    void parentIdOfChildTask()
    {
        auto &loop = guard->loop();
        auto parentBody = []() -> qaio::Coro<std::uint64_t> {
            qaio::Task<int> child = qaio::createTask(sleepThenReturn(0s, 1), QStringLiteral("child"));
            const std::uint64_t parentOfChild = child.info().parentId;
            (void)co_await child;
            co_return parentOfChild;
        };
        qaio::Task<std::uint64_t> parent = loop.createTask(parentBody(), QStringLiteral("parent"));
        QCOMPARE(parent.info().parentId, std::uint64_t(0));
        QCOMPARE(loop.runUntilComplete(qaio::Future<std::uint64_t>(parent)), parent.id());
    }

    void taskFactory()
    {
        auto &loop = guard->loop();
        QVERIFY(!loop.getTaskFactory());
        int factoryCalls = 0;
        loop.setTaskFactory([&](qaio::EventLoop &l, qaio::TaskBase &task) {
            QCOMPARE(&l, &loop);
            QVERIFY(!task.isStarted());
            ++factoryCalls;
            task.setName(QStringLiteral("made-%1").arg(factoryCalls));
            if (factoryCalls % 2 == 0)
                task.startEagerly();
        });
        QVERIFY(bool(loop.getTaskFactory()));

        bool lazyRan = false;
        qaio::Task<void> lazy = loop.createTask(setFlag(&lazyRan));
        QCOMPARE(factoryCalls, 1);
        QCOMPARE(lazy.name(), QStringLiteral("made-1"));
        QVERIFY(!lazyRan); // scheduled normally: runs in the next tick
        QCOMPARE(lazy.info().state, qaio::TaskInfo::State::Scheduled);

        bool eagerRan = false;
        qaio::Task<void> eager = loop.createTask(setFlag(&eagerRan));
        QCOMPARE(factoryCalls, 2);
        QCOMPARE(eager.name(), QStringLiteral("made-2"));
        QVERIFY(eagerRan);    // the first step ran inside createTask()
        QVERIFY(eager.done()); // and it finished there
        QVERIFY(!lazyRan);

        qaio::Future<int> f = loop.createFuture<int>();
        qaio::Task<int> third = loop.createTask(awaitValue(f), QStringLiteral("given"));
        QCOMPARE(factoryCalls, 3);
        QCOMPARE(third.name(), QStringLiteral("made-3")); // the factory may rename
        qaio::Task<int> eagerWaiting = loop.createTask(awaitValue(f));
        QCOMPARE(factoryCalls, 4);
        QCOMPARE(eagerWaiting.info().state, qaio::TaskInfo::State::Waiting);
        QCOMPARE(eagerWaiting.info().steps, std::uint64_t(1));

        loop.setTaskFactory(nullptr);
        qaio::Task<int> plain = loop.createTask(sleepThenReturn(0s, 2));
        QCOMPARE(factoryCalls, 4);
        QCOMPARE(plain.name(), QStringLiteral("Task-%1").arg(plain.id()));

        loop.runOnce();
        QVERIFY(lazyRan);
        f.setResult(9);
        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(third)), 9);
        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(eagerWaiting)), 9);
        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(plain)), 2);
        QVERIFY(lazy.done());
    }

    void taskExceptionNeverRetrievedReported()
    {
        auto &loop = guard->loop();
        guard->expectException(QStringLiteral("Task exception was never retrieved"));
        (void)loop.createTask(throwAfterYield("lost in a task"), QStringLiteral("fire-and-forget"));
        // The loop keeps the unreferenced task alive until it ends.
        QCOMPARE(loop.pendingTaskCount(), std::size_t(1));
        loop.runOnce();
        QCOMPARE(guard->handlerCalls().size(), std::size_t(0));
        loop.runOnce();
        QCOMPARE(loop.pendingTaskCount(), std::size_t(0));
        QCOMPARE(guard->handlerCalls().size(), std::size_t(1));
        const qaio::ExceptionContext &context = guard->handlerCalls()[0];
        QCOMPARE(context.message, QStringLiteral("Task exception was never retrieved"));
        QVERIFY(qaio::describeException(context.exception).contains(QStringLiteral("lost in a task")));
        QVERIFY2(context.objectDescription.contains(QStringLiteral("fire-and-forget")),
                 qPrintable(context.objectDescription));

        // Awaited by another task: retrieved, not reported.
        auto awaiter = []() -> qaio::Coro<bool> {
            qaio::Task<int> inner = qaio::createTask(throwAfterYield("seen"));
            try {
                (void)co_await inner;
            } catch (const std::runtime_error &) {
                co_return true;
            }
            co_return false;
        };
        QVERIFY(loop.runUntilComplete(awaiter()));
        QCOMPARE(guard->handlerCalls().size(), std::size_t(1));
    }

    void heldTaskReportedWhenLastHandleDies()
    {
        auto &loop = guard->loop();
        guard->expectException(QStringLiteral("Task exception was never retrieved"));
        std::optional<qaio::Task<int>> t = loop.createTask(throwAfterYield("held"));
        loop.runOnce();
        loop.runOnce();
        QVERIFY(t->done());
        QCOMPARE(guard->handlerCalls().size(), std::size_t(0)); // still referenced
        t.reset();
        QCOMPARE(guard->handlerCalls().size(), std::size_t(1));
    }

    void destroyingLoopWithPendingTaskReports()
    {
        std::vector<qaio::ExceptionContext> calls;
        qaio::Task<void> kept;
        {
            std::unique_ptr<qaio::EventLoop> own = qaio::newEventLoop();
            own->setExceptionHandler(
                [&](qaio::EventLoop &, const qaio::ExceptionContext &context) { calls.push_back(context); });
            auto body = []() -> qaio::Coro<void> {
                qaio::Future<int> never = qaio::getRunningLoop().createFuture<int>();
                (void)co_await never;
            };
            kept = own->createTask(body(), QStringLiteral("orphan"));
            (void)own->createTask(body(), QStringLiteral("unreferenced"));
            own->runOnce();
            QCOMPARE(own->pendingTaskCount(), std::size_t(2));
            QCOMPARE(kept.info().state, qaio::TaskInfo::State::Waiting);
            QVERIFY(calls.empty());
        }
        QCOMPARE(calls.size(), std::size_t(2));
        QCOMPARE(calls[0].message, QStringLiteral("Task was destroyed but it is pending!"));
        QVERIFY2(calls[0].objectDescription.contains(QStringLiteral("orphan")), qPrintable(calls[0].objectDescription));
        QCOMPARE(calls[1].message, QStringLiteral("Task was destroyed but it is pending!"));
        QVERIFY2(calls[1].objectDescription.contains(QStringLiteral("unreferenced")),
                 qPrintable(calls[1].objectDescription));
        QVERIFY(kept.done());
        QVERIFY(kept.cancelled());
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, kept.getLoop());
        kept = qaio::Task<void>();
        QCOMPARE(calls.size(), std::size_t(2));
        // The guard's loop saw none of it.
        QVERIFY(guard->handlerCalls().empty());
    }

    void awaitingFutureOfAnotherLoopThrows()
    {
        auto &loop = guard->loop();
        std::unique_ptr<qaio::EventLoop> other = qaio::newEventLoop();
        qaio::Future<int> foreign = other->createFuture<int>();
        auto body = [](qaio::Future<int> f) -> qaio::Coro<QString> {
            try {
                (void)co_await f;
            } catch (const qaio::RuntimeError &e) {
                co_return e.message();
            }
            co_return QString();
        };
        const QString message = loop.runUntilComplete(body(foreign));
        QVERIFY2(message.contains(QStringLiteral("different loop")), qPrintable(message));
        QVERIFY(!foreign.done());
        foreign = qaio::Future<int>();
        other.reset();
    }

    void awaitingItselfThrows()
    {
        auto &loop = guard->loop();
        auto body = []() -> qaio::Coro<QString> {
            try {
                co_await qaio::currentTask();
            } catch (const qaio::RuntimeError &e) {
                co_return e.message();
            }
            co_return QString();
        };
        const QString message = loop.runUntilComplete(body());
        QVERIFY2(message.contains(QStringLiteral("cannot await on itself")), qPrintable(message));
    }

    void awaitingOutsideTaskThrows()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        QString futureMessage, sleepMessage, chainMessage;
        auto direct = [](qaio::Future<int> fut, QString *out) -> Detached {
            try {
                (void)co_await fut;
            } catch (const qaio::RuntimeError &e) {
                *out = e.message();
            }
        };
        auto sleeping = [](QString *out) -> Detached {
            try {
                co_await qaio::sleep(1ms);
            } catch (const qaio::RuntimeError &e) {
                *out = e.message();
            }
        };
        // Through a Coro chain: the error travels back up to the outer coroutine.
        auto chained = [](qaio::Future<int> fut, QString *out) -> Detached {
            try {
                (void)co_await awaitValue(fut);
            } catch (const qaio::RuntimeError &e) {
                *out = e.message();
            }
        };
        direct(f, &futureMessage);
        sleeping(&sleepMessage);
        chained(f, &chainMessage);
        QVERIFY2(futureMessage.contains(QStringLiteral("outside a qaio task")), qPrintable(futureMessage));
        QVERIFY2(sleepMessage.contains(QStringLiteral("outside a qaio task")), qPrintable(sleepMessage));
        QVERIFY2(chainMessage.contains(QStringLiteral("outside a qaio task")), qPrintable(chainMessage));
        QVERIFY(!f.done());
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
        QCOMPARE(loop.liveFutureCount(), std::size_t(1)); // only f: nothing was left behind
    }

    void nestedCoroChains()
    {
        auto &loop = guard->loop();
        // level3(2) = 4, level2 adds 10, level1 adds 100.
        QCOMPARE(loop.runUntilComplete(level1(1, false)), 114);
        QVERIFY_THROWS_EXCEPTION(std::out_of_range, loop.runUntilComplete(level1(1, true)));
        QCOMPARE(loop.runUntilComplete(level1Catching()), QStringLiteral("level3 failed"));
        QCOMPARE(loop.runUntilComplete(deepChain(200)), 200);
    }

    void nestedCoroCancelledInside()
    {
        auto &loop = guard->loop();
        qaio::Task<int> t = loop.createTask(level1(1, false));
        loop.runOnce(); // now inside level3's sleep(0)
        t.cancel(QStringLiteral("deep"));
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<int>(t)));
        QVERIFY(t.cancelled());
    }

    void moveOnlyTaskResult()
    {
        auto &loop = guard->loop();
        std::unique_ptr<int> direct = loop.runUntilComplete(makeUnique(5));
        QVERIFY(direct);
        QCOMPARE(*direct, 5);

        qaio::Task<std::unique_ptr<int>> produced = loop.createTask(makeUnique(7));
        QCOMPARE(loop.runUntilComplete(consumeUnique(produced)), 7);
        QVERIFY(produced.done());

        qaio::Task<std::unique_ptr<int>> kept = loop.createTask(makeUnique(3));
        while (!kept.done())
            loop.runOnce();
        QVERIFY(kept.result());
        QCOMPARE(*kept.result(), 3); // read in place, not moved out
        QCOMPARE(*kept.result(), 3);
    }
};

QTEST_GUILESS_MAIN(tst_Task)
#include "tst_task.moc"
