// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio::signal(): awaiting Qt signals (arguments, sender destruction, threads, cancellation).
#include "looptestcase.h"

#include <QtCore/QProcess>
#include <QtCore/QThread>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtCore/QTimer>
#include <QtTest/QtTest>

#include <limits>

#include <tuple>

using namespace std::chrono_literals;

class Emitter : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    void notASignal(int) {}
    void firePrivate(int v) { Q_EMIT privateOne(v, QPrivateSignal()); }
    int receiverCount(const char *signal) const { return receivers(signal); }

Q_SIGNALS:
    void none();
    void one(int value);
    void two(const QString &text, int number);
    void privateOne(int value, QPrivateSignal);
};

static_assert(std::is_same_v<decltype(qaio::signal(std::declval<Emitter *>(), &Emitter::none)), qaio::Future<void>>);
static_assert(std::is_same_v<decltype(qaio::signal(std::declval<Emitter *>(), &Emitter::one)), qaio::Future<int>>);
static_assert(std::is_same_v<decltype(qaio::signal(std::declval<Emitter *>(), &Emitter::two)),
                             qaio::Future<std::tuple<QString, int>>>);
static_assert(std::is_same_v<decltype(qaio::signal(std::declval<Emitter *>(), &Emitter::privateOne)), qaio::Future<int>>);
static_assert(std::is_same_v<decltype(qaio::signal(std::declval<QTimer *>(), &QTimer::timeout)), qaio::Future<void>>);

// The documentation's examples (qtsignal.h).
static qaio::Coro<QByteArray> fetch(QNetworkReply *reply)
{
    qaio::Future<void> finished = qaio::signal(reply, &QNetworkReply::finished); // connect first
    co_await finished;                                                             // no arguments
    co_return reply->readAll();
}

static qaio::Coro<int> exitCode(QProcess *process)
{
    auto [code, status] = co_await qaio::signal(process, &QProcess::finished);     // two arguments
    co_return status == QProcess::NormalExit ? code : -1;
}

static qaio::Coro<void> firstTimeout(QTimer *timer)
{
    co_await qaio::signal(timer, &QTimer::timeout, std::chrono::seconds(5));       // TimeoutError after 5 s
}

static qaio::Coro<QString> describeTwo(Emitter *e)
{
    auto [text, number] = co_await qaio::signal(e, &Emitter::two);
    co_return QStringLiteral("%1=%2").arg(text).arg(number);
}

static qaio::Coro<int> awaitOne(Emitter *e, QThread **resumedOn)
{
    const int value = co_await qaio::signal(e, &Emitter::one);
    *resumedOn = QThread::currentThread();
    co_return value;
}

static qaio::Coro<int> countTimeouts(QTimer *timer, int wanted)
{
    for (int n = 0; n < wanted; ++n)
        co_await qaio::signal(timer, &QTimer::timeout);
    co_return wanted;
}

class tst_Signal : public LoopTestCase
{
    Q_OBJECT

    Clock clockFor(const QByteArray &name) const override
    {
        return name.startsWith("timeout") ? Clock::Virtual : Clock::Real;
    }

private Q_SLOTS:

    void noArguments()
    {
        auto &loop = guard->loop();
        Emitter e;
        qaio::Future<void> fired = qaio::signal(&e, &Emitter::none);
        loop.callSoon([&] { Q_EMIT e.none(); });
        loop.runUntilComplete(fired);
        QVERIFY(fired.done());
        QCOMPARE(e.receiverCount(SIGNAL(none())), 0);
        QCOMPARE(e.receiverCount(SIGNAL(destroyed(QObject *))), 0);
    }

    void oneArgument()
    {
        auto &loop = guard->loop();
        Emitter e;
        QThread *resumedOn = nullptr;
        qaio::Task<int> task = loop.createTask(awaitOne(&e, &resumedOn));
        loop.callSoon([&] { Q_EMIT e.one(42); }); // after the task's first step connected
        QCOMPARE(loop.runUntilComplete(task), 42);
        QCOMPARE(resumedOn, QThread::currentThread());
        QCOMPARE(e.receiverCount(SIGNAL(one(int))), 0);
    }

    void twoArgumentsGiveATuple()
    {
        auto &loop = guard->loop();
        Emitter e;
        qaio::Task<QString> task = loop.createTask(describeTwo(&e));
        loop.callSoon([&] { Q_EMIT e.two(QStringLiteral("answer"), 42); });
        QCOMPARE(loop.runUntilComplete(task), QStringLiteral("answer=42"));
    }

    void privateSignalTagIsNotAnArgument()
    {
        auto &loop = guard->loop();
        Emitter e;
        qaio::Future<int> value = qaio::signal(&e, &Emitter::privateOne);
        loop.callSoon([&] { e.firePrivate(7); });
        QCOMPARE(loop.runUntilComplete(value), 7);

        QTimer timer;
        timer.setInterval(0);
        timer.start();
        QCOMPARE(loop.runUntilComplete(countTimeouts(&timer, 3)), 3);
        timer.stop();
    }

    void emissionBeforeAwaitIsNotLost()
    {
        auto &loop = guard->loop();
        Emitter e;
        qaio::Future<int> value = qaio::signal(&e, &Emitter::one);
        Q_EMIT e.one(5); // connected when signal() returned, before anything awaits
        Q_EMIT e.one(6); // single-shot: only the next emission counts
        QCOMPARE(loop.runUntilComplete(value), 5);
        qaio::Future<int> later = qaio::signal(&e, &Emitter::one);
        loop.callSoon([&] { Q_EMIT e.one(8); });
        QCOMPARE(loop.runUntilComplete(later), 8);
    }

    void senderDestroyedBeforeEmitting()
    {
        auto &loop = guard->loop();
        auto *e = new Emitter;
        qaio::Future<int> value = qaio::signal(e, &Emitter::one);
        loop.callSoon([e] { delete e; });
        try {
            loop.runUntilComplete(value);
            QFAIL("expected RuntimeError");
        } catch (const qaio::RuntimeError &error) {
            QCOMPARE(error.message(), QStringLiteral("qaio::signal(): sender destroyed before emitting one(int)"));
        }
    }

    void senderDestroyedAfterEmittingKeepsTheResult()
    {
        auto &loop = guard->loop();
        auto *e = new Emitter;
        qaio::Future<int> value = qaio::signal(e, &Emitter::one);
        loop.callSoon([e] {
            Q_EMIT e->one(3);
            delete e;
        });
        QCOMPARE(loop.runUntilComplete(value), 3);
    }

    void emissionFromWorkerThreadCompletesOnLoopThread()
    {
        auto &loop = guard->loop();
        Emitter e; // lives in this thread, emits from another one
        qaio::Future<int> value = qaio::signal(&e, &Emitter::one);
        std::unique_ptr<QThread> worker(QThread::create([&e] { Q_EMIT e.one(11); }));
        worker->start();
        QVERIFY(worker->wait());
        // The emission is over, but its delivery waits for this thread's event loop.
        QVERIFY(!value.done());
        QThread *completedOn = nullptr;
        value.addDoneCallback([&](const qaio::FutureBase &) { completedOn = QThread::currentThread(); });
        QCOMPARE(loop.runUntilComplete(value), 11);
        loop.runOnce(); // the done callback above
        QCOMPARE(completedOn, QThread::currentThread());
    }

    void senderLivingInWorkerThread()
    {
        auto &loop = guard->loop();
        QThread worker;
        worker.start();
        auto *e = new Emitter;
        e->moveToThread(&worker);

        qaio::Future<int> value = qaio::signal(e, &Emitter::one);
        QMetaObject::invokeMethod(e, [e] { Q_EMIT e->one(21); }, Qt::QueuedConnection);
        QCOMPARE(loop.runUntilComplete(value), 21);

        qaio::Future<int> never = qaio::signal(e, &Emitter::one);
        QMetaObject::invokeMethod(e, [e] { delete e; }, Qt::QueuedConnection);
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.runUntilComplete(never));
        worker.quit();
        QVERIFY(worker.wait());
    }

    void cancellingTheTaskDisconnects()
    {
        auto &loop = guard->loop();
        Emitter e;
        QThread *resumedOn = nullptr;
        qaio::Task<int> task = loop.createTask(awaitOne(&e, &resumedOn));
        loop.callSoon([&] {
            QCOMPARE(e.receiverCount(SIGNAL(one(int))), 1);
            task.cancel(QStringLiteral("no longer interested"));
        });
        try {
            loop.runUntilComplete(task);
            QFAIL("expected CancelledError");
        } catch (const qaio::CancelledError &error) {
            QCOMPARE(error.message(), QStringLiteral("no longer interested"));
        }
        QCOMPARE(e.receiverCount(SIGNAL(one(int))), 0);
        QCOMPARE(e.receiverCount(SIGNAL(destroyed(QObject *))), 0);
        Q_EMIT e.one(1); // nothing listens: no callback, no handler call
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
        QVERIFY(resumedOn == nullptr);
        QVERIFY(guard->handlerCalls().empty());
    }

    void timeoutFailsWithTimeoutError()
    {
        auto &loop = guard->loop();
        Emitter e;
        qaio::Future<int> value = qaio::signal(&e, &Emitter::one, 5s);
        const qaio::TimePoint start = loop.time();
        QVERIFY_THROWS_EXCEPTION(qaio::TimeoutError, loop.runUntilComplete(value));
        QCOMPARE(loop.time() - start, qaio::Duration(5s));
        loop.runOnce(); // the done callback that disconnects
        QCOMPARE(e.receiverCount(SIGNAL(one(int))), 0);
    }

    void timeoutNotReachedCancelsTheTimer()
    {
        auto &loop = guard->loop();
        Emitter e;
        qaio::Future<int> value = qaio::signal(&e, &Emitter::one, 5s);
        loop.callLater(1s, [&] { Q_EMIT e.one(9); });
        QCOMPARE(loop.runUntilComplete(value), 9);
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
    }

    void timeoutBeyondTheClockNeverExpires()
    {
        auto &loop = guard->loop();
        Emitter e;
        qaio::Future<int> value = qaio::signal(&e, &Emitter::one, std::chrono::years(1000));
        loop.callLater(24h, [&] { Q_EMIT e.one(7); }); // the virtual clock jumps here, not to the saturated deadline
        QCOMPARE(loop.runUntilComplete(value), 7);
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
        loop.runOnce(); // the done callback that disconnects
    }

    void timeoutNaNIsRefused()
    {
        Emitter e;
        QString message;
        try {
            (void)qaio::signal(&e, &Emitter::one, std::numeric_limits<double>::quiet_NaN());
        } catch (const qaio::ValueError &error) {
            message = error.message();
        }
        QCOMPARE(message, QStringLiteral("Invalid timeout: NaN (not a number)"));
        QCOMPARE(e.receiverCount(SIGNAL(one(int))), 0);
    }

    void documentationExamples()
    {
        auto &loop = guard->loop();
        {
            QProcess process;
            qaio::Task<int> code = loop.createTask(exitCode(&process));
            loop.callSoon([&] { process.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("exit 3")}); });
            QCOMPARE(loop.runUntilComplete(code), 3);
        }
        {
            QNetworkAccessManager manager;
            std::unique_ptr<QNetworkReply> reply(manager.get(QNetworkRequest(QUrl(QStringLiteral("data:,hello")))));
            QCOMPARE(loop.runUntilComplete(fetch(reply.get())), QByteArray("hello"));
        }
    }

    void timeoutDocumentationExample()
    {
        auto &loop = guard->loop();
        QTimer timer; // never started
        QVERIFY_THROWS_EXCEPTION(qaio::TimeoutError, loop.runUntilComplete(firstTimeout(&timer)));
    }

    void badArguments()
    {
        Emitter *nobody = nullptr;
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, qaio::signal(nobody, &Emitter::one));
        Emitter e;
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, qaio::signal(&e, &Emitter::notASignal));
        QCOMPARE(guard->loop().liveFutureCount(), std::size_t(0));
    }
};

QTEST_GUILESS_MAIN(tst_Signal)
#include "tst_signal.moc"
