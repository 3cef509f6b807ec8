// Copyright (c) qaio authors. Licensed under the MIT license.
// Inspector (inspect/inspector.h): task states and their transitions, await sites and
// stacks, every kind of await edge and the reverse edges, times and step histograms on a
// virtual clock, the bounded ring of finished tasks, loop figures, each warning from a
// program that has the problem and not from one that doesn't, cancel by id.
#include "looptestcase.h"
#include "taskprograms.h"
#include "signalpipe.h"
#include "tracechecks.h"

#include <qaio/qaio.h>
#include <qaio/inspect/inspector.h>
#include <qaio/inspect/snapshotjson.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QPromise>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtTest/QtTest>

#include <csignal>
#include <functional>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;
using namespace taskprograms;
using Kind = qaio::AwaitEdge::Kind;
using State = qaio::TaskInfo::State;
using WarningKind = qaio::InspectorWarning::Kind;

namespace {

int g_innerLine = 0;
int g_outerLine = 0;

qaio::Coro<int> innerWait(qaio::Future<int> f)
{
    g_innerLine = __LINE__ + 1;
    const int v = co_await f;
    co_return v;
}

qaio::Coro<int> outerWait(qaio::Future<int> f)
{
    g_outerLine = __LINE__ + 1;
    const int v = co_await innerWait(std::move(f));
    co_return v + 1;
}

// Advances the virtual clock by \a d inside its step: a step that "takes" d.
qaio::Coro<void> busyFor(qaio::VirtualClock *clock, qaio::Duration d)
{
    clock->advanceTo(clock->now() + d);
    co_return;
}

qaio::Coro<void> failing()
{
    throw qaio::ValueError("boom");
    co_return;
}

qaio::Coro<void> yielding(int times)
{
    for (int i = 0; i < times; ++i)
        co_await qaio::sleep(0);
}

qaio::Coro<void> sleepingSteps(int times, qaio::Future<int> then)
{
    for (int i = 0; i < times; ++i)
        co_await qaio::sleep(1ms);
    (void)co_await then;
}

qaio::Coro<void> lostTemporary(qaio::LoopCore *loop)
{
    (void)co_await loop->createFuture<int>();
}

qaio::Coro<void> snapshotFromInside(qaio::Inspector *inspector, qaio::InspectorSnapshot *out)
{
    *out = inspector->snapshot();
    co_return;
}

qaio::Coro<void> serveHello(std::shared_ptr<qaio::StreamReader> reader, std::shared_ptr<qaio::StreamWriter> writer)
{
    writer->write(QByteArrayLiteral("hello"));
    co_await writer->drain();
    (void)co_await reader->read(100); // until the client goes
    writer->close();
    co_await writer->waitClosed();
}

qaio::Coro<QByteArray> readHelloThenWait(std::shared_ptr<qaio::StreamReader> reader, qaio::Future<void> gotHello)
{
    const QByteArray hello = co_await reader->readexactly(5);
    gotHello.setResult();
    const QByteArray more = co_await reader->read(100);
    co_return hello + more;
}

const qaio::ResourceInfo *findResource(const qaio::InspectorSnapshot &s, const std::function<bool(const qaio::ResourceInfo &)> &match)
{
    for (const qaio::ResourceInfo &r : s.resources)
        if (match(r))
            return &r;
    return nullptr;
}

const qaio::TaskSnapshot &findTask(const qaio::InspectorSnapshot &s, std::uint64_t id)
{
    const qaio::TaskSnapshot *t = s.task(id);
    if (!t)
        qFatal("task %llu missing from the snapshot", static_cast<unsigned long long>(id));
    return *t;
}

int countWarnings(const qaio::InspectorSnapshot &s, WarningKind kind, std::uint64_t taskId = 0)
{
    int n = 0;
    for (const qaio::InspectorWarning &w : s.warnings)
        if (w.kind == kind && (taskId == 0 || w.taskId == taskId))
            ++n;
    return n;
}

// Runs ticks while callbacks are ready; the virtual clock never jumps to a timer then
// (it only does in a tick that starts with nothing ready).
void runReady(qaio::EventLoop &loop, qaio::Inspector &inspector)
{
    while (inspector.snapshot().loop.readyCallbacks > 0)
        loop.runOnce();
}

} // namespace

class tst_Inspector : public LoopTestCase
{
    Q_OBJECT
public:
    tst_Inspector() : LoopTestCase(Clock::Virtual) {}

private Q_SLOTS:
    void initTestCase() { qaiotest::createSignalPipe(); }

    void statesAndTransitions()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        qaio::Future<int> f = loop.createFuture<int>();
        qaio::Task<void> waiter = loop.createTask(awaitFuture(f), "waiter");
        QCOMPARE(findTask(inspector.snapshot(), waiter.id()).state, State::Scheduled);
        loop.runOnce();
        QCOMPARE(findTask(inspector.snapshot(), waiter.id()).state, State::Waiting);

        qaio::InspectorSnapshot inside;
        qaio::Task<void> self = loop.createTask(snapshotFromInside(&inspector, &inside), "self");
        loop.runUntilComplete(qaio::Future<void>(self));
        QCOMPARE(findTask(inside, self.id()).state, State::Running);

        f.setResult(1);
        loop.runUntilComplete(qaio::Future<void>(waiter));
        qaio::Task<void> bad = loop.createTask(failing(), "bad");
        qaio::Task<void> cancelled = loop.createTask(sleepFor(1h), "cancelled");
        loop.runOnce();
        cancelled.cancel("enough");
        runReady(loop, inspector);
        (void)bad.exception();
        const qaio::InspectorSnapshot s = inspector.snapshot();
        QVERIFY(s.tasks.empty());
        QCOMPARE(findTask(s, waiter.id()).state, State::Finished);
        QCOMPARE(findTask(s, bad.id()).state, State::Failed);
        QCOMPARE(findTask(s, cancelled.id()).state, State::Cancelled);
        QCOMPARE(findTask(s, cancelled.id()).cancelMessage, QStringLiteral("enough"));
        QCOMPARE(findTask(s, waiter.id()).steps, std::uint64_t(2));
    }

    void awaitSiteAndStack()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        qaio::Future<int> f = loop.createFuture<int>();
        qaio::Task<int> t = loop.createTask(outerWait(f), "nested");
        loop.runOnce();
        const qaio::TaskSnapshot snap = findTask(inspector.snapshot(), t.id());
        QCOMPARE(snap.awaitStack.size(), std::size_t(2));
        QCOMPARE(int(snap.awaitStack[0].line()), g_outerLine);
        QCOMPARE(int(snap.awaitStack[1].line()), g_innerLine);
        QCOMPARE(int(snap.awaitSite().line()), g_innerLine);
        QVERIFY(QByteArray(snap.awaitSite().file_name()).endsWith("tst_inspector.cpp"));
        f.setResult(41);
        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(t)), 42);
    }

    void edgesToTasksAndFutures()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        qaio::Future<int> f = loop.createFuture<int>();
        const int futureLine = __LINE__ - 1;
        qaio::Task<void> leaf = loop.createTask(awaitFuture(f), "leaf");
        qaio::Future<qaio::TaskBase> handOver = loop.createFuture<qaio::TaskBase>();
        qaio::Task<void> a = loop.createTask(awaitTask(handOver), "a");
        qaio::Task<void> b = loop.createTask(awaitTask(handOver), "b");
        handOver.setResult(leaf);
        runReady(loop, inspector);
        const qaio::InspectorSnapshot s = inspector.snapshot();
        const qaio::TaskSnapshot &leafSnap = findTask(s, leaf.id());
        QVERIFY(leafSnap.awaits);
        QCOMPARE(leafSnap.awaits->kind, Kind::Future);
        QCOMPARE(int(leafSnap.awaits->futureCreatedAt.line()), futureLine);
        QCOMPARE(leafSnap.awaits->futureCreatedByTask, std::uint64_t(0));
        QCOMPARE(findTask(s, a.id()).awaits->kind, Kind::Task);
        QCOMPARE(findTask(s, a.id()).awaits->taskId, leaf.id());
        QCOMPARE(findTask(s, b.id()).awaits->taskId, leaf.id());
        std::vector<std::uint64_t> awaitedBy = leafSnap.awaitedBy;
        std::sort(awaitedBy.begin(), awaitedBy.end());
        QCOMPARE(awaitedBy, (std::vector<std::uint64_t>{a.id(), b.id()}));
        QCOMPARE(countWarnings(s, WarningKind::AwaitCycle), 0);
        f.setResult(0);
        loop.runUntilComplete(qaio::Future<void>(b));
        loop.runUntilComplete(qaio::Future<void>(a));
    }

    void edgesToLoopResources()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        const qaio::TimePoint start = loop.time();
        qaio::Task<void> sleeper = loop.createTask(sleepFor(5s), "sleeper");

        int fds[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
        qaio::Socket sock = qaio::Socket::adopt(fds[0]);
        qaio::Task<QByteArray> reader = loop.createTask(loop.sockRecv(sock, 10), "reader");

        QTimer timer;
        timer.setObjectName(QStringLiteral("poll"));
        qaio::Future<void> timeout = qaio::signal(&timer, &QTimer::timeout);
        qaio::Task<void> signalWaiter = loop.createTask(
            [](qaio::Future<void> f) -> qaio::Coro<void> { co_await f; }(timeout), "signal");

        QPromise<int> promise;
        qaio::Future<int> fromQt = qaio::qfuture(promise.future());
        qaio::Task<void> qfutureWaiter = loop.createTask(awaitFuture(fromQt), "qfuture");

        qaio::Lock lock;
        qaio::Queue<int> queue;
        qaio::Task<void> holder = loop.createTask(
            [](qaio::Lock *l) -> qaio::Coro<void> {
                co_await l->acquire();
            }(&lock),
            "holder");
        loop.runOnce();
        qaio::Task<void> locker = loop.createTask(
            [](qaio::Lock *l) -> qaio::Coro<void> {
                co_await l->acquire();
                l->release();
            }(&lock),
            "locker");
        qaio::Task<int> getter = loop.createTask(
            [](qaio::Queue<int> *q) -> qaio::Coro<int> { co_return co_await q->get(); }(&queue), "getter");
        runReady(loop, inspector);

        const qaio::InspectorSnapshot s = inspector.snapshot();
        const qaio::TaskSnapshot &sl = findTask(s, sleeper.id());
        QCOMPARE(sl.awaits->kind, Kind::Sleep);
        QCOMPARE(sl.awaits->deadline, start + 5s);
        QCOMPARE(findTask(s, reader.id()).awaits->kind, Kind::Fd);
        QCOMPARE(findTask(s, reader.id()).awaits->fd, qintptr(fds[0]));
        const qaio::TaskSnapshot &sig = findTask(s, signalWaiter.id());
        QCOMPARE(sig.awaits->kind, Kind::Signal);
        QCOMPARE(sig.awaits->detail, QStringLiteral("QTimer 'poll' timeout()"));
        QCOMPARE(findTask(s, qfutureWaiter.id()).awaits->kind, Kind::QFuture);
        const qaio::TaskSnapshot &lk = findTask(s, locker.id());
        QCOMPARE(lk.awaits->kind, Kind::Lock);
        QCOMPARE(lk.awaits->label, QStringLiteral("Lock.acquire"));
        QVERIFY2(lk.awaits->detail.contains(QStringLiteral("locked")), qPrintable(lk.awaits->detail));
        QCOMPARE(lk.awaits->holderTaskId, holder.id()); // the task that took it, finished since
        QCOMPARE(findTask(s, getter.id()).awaits->kind, Kind::Queue);
        QCOMPARE(findTask(s, getter.id()).awaits->label, QStringLiteral("Queue.get"));

        // Let everything finish.
        QCOMPARE(::write(fds[1], "x", 1), ssize_t(1));
        timer.setSingleShot(true);
        timer.start(0);
        promise.start();
        promise.addResult(3);
        promise.finish();
        queue.putNowait(1);
        lock.release();
        QCOMPARE(loop.runUntilComplete(qaio::Future<QByteArray>(reader)), QByteArray("x"));
        loop.runUntilComplete(qaio::Future<void>(signalWaiter));
        loop.runUntilComplete(qaio::Future<void>(qfutureWaiter));
        loop.runUntilComplete(qaio::Future<void>(locker));
        loop.runUntilComplete(qaio::Future<void>(holder));
        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(getter)), 1);
        sleeper.cancel();
        runReady(loop, inspector);
        sock.close();
        ::close(fds[1]);
    }

    void timesOnTheVirtualClock()
    {
        auto &loop = guard->loop();
        qaio::VirtualClock *clock = guard->clock();
        qaio::Inspector inspector(loop);
        // sleeper: idle 5 s. busy: one step of 3 ms. late: ready while busy runs, so it
        // waits those 3 ms in the ready queue.
        qaio::Task<void> sleeper = loop.createTask(sleepFor(5s), "sleeper");
        qaio::Task<void> busy = loop.createTask(busyFor(clock, 3ms), "busy");
        qaio::Task<void> late = loop.createTask(yielding(1), "late");
        loop.runUntilComplete(qaio::Future<void>(sleeper));
        loop.runUntilComplete(qaio::Future<void>(late));
        const qaio::InspectorSnapshot s = inspector.snapshot();
        const qaio::TaskSnapshot &sl = findTask(s, sleeper.id());
        QCOMPARE(std::chrono::duration_cast<std::chrono::milliseconds>(sl.idleTime).count(), 5000);
        QCOMPARE(sl.busyTime, qaio::Duration::zero());
        const qaio::TaskSnapshot &b = findTask(s, busy.id());
        QCOMPARE(b.busyTime, qaio::Duration(3ms));
        QCOMPARE(b.stepDurations[std::size_t(qaio::detail::Log2Histogram::bucketOf(3ms))], 1u);
        const qaio::TaskSnapshot &l = findTask(s, late.id());
        QCOMPARE(l.scheduledTime, qaio::Duration(3ms));
        QCOMPARE(l.yields, 1u);
        QCOMPARE(l.steps, std::uint64_t(2));
    }

    void finishedRingIsBounded()
    {
        auto &loop = guard->loop();
        qaio::InspectorOptions options;
        options.finishedCapacity = 1000;
        qaio::Inspector inspector(loop, options);
        std::uint64_t lastId = 0;
        for (int round = 0; round < 100; ++round) {
            std::vector<qaio::Task<void>> batch;
            batch.reserve(1000);
            for (int i = 0; i < 1000; ++i)
                batch.push_back(loop.createTask(yielding(0)));
            runReady(loop, inspector);
            lastId = batch.back().id();
        }
        const qaio::InspectorSnapshot s = inspector.snapshot();
        QCOMPARE(s.finished.size(), std::size_t(1000));
        QCOMPARE(s.finished.back().id, lastId);
        QCOMPARE(s.finished.front().id, lastId - 999);
        QVERIFY(s.tasks.empty());
        QCOMPARE(loop.liveFutureCount(), std::size_t(0));
    }

    void loopFigures()
    {
        auto &loop = guard->loop();
        qaio::VirtualClock *clock = guard->clock();
        qaio::Inspector inspector(loop);
        const qaio::InspectorSnapshot before = inspector.snapshot();
        bool fired = false;
        loop.callLater(1ms, [&] { fired = true; });
        loop.callLater(1h, [] {}).cancel();
        clock->advanceTo(clock->now() + 10ms); // the timer becomes ready 9 ms late
        QCOMPARE(inspector.snapshot().loop.timersPending, std::size_t(1));
        loop.runOnce();
        QVERIFY(fired);
        const qaio::InspectorSnapshot after = inspector.snapshot();
        QVERIFY(after.loop.callbacksRun > before.loop.callbacksRun);
        QVERIFY(after.loop.wakeUps > before.loop.wakeUps);
        QCOMPARE(after.loop.timerLag[std::size_t(qaio::detail::Log2Histogram::bucketOf(9ms))], 1u);
        QCOMPARE(after.loop.readyCallbacks, std::size_t(0));

        // Ten callbacks in one second of the loop's clock.
        for (int i = 0; i < 10; ++i)
            loop.callSoon([] {});
        loop.runOnce();
        clock->advanceTo(clock->now() + 1s);
        QCOMPARE(inspector.snapshot().loop.callbacksPerSecond, 10.0);
    }

    void warnsAboutSlowSteps()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        qaio::Task<void> slow = loop.createTask(busyFor(guard->clock(), 150ms), "slow");
        qaio::Task<void> quick = loop.createTask(busyFor(guard->clock(), 50ms), "quick");
        loop.runUntilComplete(qaio::Future<void>(slow));
        loop.runUntilComplete(qaio::Future<void>(quick));
        bool blocked = false;
        loop.callSoon([&] { guard->clock()->advanceTo(guard->clock()->now() + 120ms); blocked = true; });
        loop.runOnce();
        QVERIFY(blocked);
        const qaio::InspectorSnapshot s = inspector.snapshot();
        QCOMPARE(countWarnings(s, WarningKind::SlowStep, slow.id()), 1);
        QCOMPARE(countWarnings(s, WarningKind::SlowStep, quick.id()), 0);
        QCOMPARE(countWarnings(s, WarningKind::SlowCallback), 1);
        QCOMPARE(s.slow.size(), std::size_t(2));
        QCOMPARE(s.slow.front().took, qaio::Duration(150ms));
    }

    void warnsAboutAwaitCycles()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        auto [a, b] = startAwaitCycle(loop);
        runReady(loop, inspector);
        const qaio::InspectorSnapshot s = inspector.snapshot();
        QCOMPARE(countWarnings(s, WarningKind::AwaitCycle), 1);
        for (const qaio::InspectorWarning &w : s.warnings) {
            if (w.kind == WarningKind::AwaitCycle) {
                QCOMPARE(w.cycle.size(), std::size_t(2));
                QVERIFY2(w.message.contains(QStringLiteral("A → B → A")), qPrintable(w.message));
            }
        }
        QVERIFY(inspector.cancelTask(a.id(), QStringLiteral("break the cycle")));
        runReady(loop, inspector);
        QVERIFY(a.cancelled());
        QVERIFY(b.cancelled()); // b awaited a, which was cancelled
    }

    void warnsAboutDeadlocksThroughLocks()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        // C takes the lock, then awaits D; D waits for the lock: neither can go on.
        qaio::Lock shared(QStringLiteral("shared"));
        qaio::Future<qaio::TaskBase> toD = loop.createFuture<qaio::TaskBase>();
        qaio::Task<void> c = loop.createTask(
            [](qaio::Lock *l, qaio::Future<qaio::TaskBase> other) -> qaio::Coro<void> {
                co_await l->acquire();
                qaio::TaskBase t = co_await other;
                co_await t;
                l->release();
            }(&shared, toD),
            "C");
        qaio::Task<void> d = loop.createTask(
            [](qaio::Lock *l) -> qaio::Coro<void> {
                co_await l->acquire();
                l->release();
            }(&shared),
            "D");
        toD.setResult(d);
        // E takes a lock it holds already: a Lock is not reentrant.
        qaio::Lock own(QStringLiteral("own"));
        qaio::Task<void> e = loop.createTask(
            [](qaio::Lock *l) -> qaio::Coro<void> {
                co_await l->acquire();
                co_await l->acquire();
            }(&own),
            "E");
        // F holds a lock while it sleeps, G waits for it: a wait, not a deadlock.
        qaio::Lock busy(QStringLiteral("busy"));
        qaio::Task<void> f = loop.createTask(
            [](qaio::Lock *l) -> qaio::Coro<void> {
                qaio::LockGuard held = co_await l->scoped();
                co_await qaio::sleep(3600);
            }(&busy),
            "F");
        qaio::Task<void> g = loop.createTask(
            [](qaio::Lock *l) -> qaio::Coro<void> {
                co_await l->acquire();
                l->release();
            }(&busy),
            "G");
        runReady(loop, inspector);

        const qaio::InspectorSnapshot s = inspector.snapshot();
        QCOMPARE(findTask(s, d.id()).awaits->holderTaskId, c.id());
        QCOMPARE(findTask(s, g.id()).awaits->holderTaskId, f.id());
        QCOMPARE(countWarnings(s, WarningKind::AwaitCycle), 2);
        for (const qaio::InspectorWarning &w : s.warnings) {
            if (w.kind != WarningKind::AwaitCycle)
                continue;
            if (w.taskId == e.id()) {
                QCOMPARE(w.cycle, std::vector<std::uint64_t>{e.id()});
                QVERIFY2(w.message.contains(QStringLiteral("which it holds itself")), qPrintable(w.message));
            } else {
                QCOMPARE(w.cycle.size(), std::size_t(2));
                QVERIFY(w.cycle != std::vector<std::uint64_t>({f.id(), g.id()}));
                QVERIFY2(w.message.contains(QStringLiteral("D waits for <Lock 'shared'")), qPrintable(w.message));
                QVERIFY2(w.message.contains(QStringLiteral("held by C")), qPrintable(w.message));
            }
        }

        for (qaio::Task<void> *t : {&c, &e, &f})
            t->cancel();
        runReady(loop, inspector);
        QVERIFY(d.cancelled()); // C passed its cancellation on to the task it awaited
        loop.runUntilComplete(qaio::Future<void>(g)); // F's guard released the lock as it was cancelled
    }

    void warnsAboutLostWakers()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        qaio::Task<void> temporary = loop.createTask(lostTemporary(&loop), "temporary");
        qaio::Future<int> kept = loop.createFuture<int>();
        qaio::Task<void> fine = loop.createTask(awaitFuture(kept), "fine");
        runReady(loop, inspector);
        const qaio::InspectorSnapshot s = inspector.snapshot();
        QCOMPARE(countWarnings(s, WarningKind::LostWaker, temporary.id()), 1);
        // A lost future awaited through a handle in the frame is found only where the
        // frame layout puts the handle before the awaiter (g++, not clang): no assertion.
        QCOMPARE(countWarnings(s, WarningKind::LostWaker, fine.id()), 0);
        temporary.cancel();
        kept.setResult(1);
        runReady(loop, inspector);
    }

    void warnsAboutDroppedOutcomes()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        guard->expectException(QStringLiteral("Task exception was never retrieved"));
        std::uint64_t failedId = 0;
        {
            qaio::Task<void> t = loop.createTask(failing(), "dropped");
            failedId = t.id();
        }
        std::uint64_t forgottenId = loop.createTask(yielding(0), "forgotten").id();
        qaio::Task<void> awaited = loop.createTask(yielding(0), "awaited");
        qaio::Task<void> awaiter = loop.createTask(
            [](qaio::Task<void> t) -> qaio::Coro<void> { co_await t; }(awaited), "awaiter");
        runReady(loop, inspector);
        const qaio::InspectorSnapshot s = inspector.snapshot();
        QCOMPARE(countWarnings(s, WarningKind::ExceptionNeverRetrieved, failedId), 1);
        QCOMPARE(countWarnings(s, WarningKind::NeverAwaited, forgottenId), 1);
        QCOMPARE(countWarnings(s, WarningKind::NeverAwaited, awaited.id()), 0);
        QVERIFY(awaiter.done());
    }

    void warnsAboutBusyYielding()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        qaio::Future<int> stay = loop.createFuture<int>();
        qaio::Task<void> sleeper = loop.createTask(sleepingSteps(40, stay), "sleeper");
        while (sleeper.info().steps < 41)
            loop.runOnce();
        qaio::Task<void> spinner = loop.createTask(yielding(1000000), "spinner");
        for (int i = 0; i < 100; ++i)
            loop.runOnce();
        const qaio::InspectorSnapshot s = inspector.snapshot();
        QCOMPARE(countWarnings(s, WarningKind::BusyYielding, spinner.id()), 1);
        QCOMPARE(countWarnings(s, WarningKind::BusyYielding, sleeper.id()), 0);
        QVERIFY(inspector.cancelTask(spinner.id()));
        stay.setResult(0);
        runReady(loop, inspector);
        QVERIFY(spinner.cancelled());
        QVERIFY(sleeper.done());
    }

    void cancelById()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        qaio::Task<void> t = loop.createTask(sleepFor(1h), "victim");
        loop.runOnce();
        QVERIFY(!inspector.cancelTask(t.id() + 1000));
        QVERIFY(inspector.cancelTask(t.id(), QStringLiteral("from the inspector")));
        runReady(loop, inspector);
        QVERIFY(t.cancelled());
        try {
            t.result();
            QFAIL("not cancelled");
        } catch (const qaio::CancelledError &e) {
            QCOMPARE(e.message(), QStringLiteral("from the inspector"));
        }
        QVERIFY(!inspector.cancelTask(t.id()));
    }

    void resourcesAndWhoWaitsOnThem()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        qaio::Task<std::shared_ptr<qaio::Server>> starting =
            loop.createTask(qaio::startServer(serveHello, QStringLiteral("127.0.0.1"), 0));
        std::shared_ptr<qaio::Server> server = loop.runUntilComplete(qaio::Future<std::shared_ptr<qaio::Server>>(starting));
        const quint16 port = server->sockets().front().localAddress().port();
        qaio::Task<qaio::StreamPair> connecting = loop.createTask(qaio::openConnection(QStringLiteral("127.0.0.1"), port));
        const qaio::StreamPair client = loop.runUntilComplete(qaio::Future<qaio::StreamPair>(connecting));
        qaio::Future<void> gotHello = loop.createFuture<void>();
        qaio::Task<QByteArray> reading = loop.createTask(readHelloThenWait(client.reader, gotHello), "reading");
        loop.runUntilComplete(gotHello);

        int pipeFds[2];
        QCOMPARE(::pipe(pipeFds), 0);
        loop.addReader(pipeFds[0], [] {});
        loop.addSignalHandler(SIGUSR2, [] {});

        const qaio::InspectorSnapshot s = inspector.snapshot();
        const qaio::TaskSnapshot &r = findTask(s, reading.id());
        QVERIFY(r.awaits);
        QCOMPARE(r.awaits->kind, Kind::StreamRead);
        const qaio::ResourceInfo *listening = findResource(s, [](const qaio::ResourceInfo &i) { return i.kind == QLatin1String("server"); });
        QVERIFY(listening);
        QVERIFY2(listening->description.contains(QStringLiteral("127.0.0.1:%1").arg(port)) &&
                     listening->description.contains(QStringLiteral("serving, 1 connection(s)")),
                 qPrintable(listening->description));
        const qaio::ResourceInfo *ours = findResource(s, [&](const qaio::ResourceInfo &i) { return i.id == r.awaits->resourceId; });
        QVERIFY(ours);
        QCOMPARE(ours->kind, QStringLiteral("socket transport"));
        QCOMPARE(ours->description, QStringLiteral("peer 127.0.0.1:%1").arg(port));
        QCOMPARE(ours->bytesIn, std::int64_t(5));
        QCOMPARE(ours->bytesOut, std::int64_t(0));
        QCOMPARE(ours->waitingTasks, std::vector<std::uint64_t>{reading.id()});
        const qaio::ResourceInfo *theirs = findResource(s, [&](const qaio::ResourceInfo &i) {
            return i.kind == QLatin1String("socket transport") && i.id != ours->id;
        });
        QVERIFY(theirs);
        QCOMPARE(theirs->bytesOut, std::int64_t(5));
        QCOMPARE(theirs->writeBufferSize, std::size_t(0));
        const qaio::ResourceInfo *watched = findResource(s, [&](const qaio::ResourceInfo &i) {
            return i.kind == QLatin1String("fd") && i.fd == qintptr(pipeFds[0]);
        });
        QVERIFY(watched);
        QCOMPARE(watched->description, QStringLiteral("reader"));
        const qaio::ResourceInfo *handler = findResource(s, [](const qaio::ResourceInfo &i) { return i.kind == QLatin1String("signal"); });
        QVERIFY(handler);
        QCOMPARE(handler->description, QStringLiteral("signal %1").arg(SIGUSR2));

        QVERIFY(loop.removeSignalHandler(SIGUSR2));
        QVERIFY(loop.removeReader(pipeFds[0]));
        ::close(pipeFds[0]);
        ::close(pipeFds[1]);
        client.writer->close();
        QCOMPARE(loop.runUntilComplete(qaio::Future<QByteArray>(reading)), QByteArray("hello"));
        server->close();
        qaio::Task<void> closing = loop.createTask(server->waitClosed());
        loop.runUntilComplete(qaio::Future<void>(closing));
    }

    void framesCarryOnlyChanges()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        qaio::Task<void> idle = loop.createTask(sleepFor(1h), "idle");
        qaio::Future<int> f = loop.createFuture<int>();
        qaio::Task<void> waiter = loop.createTask(awaitFuture(f), "waiter");
        runReady(loop, inspector);

        qaio::SnapshotCursor cursor;
        const qaio::InspectorSnapshot first = inspector.changesSince(cursor);
        QVERIFY(!first.partial);
        QCOMPARE(first.tasks.size(), std::size_t(2));

        const qaio::InspectorSnapshot nothing = inspector.changesSince(cursor);
        QVERIFY(nothing.partial);
        QVERIFY(nothing.tasks.empty());
        QVERIFY(nothing.removedTasks.empty());
        QVERIFY(nothing.finished.empty());

        f.setResult(1); // waiter finishes
        qaio::Task<void> fresh = loop.createTask(sleepFor(1h), "fresh");
        runReady(loop, inspector);
        const qaio::InspectorSnapshot changes = inspector.changesSince(cursor);
        QVERIFY(changes.partial);
        QCOMPARE(changes.tasks.size(), std::size_t(1));
        QCOMPARE(changes.tasks.front().id, fresh.id());
        QCOMPARE(changes.tasks.front().awaits->kind, Kind::Sleep);
        QCOMPARE(changes.removedTasks, std::vector<std::uint64_t>{waiter.id()});
        QCOMPARE(changes.finished.size(), std::size_t(1));
        QCOMPARE(changes.finished.front().id, waiter.id());
        QCOMPARE(changes.loop.pendingTasks, std::size_t(2));

        idle.cancel("changed");
        const qaio::InspectorSnapshot cancelling = inspector.changesSince(cursor);
        QCOMPARE(cancelling.tasks.size(), std::size_t(1)); // its cancellation count changed
        QCOMPARE(cancelling.tasks.front().id, idle.id());
        fresh.cancel();
        runReady(loop, inspector);
    }

    void snapshotAsJson()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        // Every character JSON must escape, and text beyond ASCII.
        const QString awkward = QStringLiteral("quote\" back\\ nl\n tab\t bell\x07 \u00fcn\u00efcode \u2603");
        qaio::Future<int> f = loop.createFuture<int>();
        qaio::Task<void> waiter = loop.createTask(awaitFuture(f), awkward);
        qaio::Task<void> sleeper = loop.createTask(sleepFor(1h), "sleeper");
        runReady(loop, inspector);
        sleeper.cancel(QStringLiteral("why: \"enough\""));

        const qaio::InspectorSnapshot s = inspector.snapshot();
        const QByteArray bytes = qaio::snapshotToCompactJson(s);
        QVERIFY(!bytes.contains('\n')); // one line of the remote protocol
        QJsonParseError error{};
        const QJsonObject json = QJsonDocument::fromJson(bytes, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(json, qaio::snapshotToJson(s));
        QCOMPARE(json.value("protocol").toInt(), qaio::kInspectorProtocolVersion);
        QCOMPARE(json.value("partial").toBool(true), false);
        QCOMPARE(json.value("loop").toObject().value("pendingTasks").toInt(), 2);

        const QJsonArray tasks = json.value("tasks").toArray();
        QCOMPARE(tasks.size(), 2);
        for (const QJsonValue &value : tasks) {
            const QJsonObject task = value.toObject();
            const qaio::TaskSnapshot &t = findTask(s, std::uint64_t(task.value("id").toInteger()));
            QCOMPARE(task, qaio::taskToJson(t));
            QCOMPARE(task.value("name").toString(), t.name);
            QCOMPARE(task.value("state").toString(), qaio::TaskInfo::stateName(t.state));
            QCOMPARE(task.value("createdAt").toObject(), qaio::siteToJson(t.createdAt));
            QCOMPARE(task.value("createdAt").toObject().value("line").toInt(), int(t.createdAt.line()));
            QCOMPARE(task.value("awaits").toObject().value("kind").toString(), qaio::AwaitEdge::kindName(t.awaits->kind));
            QCOMPARE(task.value("awaitStack").toArray().size(), qsizetype(t.awaitStack.size()));
            QCOMPARE(task.value("cancelling").toInt(), t.cancelling);
            QCOMPARE(task.value("cancelMessage").toString(), t.cancelMessage);
            qint64 counted = 0;
            for (const QJsonValue &bucket : task.value("stepHistogram").toArray())
                counted += bucket.toInteger();
            QCOMPARE(counted, qint64(t.steps));
        }
        QCOMPARE(findTask(s, waiter.id()).name, awkward);
        QCOMPARE(findTask(s, sleeper.id()).cancelMessage, QStringLiteral("why: \"enough\""));
        f.setResult(1);
        runReady(loop, inspector);
    }

    void traceExport()
    {
        auto &loop = guard->loop();
        qaio::VirtualClock *clock = guard->clock();
        qaio::Inspector inspector(loop);
        qaio::Task<void> before = loop.createTask(sleepFor(1h), "before"); // alive when the trace starts
        loop.runOnce();
        inspector.startTrace();
        QVERIFY(inspector.isTracing());
        qaio::Task<void> worker = loop.createTask(sleepFor(1ms), "worker");
        qaio::Task<void> waiter = loop.createTask(
            [](qaio::Task<void> t) -> qaio::Coro<void> { co_await t; }(worker), "waiter");
        loop.callSoon([clock] { clock->advanceTo(clock->now() + 150ms); }); // a slow callback
        loop.runUntilComplete(qaio::Future<void>(waiter));
        inspector.stopTrace();
        QVERIFY(!inspector.isTracing());
        before.cancel();
        runReady(loop, inspector);

        const QJsonObject trace = inspector.traceJson();
        QCOMPARE(tracecheck::traceProblems(trace), QString());
        QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("X"), QStringLiteral("worker")), 2);
        QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("X"), QStringLiteral("waiter")), 2);
        QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("b"), QStringLiteral("before")), 1);
        QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("b"), QStringLiteral("worker")), 1);
        QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("e"), QStringLiteral("worker")), 1);
        QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("e"), QStringLiteral("before")), 0); // cancelled after the stop
        QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("s"), QStringLiteral("await")), 2); // worker's and waiter's ends
        QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("f"), QStringLiteral("await")), 1); // waiter woken by worker
        QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("X"), QStringLiteral("slow callback")), 1);
        QVERIFY(tracecheck::countEvents(trace, QStringLiteral("X"), QStringLiteral("qaio dispatch")) >= 1);
        QVERIFY(tracecheck::countEvents(trace, QStringLiteral("C"), QStringLiteral("timer lag")) >= 1);

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("trace.json"));
        inspector.writeTrace(path);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(file.readAll()).object(), trace);
        QVERIFY_THROWS_EXCEPTION(qaio::OSError, inspector.writeTrace(dir.filePath(QStringLiteral("missing/trace.json"))));
    }

    void traceRingIsBounded()
    {
        auto &loop = guard->loop();
        qaio::Inspector inspector(loop);
        inspector.startTrace(500);
        for (int i = 0; i < 20; ++i) {
            std::vector<qaio::Task<void>> batch;
            for (int j = 0; j < 100; ++j)
                batch.push_back(loop.createTask(yielding(2)));
            runReady(loop, inspector);
        }
        const QJsonObject trace = inspector.traceJson();
        QCOMPARE(tracecheck::traceProblems(trace), QString());
        QCOMPARE(trace.value(QLatin1String("traceEvents")).toArray().size() <= 500 * 3 + 2, true);
        QVERIFY(trace.value(QLatin1String("otherData")).toObject().value(QLatin1String("droppedOldest")).toBool());
    }

    void oneInspectorPerLoopAndThread()
    {
        auto &loop = guard->loop();
        {
            qaio::Inspector first(loop);
            QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, qaio::Inspector second(loop));
            bool refused = false;
            std::thread other([&] {
                try {
                    (void)first.snapshot();
                } catch (const qaio::RuntimeError &) {
                    refused = true;
                }
            });
            other.join();
            QVERIFY(refused);
        }
        qaio::Inspector again(loop); // the first one detached
        QVERIFY(again.snapshot().tasks.empty());
    }
};

QTEST_GUILESS_MAIN(tst_Inspector)
#include "tst_inspector.moc"
