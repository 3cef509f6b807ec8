// Copyright (c) qaio authors. Licensed under the MIT license.
// addSignalHandler / removeSignalHandler (asyncio's add_signal_handler() family, shapes of
// CPython's test_unix_events SelectorEventLoopSignalTests): delivery as a callback of a
// later tick, exactly once for a signal that arrives while the loop waits in Qt's
// dispatcher, a burst coalesced without a lost wake-up, chaining to and restoring the
// disposition installed before, close() removing everything, and the refusals.
#include "exceptionchecks.h"
#include "looptestcase.h"
#include "signalpipe.h"

#include <qaio/qaio.h>

#include <QtCore/QSemaphore>
#include <QtCore/QThread>
#include <QtTest/QtTest>

#include <atomic>
#include <csignal>
#include <memory>

#include <unistd.h>

namespace {

std::atomic<int> g_previousHandlerCalls{0};

void previousHandler(int)
{
    g_previousHandlerCalls.fetch_add(1);
}

void sendToSelf(int signum)
{
    if (::kill(::getpid(), signum) != 0)
        qFatal("kill() failed");
}

/*! Stands for any SA_SIGINFO handler (qaio's) in currentHandler(). */
void siginfoHandler(int) {}

/*! The handler function now installed for \a signum. */
void (*currentHandler(int signum))(int)
{
    struct sigaction now{};
    ::sigaction(signum, nullptr, &now);
    return (now.sa_flags & SA_SIGINFO) ? &siginfoHandler : now.sa_handler;
}

/*! Runs the loop until \a calls reaches \a target (the handler stops the loop). */
void runUntilCalls(qaio::EventLoop &loop, const int &calls, int target)
{
    while (calls < target)
        loop.runForever();
}

} // namespace

class tst_Signals : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qaiotest::createSignalPipe(); }

    void handlerRunsAsACallbackOfALaterTick()
    {
        auto &loop = guard->loop();
        int calls = 0;
        bool ranInLoop = false;
        loop.addSignalHandler(SIGUSR1, [&] {
            ++calls;
            ranInLoop = qaio::runningLoopOrNull() == &loop;
            loop.stop();
        });
        sendToSelf(SIGUSR1);
        QCOMPARE(calls, 0); // never from the signal handler itself
        runUntilCalls(loop, calls, 1);
        QCOMPARE(calls, 1);
        QVERIFY(ranInLoop);
        QVERIFY(loop.removeSignalHandler(SIGUSR1));
        QVERIFY(currentHandler(SIGUSR1) == SIG_DFL);
    }

    void signalArrivingWhileTheLoopWaitsIsDeliveredExactlyOnce()
    {
        auto &loop = guard->loop();
        int calls = 0;
        loop.addSignalHandler(SIGUSR1, [&] {
            ++calls;
            loop.stop();
        });
        QSemaphore go;
        std::unique_ptr<QThread> sender(QThread::create([&go] {
            go.acquire();
            sendToSelf(SIGUSR1);
        }));
        sender->start();
        // Released from the loop's first tick: the loop then waits in Qt's dispatcher.
        loop.callSoon([&go] { go.release(); });
        runUntilCalls(loop, calls, 1);
        QVERIFY(sender->wait());
        // More ticks and Qt iterations: no second delivery.
        int ticks = 0;
        std::function<void()> tick = [&] {
            if (++ticks == 20)
                loop.stop();
            else
                loop.callSoon(tick);
        };
        loop.callSoon(tick);
        loop.runForever();
        QCOMPARE(calls, 1);
        QVERIFY(loop.removeSignalHandler(SIGUSR1));
    }

    void aBurstIsCoalescedWithoutLosingTheLastWakeUp()
    {
        auto &loop = guard->loop();
        int calls = 0;
        loop.addSignalHandler(SIGUSR1, [&] {
            ++calls;
            loop.stop();
        });
        for (int i = 0; i < 1000; ++i)
            sendToSelf(SIGUSR1);
        runUntilCalls(loop, calls, 1);
        QVERIFY(calls >= 1);
        QVERIFY(calls <= 1000);
        const int afterBurst = calls;
        sendToSelf(SIGUSR1); // one more after the burst is never lost
        runUntilCalls(loop, calls, afterBurst + 1);
        QCOMPARE(calls, afterBurst + 1);
        QVERIFY(loop.removeSignalHandler(SIGUSR1));
    }

    void chainsToAndRestoresTheDispositionInstalledBefore()
    {
        auto &loop = guard->loop();
        struct sigaction previous{};
        previous.sa_handler = previousHandler;
        sigemptyset(&previous.sa_mask);
        struct sigaction saved{};
        QCOMPARE(::sigaction(SIGUSR2, &previous, &saved), 0);
        g_previousHandlerCalls = 0;
        int calls = 0;
        loop.addSignalHandler(SIGUSR2, [&] {
            ++calls;
            loop.stop();
        });
        sendToSelf(SIGUSR2);
        runUntilCalls(loop, calls, 1);
        QCOMPARE(g_previousHandlerCalls.load(), 1); // chained, from the signal handler
        QVERIFY(loop.removeSignalHandler(SIGUSR2));
        QVERIFY(currentHandler(SIGUSR2) == &previousHandler);
        sendToSelf(SIGUSR2);
        QCOMPARE(g_previousHandlerCalls.load(), 2);
        QCOMPARE(calls, 1);
        QCOMPARE(::sigaction(SIGUSR2, &saved, nullptr), 0);
    }

    void replacingAHandlerKeepsOneRegistration()
    {
        auto &loop = guard->loop();
        int first = 0;
        int second = 0;
        loop.addSignalHandler(SIGUSR1, [&] { ++first; });
        loop.addSignalHandler(SIGUSR1, [&] {
            ++second;
            loop.stop();
        });
        sendToSelf(SIGUSR1);
        runUntilCalls(loop, second, 1);
        QCOMPARE(first, 0);
        QVERIFY(loop.removeSignalHandler(SIGUSR1));
        QVERIFY(!loop.removeSignalHandler(SIGUSR1));
        QVERIFY(currentHandler(SIGUSR1) == SIG_DFL);
    }

    void closeRemovesEveryHandler()
    {
        qaio::EventLoop loop;
        loop.addSignalHandler(SIGUSR1, [] {});
        loop.addSignalHandler(SIGUSR2, [] {});
        QVERIFY(currentHandler(SIGUSR1) == &siginfoHandler);
        loop.close();
        QVERIFY(currentHandler(SIGUSR1) == SIG_DFL);
        QVERIFY(currentHandler(SIGUSR2) == SIG_DFL);
        QVERIFY(!loop.removeSignalHandler(SIGUSR1));
        // Another loop may take the signals over now.
        qaio::EventLoop next;
        next.addSignalHandler(SIGUSR1, [] {});
        QVERIFY(next.removeSignalHandler(SIGUSR1));
    }

    void exceptionInAHandlerGoesToTheExceptionHandler()
    {
        auto &loop = guard->loop();
        guard->expectException(QStringLiteral("Exception in callback"));
        bool thrown = false;
        loop.addSignalHandler(SIGUSR1, [&] {
            thrown = true;
            loop.stop();
            throw std::runtime_error("handler failed");
        });
        sendToSelf(SIGUSR1);
        while (!thrown)
            loop.runForever();
        QVERIFY(loop.removeSignalHandler(SIGUSR1));
    }

    void refusals()
    {
        auto &loop = guard->loop();
        for (int bad : {0, -1, NSIG}) {
            QCOMPARE(qaiotest::messageOf<qaio::ValueError>([&] { loop.addSignalHandler(bad, [] {}); }),
                     QStringLiteral("addSignalHandler(): signum: invalid signal number %1").arg(bad));
            QCOMPARE(qaiotest::messageOf<qaio::ValueError>([&] { loop.removeSignalHandler(bad); }),
                     QStringLiteral("removeSignalHandler(): signum: invalid signal number %1").arg(bad));
        }
        for (int uncatchable : {SIGKILL, SIGSTOP})
            QCOMPARE(qaiotest::messageOf<qaio::RuntimeError>([&] { loop.addSignalHandler(uncatchable, [] {}); }),
                     QStringLiteral("addSignalHandler(): sig %1 cannot be caught").arg(uncatchable));
        QCOMPARE(qaiotest::messageOf<qaio::ValueError>([&] { loop.addSignalHandler(SIGUSR1, {}); }),
                 QStringLiteral("addSignalHandler(): callback is empty"));
        QVERIFY(!loop.removeSignalHandler(SIGUSR1));

        // Another loop of the same thread while this one handles a signal.
        loop.addSignalHandler(SIGUSR1, [] {});
        {
            qaio::EventLoop other;
            QVERIFY(qaiotest::messageOf<qaio::RuntimeError>([&] { other.addSignalHandler(SIGUSR2, [] {}); })
                        .contains(QStringLiteral("another event loop handles signals")));
            other.close();
        }
        QVERIFY(loop.removeSignalHandler(SIGUSR1));

        // Any thread but the main thread (asyncio: set_wakeup_fd only in the main thread).
        QString fromThread;
        std::unique_ptr<QThread> thread(QThread::create([&fromThread] {
            qaio::EventLoop threadLoop;
            fromThread = qaiotest::messageOf<qaio::RuntimeError>([&] { threadLoop.addSignalHandler(SIGUSR1, [] {}); });
            threadLoop.close();
        }));
        thread->start();
        QVERIFY(thread->wait());
        QCOMPARE(fromThread, QStringLiteral("addSignalHandler(): signal handlers can only be added from the main thread"));
        QVERIFY(currentHandler(SIGUSR1) == SIG_DFL);
    }
};

QTEST_GUILESS_MAIN(tst_Signals)
#include "tst_signals.moc"
