// Copyright (c) qaio authors. Licensed under the MIT license.
// Loop lifecycle: run, stop, close, nested runs (asyncio test_base_events' lifecycle cases).
#include "loopguard.h"

#include <QtTest/QtTest>

using namespace std::chrono_literals;

class tst_Lifecycle : public QObject
{
    Q_OBJECT
    std::optional<LoopGuard> guard;

private Q_SLOTS:
    void init() { guard.emplace(); }
    void cleanup()
    {
        QVERIFY2(guard->finish(), qPrintable(guard->failure()));
        guard.reset();
    }

    void closeTwiceIsFine()
    {
        auto &loop = guard->loop();
        loop.close();
        loop.close();
        QVERIFY(loop.isClosed());
    }

    void schedulingAfterCloseThrows()
    {
        auto &loop = guard->loop();
        loop.close();
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.callSoon([] {}));
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.callLater(1ms, [] {}));
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.callAt(loop.time(), [] {}));
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.callSoonThreadsafe([] {}));
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.createFuture<int>());
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.runForever());
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.runInExecutor([] { return 1; }));
    }

    void closingRunningLoopThrows()
    {
        auto &loop = guard->loop();
        bool threw = false;
        loop.callSoon([&] {
            try {
                loop.close();
            } catch (const qaio::RuntimeError &) {
                threw = true;
            }
            loop.stop();
        });
        loop.runForever();
        QVERIFY(threw);
        QVERIFY(!loop.isClosed());
    }

    void runningInsideRunningThrows()
    {
        auto &loop = guard->loop();
        QString message;
        loop.callSoon([&] {
            try {
                loop.runForever();
            } catch (const qaio::RuntimeError &e) {
                message = e.message();
            }
            loop.stop();
        });
        loop.runForever();
        QCOMPARE(message, QStringLiteral("This event loop is already running"));
    }
};

QTEST_GUILESS_MAIN(tst_Lifecycle)
#include "tst_lifecycle.moc"
