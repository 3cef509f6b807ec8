// Copyright (c) qaio authors. Licensed under the MIT license.
// runCoroutineThreadsafe() and ConcurrentFuture against asyncio.run_coroutine_threadsafe()
// (CPython test_tasks.py RunCoroutineThreadsafeTests): a QThread hands a coroutine to the
// loop and gets its result; exceptions and cancellations travel both ways; QFuture too.
#include "exceptionchecks.h"
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <qaio/qaio.h>

#include <QtCore/QThread>
#include <QtTest/QtTest>

#include <functional>
#include <stdexcept>

namespace {
qaio::Coro<int> answerAfterAStep(QThread **ranOn = nullptr)
{
    co_await qaio::sleep(0);
    if (ranOn)
        *ranOn = QThread::currentThread();
    co_return 42;
}

qaio::Coro<int> failAfterAStep()
{
    co_await qaio::sleep(0);
    throw std::runtime_error("boom");
}

/*! Waits on \a never until cancelled; records that it started and saw the cancellation. */
qaio::Coro<int> waitUntilCancelled(qaio::Event &never, bool &started, bool &sawCancel)
{
    started = true;
    try {
        co_await never.wait();
    } catch (const qaio::CancelledError &) {
        sawCancel = true;
        throw;
    }
    co_return 0;
}

qaio::Coro<int> cancelItself()
{
    co_await qaio::sleep(0);
    throw qaio::CancelledError(QStringLiteral("given up"));
}

/*! Runs \a body on a QThread while \a loop runs; returns once the thread finished and the
    loop ran what the thread's calls scheduled. */
void whileLoopRuns(qaio::EventLoop &loop, const std::function<void()> &body)
{
    qaio::Future<void> finished = loop.createFuture<void>();
    std::unique_ptr<QThread> thread(QThread::create([&] {
        body();
        loop.callSoonThreadsafe([&finished]() mutable { finished.setResult(); });
    }));
    thread->start();
    loop.runUntilComplete(finished);
    thread->wait();
    hl::runBriefly(loop);
}
} // namespace

class tst_ConcurrentFuture : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void resultReachesTheOtherThread()
    {
        auto &loop = guard->loop();
        QThread *ranOn = nullptr;
        int value = 0;
        bool done = false;
        whileLoopRuns(loop, [&] {
            qaio::ConcurrentFuture<int> future = qaio::runCoroutineThreadsafe(answerAfterAStep(&ranOn), loop);
            value = future.result();
            done = future.done() && !future.cancelled();
        });
        QCOMPARE(value, 42);
        QVERIFY(done);
        QCOMPARE(ranOn, QThread::currentThread()); // the coroutine ran on the loop's thread
    }

    void exceptionReachesTheOtherThread()
    {
        auto &loop = guard->loop();
        QString message;
        bool exceptionGiven = false;
        whileLoopRuns(loop, [&] {
            qaio::ConcurrentFuture<int> future = qaio::runCoroutineThreadsafe(failAfterAStep(), loop);
            exceptionGiven = qaio::holds<std::runtime_error>(future.exception());
            message = qaiotest::messageOf<std::runtime_error>([&] { future.result(); });
        });
        QVERIFY(exceptionGiven);
        QCOMPARE(message, QStringLiteral("boom"));
        QVERIFY(guard->handlerCalls().empty()); // retrieved by the other thread: not logged
    }

    void cancelFromTheOtherThreadCancelsTheTask()
    {
        auto &loop = guard->loop();
        qaio::Event never;
        bool started = false;
        bool sawCancel = false;
        bool cancelled = false;
        bool resultThrewCancelled = false;
        whileLoopRuns(loop, [&] {
            qaio::ConcurrentFuture<int> future =
                qaio::runCoroutineThreadsafe(waitUntilCancelled(never, started, sawCancel), loop);
            cancelled = future.cancel();
            resultThrewCancelled = qaio::holds<qaio::CancelledError>([&] {
                try {
                    future.result();
                } catch (...) {
                    return std::current_exception();
                }
                return std::exception_ptr();
            }());
            cancelled = cancelled && future.cancelled() && !future.cancel();
        });
        QVERIFY(cancelled);
        QVERIFY(resultThrewCancelled);
        QVERIFY(started);   // as asyncio: the task runs its first step...
        QVERIFY(sawCancel); // ...then is cancelled in the loop
    }

    void cancellationInTheLoopReachesTheOtherThread()
    {
        auto &loop = guard->loop();
        bool cancelled = false;
        QString message;
        whileLoopRuns(loop, [&] {
            qaio::ConcurrentFuture<int> future = qaio::runCoroutineThreadsafe(cancelItself(), loop);
            future.wait();
            cancelled = future.cancelled();
            message = qaiotest::messageOf<qaio::CancelledError>([&] { future.result(); });
        });
        QVERIFY(cancelled);
        QVERIFY(message != QStringLiteral("(nothing thrown)"));
    }

    void resultWithATimeout()
    {
        auto &loop = guard->loop();
        qaio::Event release;
        bool started = false;
        bool sawCancel = false;
        QString timeoutMessage;
        bool waitedInVain = false;
        whileLoopRuns(loop, [&] {
            qaio::ConcurrentFuture<int> future =
                qaio::runCoroutineThreadsafe(waitUntilCancelled(release, started, sawCancel), loop);
            waitedInVain = !future.waitFor(std::chrono::milliseconds(1));
            timeoutMessage = qaiotest::messageOf<qaio::TimeoutError>([&] { future.result(std::chrono::milliseconds(1)); });
            future.cancel();
        });
        QVERIFY(waitedInVain);
        QCOMPARE(timeoutMessage, QStringLiteral("ConcurrentFuture::result(): timed out"));
        QVERIFY(sawCancel);
    }

    void qfutureGivesTheSameOutcome()
    {
        auto &loop = guard->loop();
        int value = 0;
        whileLoopRuns(loop, [&] {
            QFuture<int> future = qaio::runCoroutineThreadsafe(answerAfterAStep(), loop).qfuture();
            future.waitForFinished();
            value = future.result();
        });
        QCOMPARE(value, 42);
    }

    void cancellingTheQFutureCancelsTheTask()
    {
        auto &loop = guard->loop();
        qaio::Event never;
        bool started = false;
        bool sawCancel = false;
        bool cancelled = false;
        whileLoopRuns(loop, [&] {
            qaio::ConcurrentFuture<int> future =
                qaio::runCoroutineThreadsafe(waitUntilCancelled(never, started, sawCancel), loop);
            future.qfuture().cancel();
            future.wait(); // the loop's watcher turns the QFuture's cancel into the task's
            cancelled = future.cancelled();
        });
        QVERIFY(cancelled);
        QVERIFY(sawCancel);
    }

    void waitingOnTheLoopThreadIsRefused()
    {
        auto &loop = guard->loop();
        qaio::ConcurrentFuture<int> future = qaio::runCoroutineThreadsafe(answerAfterAStep(), loop);
        QVERIFY(qaiotest::messageOf<qaio::RuntimeError>([&] { future.result(); })
                    .startsWith(QStringLiteral("ConcurrentFuture: waiting on the loop's own thread")));
        hl::runBriefly(loop);
        QVERIFY(future.done());
        QCOMPARE(future.result(), 42); // done: no waiting, allowed
    }

    void aLoopClosedBeforeTheStartFailsTheFuture()
    {
        qaio::ConcurrentFuture<int> future = [] {
            qaio::EventLoop other;
            qaio::ConcurrentFuture<int> f = qaio::runCoroutineThreadsafe(answerAfterAStep(), other);
            other.close();
            return f;
        }();
        QVERIFY(future.done());
        QCOMPARE(qaiotest::messageOf<qaio::RuntimeError>([&] { future.result(); }),
                 QStringLiteral("the event loop closed before the coroutine started"));

        qaio::EventLoop closed;
        closed.close();
        QCOMPARE(qaiotest::messageOf<qaio::RuntimeError>([&] { qaio::runCoroutineThreadsafe(answerAfterAStep(), closed); }),
                 QStringLiteral("Event loop is closed"));
    }
};

QTEST_GUILESS_MAIN(tst_ConcurrentFuture)
#include "tst_concurrentfuture.moc"
