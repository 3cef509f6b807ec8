// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio::qfuture(): awaiting QFutures (QtConcurrent::run, QPromise, QFutureInterface).
#include "looptestcase.h"

#include <QtConcurrent/QtConcurrentRun>
#include <QtCore/QCryptographicHash>
#include <QtCore/QException>
#include <QtCore/QPromise>
#include <QtCore/QSemaphore>
#include <QtCore/QThread>
#include <QtCore/QThreadPool>
#include <QtTest/QtTest>

#include <memory>
#include <stdexcept>

class ParseError : public QException
{
public:
    explicit ParseError(int line) : line(line) {}
    void raise() const override { throw *this; }
    ParseError *clone() const override { return new ParseError(*this); }
    int line;
};

static qaio::Coro<int> addOne(QFuture<int> future, QThread **resumedOn)
{
    const int value = co_await qaio::qfuture(future);
    *resumedOn = QThread::currentThread();
    co_return value + 1;
}

// The documentation's example (qtfuture.h).
static qaio::Coro<QByteArray> digest(QByteArray data)
{
    qaio::Future<QByteArray> hashing = qaio::qfuture(QtConcurrent::run([data] {
        return QCryptographicHash::hash(data, QCryptographicHash::Sha256);
    }));
    QByteArray hash = co_await hashing;
    co_return hash;
}

class tst_QFuture : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // Pool threads own an event dispatcher (a file descriptor): start the one thread
        // the tests use now and keep it, so that LoopGuard's fd accounting stays exact.
        QThreadPool::globalInstance()->setMaxThreadCount(1);
        QThreadPool::globalInstance()->setExpiryTimeout(-1);
        QtConcurrent::run([] {}).waitForFinished();
    }

    void concurrentRunResult()
    {
        auto &loop = guard->loop();
        QThread *ranOn = nullptr;
        QThread *resumedOn = nullptr;
        QFuture<int> work = QtConcurrent::run([&ranOn] {
            ranOn = QThread::currentThread();
            return 41;
        });
        QCOMPARE(loop.runUntilComplete(addOne(work, &resumedOn)), 42);
        QVERIFY(ranOn != nullptr);
        QVERIFY(ranOn != QThread::currentThread());
        QCOMPARE(resumedOn, QThread::currentThread());
        QCOMPARE(loop.runUntilComplete(digest("abc")).toHex(),
                 QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    void voidFuture()
    {
        auto &loop = guard->loop();
        std::atomic<bool> ran{false};
        qaio::Future<void> done = qaio::qfuture(QtConcurrent::run([&ran] { ran = true; }));
        loop.runUntilComplete(done);
        QVERIFY(ran);
    }

    void alreadyFinishedFutureStillCompletesThroughTheLoop()
    {
        auto &loop = guard->loop();
        qaio::Future<QString> ready = qaio::qfuture(QtFuture::makeReadyFuture(QStringLiteral("ready")));
        QVERIFY(!ready.done()); // never completed inline
        QCOMPARE(loop.runUntilComplete(ready), QStringLiteral("ready"));
    }

    void moveOnlyResult()
    {
        auto &loop = guard->loop();
        QFuture<std::unique_ptr<int>> work = QtConcurrent::run([] { return std::make_unique<int>(7); });
        std::unique_ptr<int> value = loop.runUntilComplete(qaio::qfuture(std::move(work)));
        QVERIFY(value);
        QCOMPARE(*value, 7);
    }

    void qexceptionIsRethrown()
    {
        auto &loop = guard->loop();
        qaio::Future<int> failing = qaio::qfuture(QtConcurrent::run([]() -> int { throw ParseError(12); }));
        try {
            loop.runUntilComplete(failing);
            QFAIL("expected ParseError");
        } catch (const ParseError &error) {
            QCOMPARE(error.line, 12);
        }
    }

    void otherExceptionsArriveAsQUnhandledException()
    {
        auto &loop = guard->loop();
        qaio::Future<void> failing = qaio::qfuture(QtConcurrent::run([] { throw std::runtime_error("disk on fire"); }));
        try {
            loop.runUntilComplete(failing);
            QFAIL("expected QUnhandledException");
        } catch (const QUnhandledException &error) {
            QVERIFY(error.exception());
            try {
                std::rethrow_exception(error.exception());
            } catch (const std::runtime_error &inner) {
                QCOMPARE(QByteArray(inner.what()), QByteArray("disk on fire"));
            }
        }
    }

    void cancelledPromiseGivesCancelledError()
    {
        auto &loop = guard->loop();
        QPromise<int> promise;
        promise.start();
        QFuture<int> future = promise.future();
        qaio::Future<int> wrapped = qaio::qfuture(future);
        loop.callSoon([&] { future.cancel(); });
        // Cancelled as soon as Qt reports it, while the promise is still unfinished.
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(wrapped));
        QVERIFY(!future.isFinished());
        QVERIFY(promise.isCanceled());
        promise.finish();
    }

    void cancelledFutureInterface()
    {
        auto &loop = guard->loop();
        QFutureInterface<int> iface;
        iface.reportStarted();
        qaio::Future<int> wrapped = qaio::qfuture(iface.future());
        loop.callSoon([&] {
            iface.reportCanceled();
            iface.reportFinished();
        });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(wrapped));
        QVERIFY(wrapped.cancelled());
    }

    void promiseResultFromAnotherThread()
    {
        auto &loop = guard->loop();
        QPromise<int> promise;
        QFuture<int> future = promise.future();
        qaio::Future<int> wrapped = qaio::qfuture(future);
        std::unique_ptr<QThread> worker(QThread::create([&promise] {
            promise.start();
            promise.addResult(99);
            promise.finish();
        }));
        worker->start();
        QVERIFY(worker->wait());
        QVERIFY(!wrapped.done()); // delivered by this thread's event loop, not by the worker
        QCOMPARE(loop.runUntilComplete(wrapped), 99);
    }

    void finishedWithoutResult()
    {
        auto &loop = guard->loop();
        QPromise<int> promise;
        qaio::Future<int> wrapped = qaio::qfuture(promise.future());
        loop.callSoon([&] {
            promise.start();
            promise.finish();
        });
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.runUntilComplete(wrapped));
    }

    void cancellingTheAwaitingTaskCancelsTheQFuture()
    {
        auto &loop = guard->loop();
        QPromise<int> promise;
        promise.start();
        QThread *resumedOn = nullptr;
        qaio::Task<int> task = loop.createTask(addOne(promise.future(), &resumedOn));
        loop.callSoon([&] { task.cancel(); });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(task));
        loop.runOnce(); // the wrapped future's done callback
        QVERIFY(promise.isCanceled());
        QVERIFY(resumedOn == nullptr);
        promise.finish();
    }

    void waitingDoesNotBlockTheLoop()
    {
        auto &loop = guard->loop();
        QSemaphore gate;
        QFuture<int> work = QtConcurrent::run([&gate] {
            gate.acquire();
            return 5;
        });
        int ticks = 0;
        std::function<void()> tick = [&] {
            // Proves the loop runs while the job is held; the job is let go only from here.
            if (++ticks == 3)
                gate.release();
            if (!work.isFinished())
                loop.callSoon(tick);
        };
        loop.callSoon(tick);
        QCOMPARE(loop.runUntilComplete(qaio::qfuture(work)), 5);
        QVERIFY(ticks >= 3);
        while (loop.scheduledCallbackCount())
            loop.runOnce();
    }
};

QTEST_GUILESS_MAIN(tst_QFuture)
#include "tst_qfuture.moc"
