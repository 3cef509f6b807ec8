// Copyright (c) qaio authors. Licensed under the MIT license.
// Loop lifecycle: run, stop, close, nested runs (asyncio test_base_events' lifecycle cases).
#include "looptestcase.h"

#include <QtTest/QtTest>

#include <thread>

using namespace std::chrono_literals;

namespace {

qaio::Coro<int> awaitValue(qaio::Future<int> f)
{
    const int value = co_await f;
    co_return value;
}

// A policy that hands out loops it made itself, to prove getEventLoop(), setEventLoop()
// and newEventLoop() go through the installed policy.
class CountingPolicy final : public qaio::EventLoopPolicy
{
public:
    qaio::EventLoop &getEventLoop() override
    {
        ++getCalls;
        if (current)
            return *current;
        if (!owned)
            owned = std::make_unique<qaio::EventLoop>();
        return *owned;
    }
    void setEventLoop(qaio::EventLoop *loop) override
    {
        ++setCalls;
        current = loop;
    }
    std::unique_ptr<qaio::EventLoop> newEventLoop() override
    {
        ++newCalls;
        return std::make_unique<qaio::EventLoop>();
    }

    int getCalls = 0;
    int setCalls = 0;
    int newCalls = 0;
    qaio::EventLoop *current = nullptr;
    std::unique_ptr<qaio::EventLoop> owned;
};

} // namespace

class tst_Lifecycle : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
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

    // asyncio checks closed / running before ensure_future(): a refused call schedules nothing.
    void refusedNestedRunUntilCompleteSchedulesNothing()
    {
        auto &loop = guard->loop();
        bool bodyRan = false;
        auto body = [](bool *ran) -> qaio::Coro<void> {
            *ran = true;
            co_return;
        };
        QString message;
        std::size_t tasksAfter = 99, callbacksAfter = 99;
        loop.callSoon([&] {
            const std::size_t callbacksBefore = loop.scheduledCallbackCount();
            try {
                loop.runUntilComplete(body(&bodyRan));
            } catch (const qaio::RuntimeError &e) {
                message = e.message();
            }
            tasksAfter = loop.pendingTaskCount();
            callbacksAfter = loop.scheduledCallbackCount() - callbacksBefore;
            loop.callLater(10ms, [&] { loop.stop(); }); // give a stray task every chance to run
        });
        loop.runForever();
        QCOMPARE(message, QStringLiteral("This event loop is already running"));
        QCOMPARE(tasksAfter, std::size_t(0));
        QCOMPARE(callbacksAfter, std::size_t(0));
        QVERIFY(!bodyRan);
    }

    void runUntilCompleteOnClosedLoopSchedulesNothing()
    {
        auto &loop = guard->loop();
        loop.close();
        bool bodyRan = false;
        auto body = [](bool *ran) -> qaio::Coro<int> {
            *ran = true;
            co_return 1;
        };
        QString message;
        try {
            loop.runUntilComplete(body(&bodyRan));
        } catch (const qaio::RuntimeError &e) {
            message = e.message();
        }
        QCOMPARE(message, QStringLiteral("Event loop is closed"));
        QCOMPARE(loop.pendingTaskCount(), std::size_t(0));
        QVERIFY(!bodyRan);
    }

    void runUntilCompleteStoppedEarlyThrows()
    {
        auto &loop = guard->loop();
        qaio::Future<int> f = loop.createFuture<int>();
        qaio::Task<int> task = loop.createTask(awaitValue(f));
        loop.callSoon([&] { loop.stop(); });
        QString message;
        try {
            loop.runUntilComplete(qaio::Future<int>(task));
        } catch (const qaio::RuntimeError &e) {
            message = e.message();
        }
        QCOMPARE(message, QStringLiteral("Event loop stopped before Future completed."));
        QVERIFY(!task.done());
        QCOMPARE(loop.pendingTaskCount(), std::size_t(1));
        QVERIFY(!loop.isRunning());

        // The run can be resumed: the task was only paused, not lost.
        loop.callSoon([f]() mutable { f.setResult(7); });
        QCOMPARE(loop.runUntilComplete(qaio::Future<int>(task)), 7);
        QVERIFY(task.done());
        QCOMPARE(loop.pendingTaskCount(), std::size_t(0));
    }

    void runUntilCompleteReturnsResultAndRethrows()
    {
        auto &loop = guard->loop();
        qaio::Future<int> ok = loop.createFuture<int>();
        loop.callSoon([ok]() mutable { ok.setResult(42); });
        QCOMPARE(loop.runUntilComplete(ok), 42);

        qaio::Future<int> bad = loop.createFuture<int>();
        loop.callSoon([bad]() mutable { bad.setException(std::runtime_error("boom")); });
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, loop.runUntilComplete(bad));

        // Already done: returns after one tick without waiting.
        QCOMPARE(loop.runUntilComplete(ok), 42);
    }

    void stopBeforeRunForeverRunsOneTick()
    {
        auto &loop = guard->loop();
        int first = 0, second = 0, third = 0;
        loop.callSoon([&] {
            ++first;
            loop.callSoon([&] {
                ++second;
                loop.callSoon([&] { ++third; });
            });
        });
        loop.stop();
        loop.runForever();
        QCOMPARE(first, 1);
        QCOMPARE(second, 0);
        QVERIFY(!loop.isRunning());

        // The stop request was consumed: the next run is a normal one again.
        loop.callSoon([&] { loop.callSoon([&] { loop.stop(); }); });
        loop.runForever();
        QCOMPARE(second, 1);
        QCOMPARE(third, 1);
    }

    void stopWithNothingScheduledReturns()
    {
        auto &loop = guard->loop();
        loop.stop();
        loop.runForever(); // must not block: one (empty) tick, then return
        QVERIFY(!loop.isRunning());
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
    }

    void stopEndsRunAfterCurrentTick()
    {
        auto &loop = guard->loop();
        QStringList order;
        loop.callSoon([&] {
            order << "a";
            loop.stop();
            loop.callSoon([&] { order << "next-tick"; });
        });
        loop.callSoon([&] { order << "b"; }); // same tick as "a": still runs
        loop.runForever();
        QCOMPARE(order, (QStringList{"a", "b"}));
        loop.runOnce();
        QCOMPARE(order, (QStringList{"a", "b", "next-tick"}));
    }

    void stopInsideNestedQtLoop()
    {
        auto &loop = guard->loop();
        QStringList order;
        loop.callSoon([&] {
            QEventLoop nested; // what QDialog::exec() does inside a callback
            loop.callSoon([&] {
                order << "nested-1";
                loop.stop();
                // The nested loop still serves qaio after stop(): it is not runForever()'s.
                loop.callSoon([&] {
                    order << "nested-2";
                    nested.quit();
                });
            });
            nested.exec();
            order << "nested-returned";
            loop.callSoon([&] { order << "after-stop"; });
        });
        loop.runForever();
        QCOMPARE(order, (QStringList{"nested-1", "nested-2", "nested-returned"}));
        QVERIFY(!loop.isRunning());
        loop.runOnce();
        QCOMPARE(order.last(), QStringLiteral("after-stop"));
    }

    void runForeverInsideOtherRunningLoopThrows()
    {
        auto &loop = guard->loop();
        std::unique_ptr<qaio::EventLoop> other = qaio::newEventLoop();
        QString message;
        bool otherRunning = true;
        loop.callSoon([&] {
            try {
                other->runForever();
            } catch (const qaio::RuntimeError &e) {
                message = e.message();
            }
            otherRunning = other->isRunning();
            loop.stop();
        });
        loop.runForever();
        QCOMPARE(message, QStringLiteral("Cannot run the event loop while another loop is running"));
        QVERIFY(!otherRunning);

        // runUntilComplete() on the other loop is refused the same way.
        QString completeMessage;
        qaio::Future<int> otherFuture = other->createFuture<int>();
        loop.callSoon([&] {
            try {
                (void)other->runUntilComplete(otherFuture);
            } catch (const qaio::RuntimeError &e) {
                completeMessage = e.message();
            }
            loop.stop();
        });
        loop.runForever();
        QCOMPARE(completeMessage, QStringLiteral("Cannot run the event loop while another loop is running"));
        QVERIFY(!otherFuture.done());
        otherFuture.cancel();
        other->close();
    }

    void isRunningAndIsClosedTransitions()
    {
        auto &loop = guard->loop();
        QVERIFY(!loop.isRunning());
        QVERIFY(!loop.isClosed());
        bool runningInCallback = false;
        bool runningInTask = false;
        loop.callSoon([&] {
            runningInCallback = loop.isRunning();
            loop.stop();
        });
        loop.runForever();
        QVERIFY(runningInCallback);
        QVERIFY(!loop.isRunning());
        loop.runUntilComplete([](qaio::EventLoop &l, bool &out) -> qaio::Coro<void> {
            out = l.isRunning();
            co_return;
        }(loop, runningInTask));
        QVERIFY(runningInTask);
        QVERIFY(!loop.isRunning());
        loop.close();
        QVERIFY(loop.isClosed());
        QVERIFY(!loop.isRunning());
    }

    void getRunningLoopOutsideAndInside()
    {
        auto &loop = guard->loop();
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, qaio::getRunningLoop());
        QCOMPARE(qaio::runningLoopOrNull(), nullptr);
        qaio::EventLoop *inCallback = nullptr;
        qaio::EventLoop *inTimer = nullptr;
        loop.callSoon([&] { inCallback = &qaio::getRunningLoop(); });
        loop.callLater(0ms, [&] {
            inTimer = &qaio::getRunningLoop();
            loop.stop();
        });
        loop.runForever();
        QCOMPARE(inCallback, &loop);
        QCOMPARE(inTimer, &loop);

        qaio::EventLoop *inTask = loop.runUntilComplete([]() -> qaio::Coro<qaio::EventLoop *> {
            co_await qaio::sleep(0);
            co_return &qaio::getRunningLoop();
        }());
        QCOMPARE(inTask, &loop);
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, qaio::getRunningLoop());
    }

    void getSetNewEventLoop()
    {
        auto &loop = guard->loop();
        // LoopGuard made its loop the thread's current one.
        QCOMPARE(&qaio::getEventLoop(), &loop);

        std::unique_ptr<qaio::EventLoop> fresh = qaio::newEventLoop();
        QVERIFY(fresh);
        QVERIFY(fresh.get() != &loop);
        QVERIFY(!fresh->isRunning());
        QVERIFY(!fresh->isClosed());

        qaio::setEventLoop(fresh.get());
        QCOMPARE(&qaio::getEventLoop(), fresh.get());

        // While a loop runs, getEventLoop() returns the running one, whatever is set.
        qaio::EventLoop *seen = nullptr;
        loop.callSoon([&] {
            seen = &qaio::getEventLoop();
            loop.stop();
        });
        loop.runForever();
        QCOMPARE(seen, &loop);

        qaio::setEventLoop(&loop);
        QCOMPARE(&qaio::getEventLoop(), &loop);
        fresh.reset();
    }

    void customEventLoopPolicy()
    {
        auto &loop = guard->loop();
        auto owned = std::make_unique<CountingPolicy>();
        CountingPolicy *policy = owned.get();
        qaio::setEventLoopPolicy(std::move(owned));
        // Restored even if a check fails, so that later tests see the default policy.
        auto restore = qScopeGuard([&loop] {
            qaio::setEventLoopPolicy(nullptr);
            qaio::setEventLoop(&loop);
        });
        QCOMPARE(&qaio::getEventLoopPolicy(), static_cast<qaio::EventLoopPolicy *>(policy));

        qaio::EventLoop &fromPolicy = qaio::getEventLoop();
        QCOMPARE(policy->getCalls, 1);
        QCOMPARE(&fromPolicy, policy->owned.get());
        QVERIFY(&fromPolicy != &loop);

        std::unique_ptr<qaio::EventLoop> made = qaio::newEventLoop();
        QCOMPARE(policy->newCalls, 1);
        QVERIFY(made);

        qaio::setEventLoop(made.get());
        QCOMPARE(policy->setCalls, 1);
        QCOMPARE(&qaio::getEventLoop(), made.get());
        QCOMPARE(policy->getCalls, 2);

        // The running loop wins without consulting the policy.
        qaio::EventLoop *seen = nullptr;
        loop.callSoon([&] {
            seen = &qaio::getEventLoop();
            loop.stop();
        });
        loop.runForever();
        QCOMPARE(seen, &loop);
        QCOMPARE(policy->getCalls, 2);

        qaio::setEventLoop(nullptr);
        made.reset();
        restore.dismiss();
        qaio::setEventLoopPolicy(nullptr); // back to the default policy
        QVERIFY(dynamic_cast<qaio::DefaultEventLoopPolicy *>(&qaio::getEventLoopPolicy()) != nullptr);
        qaio::setEventLoop(&loop);
        QCOMPARE(&qaio::getEventLoop(), &loop);
    }

    void bareThreadHasNoEventLoop()
    {
        bool threw = false;
        QString message;
        std::thread worker([&] {
            try {
                (void)qaio::getEventLoop();
            } catch (const qaio::RuntimeError &e) {
                threw = true;
                message = e.message();
            }
        });
        worker.join();
        QVERIFY(threw);
        QVERIFY2(message.contains(QStringLiteral("no current event loop")), qPrintable(message));
    }
};

QTEST_GUILESS_MAIN(tst_Lifecycle)
#include "tst_lifecycle.moc"
