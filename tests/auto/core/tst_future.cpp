// Copyright (c) qaio authors. Licensed under the MIT license.
// Future<T>: states, errors, cancellation, done callbacks and the "never retrieved"
// report (asyncio test_futures cases).
#include "looptestcase.h"

#include <QtTest/QtTest>

#include <memory>
#include <type_traits>

using namespace std::chrono_literals;

static_assert(!std::is_base_of_v<std::exception, qaio::CancelledError>,
              "CancelledError must not be caught by catch (const std::exception &)");

namespace {

int s_plainCalls = 0;
int s_otherPlainCalls = 0;
void plainCallback(const qaio::FutureBase &)
{
    ++s_plainCalls;
}
void otherPlainCallback(const qaio::FutureBase &)
{
    ++s_otherPlainCalls;
}

qaio::Coro<int> awaitIt(qaio::Future<int> f)
{
    const int v = co_await f;
    co_return v;
}

qaio::Coro<QString> awaitAndCatch(qaio::Future<int> f)
{
    try {
        (void)co_await f;
    } catch (const std::exception &e) {
        co_return QString::fromUtf8(e.what());
    } catch (const qaio::CancelledError &e) {
        co_return QStringLiteral("cancelled:") + e.message();
    }
    co_return QString();
}

qaio::Coro<int> trivialTask()
{
    co_return 5;
}

} // namespace

class tst_Future : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void pendingFutureState()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        QVERIFY(f.isValid());
        QVERIFY(!f.done());
        QVERIFY(!f.cancelled());
        QVERIFY(!f.isTask());
        QCOMPARE(&f.getLoop(), &loop);
        QCOMPARE(loop.liveFutureCount(), std::size_t(1));
        QVERIFY2(f.describe().contains(QStringLiteral("pending")), qPrintable(f.describe()));
        QVERIFY2(f.describe().contains(QStringLiteral("tst_future.cpp")), qPrintable(f.describe()));
    }

    void resultOfPendingThrowsInvalidState()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        qaio::Future<void> v = loop.createFuture<void>();
        QVERIFY_THROWS_EXCEPTION(qaio::InvalidStateError, f.result());
        QVERIFY_THROWS_EXCEPTION(qaio::InvalidStateError, v.result());
    }

    void exceptionOfPendingThrowsInvalidState()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        QVERIFY_THROWS_EXCEPTION(qaio::InvalidStateError, (void)f.exception());
    }

    void resultAndException()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        f.setResult(42);
        QVERIFY(f.done());
        QVERIFY(!f.cancelled());
        QCOMPARE(f.result(), 42);
        QVERIFY(!f.exception()); // finished with a result: no exception

        qaio::Future<void> v = loop.createFuture<void>();
        v.setResult();
        v.result(); // does not throw
        QVERIFY(v.done());

        qaio::Future<int> e = loop.createFuture<int>();
        e.setException(std::runtime_error("bad"));
        QVERIFY(e.done());
        QVERIFY(!e.cancelled());
        std::exception_ptr error = e.exception();
        QVERIFY(error);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, std::rethrow_exception(error));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, e.result());

        qaio::Future<int> n = loop.createFuture<int>();
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, n.setException(std::exception_ptr()));
        QVERIFY(!n.done());
    }

    void setOnDoneThrowsInvalidState()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        f.setResult(1);
        QVERIFY_THROWS_EXCEPTION(qaio::InvalidStateError, f.setResult(2));
        QVERIFY_THROWS_EXCEPTION(qaio::InvalidStateError, f.setException(std::runtime_error("late")));
        QCOMPARE(f.result(), 1);

        qaio::Future<int> e = loop.createFuture<int>();
        e.setException(std::runtime_error("first"));
        QVERIFY_THROWS_EXCEPTION(qaio::InvalidStateError, e.setResult(2));
        QVERIFY_THROWS_EXCEPTION(qaio::InvalidStateError, e.setException(std::runtime_error("second")));
        QVERIFY(qaio::describeException(e.exception()).contains(QStringLiteral("first")));

        qaio::Future<void> c = loop.createFuture<void>();
        QVERIFY(c.cancel());
        QVERIFY_THROWS_EXCEPTION(qaio::InvalidStateError, c.setResult());
        QVERIFY_THROWS_EXCEPTION(qaio::InvalidStateError, c.setException(std::runtime_error("x")));
        QVERIFY(c.cancelled());
    }

    void cancelAfterDoneReturnsFalse()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        f.setResult(3);
        QVERIFY(!f.cancel());
        QVERIFY(!f.cancelled());
        QCOMPARE(f.result(), 3);

        qaio::Future<int> g = loop.createFuture<int>();
        QVERIFY(g.cancel());
        QVERIFY(g.cancelled());
        QVERIFY(g.done());
        QVERIFY(!g.cancel()); // already cancelled
    }

    void cancelMessageCarried()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        QVERIFY(f.cancel(QStringLiteral("no longer needed")));
        QString fromResult, fromException;
        try {
            (void)f.result();
        } catch (const qaio::CancelledError &e) {
            fromResult = e.message();
        }
        try {
            (void)f.exception();
        } catch (const qaio::CancelledError &e) {
            fromException = e.message();
        }
        QCOMPARE(fromResult, QStringLiteral("no longer needed"));
        QCOMPARE(fromException, QStringLiteral("no longer needed"));

        // And through co_await inside a task.
        qaio::Future<int> g = loop.createFuture<int>();
        loop.callSoon([g]() mutable { g.cancel(QStringLiteral("stop it")); });
        QCOMPARE(loop.runUntilComplete(awaitAndCatch(g)), QStringLiteral("cancelled:stop it"));
    }

    void resultOfCancelledThrowsCancelledError()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        f.cancel();
        bool cancelledCaught = false;
        bool stdCaught = false;
        try {
            try {
                (void)f.result();
            } catch (const std::exception &) {
                stdCaught = true; // must not happen: CancelledError is not a std::exception
            }
        } catch (const qaio::CancelledError &e) {
            cancelledCaught = true;
            QVERIFY(e.message().isEmpty());
        }
        QVERIFY(cancelledCaught);
        QVERIFY(!stdCaught);
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, (void)f.exception());
    }

    void doneCallbacksScheduledNotInline()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        QStringList order;
        f.addDoneCallback([&](const qaio::Future<int> &done) { order << QStringLiteral("cb%1").arg(done.result()); });
        loop.callSoon([&] { order << "before"; });
        f.setResult(7);
        QVERIFY(order.isEmpty()); // not inline
        loop.callSoon([&] { order << "after"; });
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(3));
        loop.runOnce();
        // Scheduled with callSoon at setResult() time: FIFO with the other callbacks.
        QCOMPARE(order, (QStringList{"before", "cb7", "after"}));
    }

    void doneCallbacksRunInOrderAdded()
    {
        auto &loop = guard->loop();
        qaio::Future<void> f = loop.createFuture<void>();
        std::vector<int> order;
        for (int i = 0; i < 10; ++i)
            f.addDoneCallback([&order, i](const qaio::FutureBase &) { order.push_back(i); });
        f.cancel(); // callbacks run on cancellation too
        loop.runOnce();
        QCOMPARE(order.size(), std::size_t(10));
        for (int i = 0; i < 10; ++i)
            QCOMPARE(order[std::size_t(i)], i);
    }

    void doneCallbackSeesTheFuture()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        qaio::FutureBase seen;
        f.addDoneCallback([&](const qaio::FutureBase &done) { seen = done; });
        f.setException(std::runtime_error("x"));
        loop.runOnce();
        QVERIFY(seen == f);
        QVERIFY(seen.done());
        QVERIFY(seen.exception()); // retrieve it: no report
        seen = qaio::FutureBase();
    }

    void removeDoneCallbackById()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        QStringList ran;
        const qaio::DoneCallbackId a = f.addDoneCallback([&](const qaio::FutureBase &) { ran << "a"; });
        const qaio::DoneCallbackId b = f.addDoneCallback([&](const qaio::FutureBase &) { ran << "b"; });
        const qaio::DoneCallbackId c = f.addDoneCallback([&](const qaio::FutureBase &) { ran << "c"; });
        QVERIFY(a != b && b != c && a != c);
        QCOMPARE(f.removeDoneCallback(b), 1);
        QCOMPARE(f.removeDoneCallback(b), 0);
        QCOMPARE(f.removeDoneCallback(qaio::DoneCallbackId(9999)), 0);
        f.setResult(0);
        loop.runOnce();
        QCOMPARE(ran, (QStringList{"a", "c"}));
        QCOMPARE(f.removeDoneCallback(a), 0); // already scheduled and run
    }

    void removeEveryCopyOfPlainFunction()
    {
        auto &loop = guard->loop();
        s_plainCalls = 0;
        s_otherPlainCalls = 0;
        qaio::Future<int> f = loop.createFuture<int>();
        f.addDoneCallback(&plainCallback);
        f.addDoneCallback(&otherPlainCallback);
        f.addDoneCallback(&plainCallback);
        f.addDoneCallback(plainCallback);
        QCOMPARE(f.removeDoneCallback(&plainCallback), 3);
        QCOMPARE(f.removeDoneCallback(&plainCallback), 0);
        f.setResult(1);
        loop.runOnce();
        QCOMPARE(s_plainCalls, 0);
        QCOMPARE(s_otherPlainCalls, 1);

        // A plain-function callback added by id can also be removed by id.
        qaio::Future<int> g = loop.createFuture<int>();
        const qaio::DoneCallbackId id = g.addDoneCallback(&plainCallback);
        g.addDoneCallback(&plainCallback);
        QCOMPARE(g.removeDoneCallback(id), 1);
        g.setResult(2);
        loop.runOnce();
        QCOMPARE(s_plainCalls, 1);
    }

    void mutateCallbacksFromInsideCallback()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        qaio::Future<int> other = loop.createFuture<int>();
        QStringList ran;
        qaio::DoneCallbackId bId = 0;
        qaio::DoneCallbackId otherId = 0;
        otherId = other.addDoneCallback([&](const qaio::FutureBase &) { ran << "other-removed"; });
        f.addDoneCallback([&](const qaio::FutureBase &) {
            ran << "a";
            // f is done: b is already scheduled, removing it now finds nothing (asyncio).
            QCOMPARE(f.removeDoneCallback(bId), 0);
            // Adding to a done future schedules soon: next tick.
            f.addDoneCallback([&](const qaio::FutureBase &) { ran << "added-in-a"; });
            QCOMPARE(other.removeDoneCallback(otherId), 1);
            other.addDoneCallback([&](const qaio::FutureBase &) { ran << "other-added"; });
        });
        bId = f.addDoneCallback([&](const qaio::FutureBase &) { ran << "b"; });
        f.setResult(1);
        loop.runOnce();
        QCOMPARE(ran, (QStringList{"a", "b"}));
        loop.runOnce();
        QCOMPARE(ran, (QStringList{"a", "b", "added-in-a"}));
        other.setResult(2);
        loop.runOnce();
        QCOMPARE(ran, (QStringList{"a", "b", "added-in-a", "other-added"}));
    }

    void addDoneCallbackOnDoneFutureSchedulesSoon()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        f.setResult(5);
        loop.runOnce();
        int seen = 0;
        f.addDoneCallback([&](const qaio::Future<int> &done) { seen = done.result(); });
        QCOMPARE(seen, 0); // not inline
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(1));
        loop.runOnce();
        QCOMPARE(seen, 5);
    }

    void callbackExceptionGoesToHandler()
    {
        auto &loop = guard->loop();
        guard->expectException(QStringLiteral("Exception in callback"));
        qaio::Future<int> f = loop.createFuture<int>();
        bool secondRan = false;
        f.addDoneCallback([](const qaio::FutureBase &) { throw std::runtime_error("callback failed"); });
        f.addDoneCallback([&](const qaio::FutureBase &) { secondRan = true; });
        f.setResult(1);
        loop.runOnce();
        QVERIFY(secondRan);
        QCOMPARE(guard->handlerCalls().size(), std::size_t(1));
        QVERIFY(qaio::describeException(guard->handlerCalls()[0].exception).contains(QStringLiteral("callback failed")));
    }

    void unretrievedExceptionReported()
    {
        auto &loop = guard->loop();
        guard->expectException(QStringLiteral("Future exception was never retrieved"));
        {
            qaio::Future<int> f = loop.createFuture<int>();
            f.setException(std::runtime_error("nobody looked"));
            qaio::Future<int> copy = f;
            f = qaio::Future<int>();
            QCOMPARE(guard->handlerCalls().size(), std::size_t(0)); // a handle is still alive
        }
        QCOMPARE(guard->handlerCalls().size(), std::size_t(1));
        const qaio::ExceptionContext &context = guard->handlerCalls()[0];
        QCOMPARE(context.message, QStringLiteral("Future exception was never retrieved"));
        QVERIFY(qaio::describeException(context.exception).contains(QStringLiteral("nobody looked")));
        QVERIFY(context.objectDescription.contains(QStringLiteral("Future")));
        QCOMPARE(QString::fromUtf8(context.sourceLocation.file_name()).endsWith(QStringLiteral("tst_future.cpp")), true);
        QCOMPARE(loop.liveFutureCount(), std::size_t(0));
    }

    void unretrievedExceptionReportedAfterCallbacks()
    {
        auto &loop = guard->loop();
        guard->expectException(QStringLiteral("Future exception was never retrieved"));
        bool callbackRan = false;
        {
            qaio::Future<int> f = loop.createFuture<int>();
            // A done callback that does not look at the exception does not count as retrieval.
            f.addDoneCallback([&](const qaio::FutureBase &done) { callbackRan = done.done(); });
            f.setException(std::runtime_error("ignored"));
        }
        // The scheduled callback still holds the future.
        QCOMPARE(guard->handlerCalls().size(), std::size_t(0));
        loop.runOnce();
        QVERIFY(callbackRan);
        QCOMPARE(guard->handlerCalls().size(), std::size_t(1));
    }

    void retrievedExceptionNotReported()
    {
        auto &loop = guard->loop();
        {
            qaio::Future<int> f = loop.createFuture<int>();
            f.setException(std::runtime_error("seen by result"));
            QVERIFY_THROWS_EXCEPTION(std::runtime_error, f.result());
        }
        {
            qaio::Future<int> f = loop.createFuture<int>();
            f.setException(std::runtime_error("seen by exception"));
            QVERIFY(f.exception());
        }
        {
            qaio::Future<int> f = loop.createFuture<int>();
            loop.callSoon([f]() mutable { f.setException(std::runtime_error("seen by co_await")); });
            QCOMPARE(loop.runUntilComplete(awaitAndCatch(f)), QStringLiteral("seen by co_await"));
        }
        {
            qaio::Future<int> f = loop.createFuture<int>();
            loop.callSoon([f]() mutable { f.setException(std::runtime_error("seen by runUntilComplete")); });
            QVERIFY_THROWS_EXCEPTION(std::runtime_error, loop.runUntilComplete(f));
        }
        QCOMPARE(guard->handlerCalls().size(), std::size_t(0));
        QCOMPARE(loop.liveFutureCount(), std::size_t(0));
    }

    void cancelledFutureNotReported()
    {
        auto &loop = guard->loop();
        {
            qaio::Future<int> f = loop.createFuture<int>();
            f.cancel(QStringLiteral("gone"));
        }
        {
            // asyncio: cancel() on a done future clears the "never retrieved" flag too.
            qaio::Future<int> f = loop.createFuture<int>();
            f.setException(std::runtime_error("then cancelled"));
            QVERIFY(!f.cancel());
        }
        {
            qaio::Task<int> t = loop.createTask(awaitIt(loop.createFuture<int>()));
            loop.runOnce();
            t.cancel();
            loop.runOnce();
            QVERIFY(t.cancelled());
        }
        QCOMPARE(guard->handlerCalls().size(), std::size_t(0));
        QCOMPARE(loop.liveFutureCount(), std::size_t(0));
    }

    void awaitingReturnsValueOrThrows()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        loop.callLater(1ms, [f]() mutable { f.setResult(11); });
        QCOMPARE(loop.runUntilComplete(awaitIt(f)), 11);
        // An already-done future is awaited without suspending.
        QCOMPARE(loop.runUntilComplete(awaitIt(f)), 11);

        qaio::Future<int> e = loop.createFuture<int>();
        e.setException(std::invalid_argument("nope"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, loop.runUntilComplete(awaitIt(e)));
    }

    void moveOnlyFutureValue()
    {
        auto &loop = guard->loop();
        qaio::Future<std::unique_ptr<int>> f = loop.createFuture<std::unique_ptr<int>>();
        f.setResult(std::make_unique<int>(9));
        QCOMPARE(*f.result(), 9);
        std::unique_ptr<int> taken = loop.runUntilComplete(f);
        QVERIFY(taken);
        QCOMPARE(*taken, 9);
    }

    void setResultOnTaskRefused()
    {
        auto &loop = guard->loop();
        qaio::Task<int> task = loop.createTask(trivialTask());
        qaio::Future<int> &asFuture = task;
        qaio::FutureBase &asBase = task;
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, asFuture.setResult(1));
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, asBase.setException(std::runtime_error("x")));
        QVERIFY(!task.done());
        QCOMPARE(loop.runUntilComplete(asFuture), 5);
        // Still refused once done (RuntimeError, not InvalidStateError).
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, asFuture.setResult(1));
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, asBase.setException(std::runtime_error("x")));
        QCOMPARE(task.result(), 5);
    }

    void futureOutlivesItsLoop()
    {
        std::vector<qaio::ExceptionContext> calls;
        qaio::Future<int> f;
        {
            std::unique_ptr<qaio::EventLoop> own = qaio::newEventLoop();
            own->setExceptionHandler(
                [&](qaio::EventLoop &, const qaio::ExceptionContext &context) { calls.push_back(context); });
            f = own->createFuture<int>();
            f.setException(std::runtime_error("orphan"));
        }
        // The dying loop reported the unretrieved exception while it still could.
        QCOMPARE(calls.size(), std::size_t(1));
        QCOMPARE(calls[0].message, QStringLiteral("Future exception was never retrieved"));
        QVERIFY(f.done());
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, f.getLoop());
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, f.addDoneCallback([](const qaio::FutureBase &) {}));
        f = qaio::Future<int>();
        QCOMPARE(calls.size(), std::size_t(1)); // reported once only
    }
};

QTEST_GUILESS_MAIN(tst_Future)
#include "tst_future.moc"
