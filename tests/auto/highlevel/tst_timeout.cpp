// Copyright (c) qaio authors. Licensed under the MIT license.
// timeout() / timeoutAt() / withTimeout(): asyncio.timeout() semantics (test_timeouts):
// expiry, no expiry, outer cancellation wins, reschedule, nesting, cancelling() restored.
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <QtTest/QtTest>

using namespace std::chrono_literals;
using hl::msSince;

class tst_Timeout : public LoopTestCase
{
    Q_OBJECT
public:
    tst_Timeout() : LoopTestCase(Clock::Virtual) {}

private Q_SLOTS:
    void expiryThrowsTimeoutError()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        bool timedOut = false, cleanedUp = false, cleanedBeforeTimeout = false;
        long long at = -1;
        int cancellingAfter = -1;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                (void)co_await qaio::timeout(10ms, hl::cancellable(1h, 1, &cleanedUp));
            } catch (const qaio::TimeoutError &) {
                timedOut = true;
                cleanedBeforeTimeout = cleanedUp;
                at = msSince(loop, start);
            }
            cancellingAfter = qaio::currentTask().cancelling();
            co_await qaio::sleep(1ms); // not left cancelled
        }());
        QVERIFY(timedOut);
        QVERIFY(cleanedBeforeTimeout);
        QCOMPARE(at, 10);
        QCOMPARE(cancellingAfter, 0);
    }

    void noExpiryReturnsValue()
    {
        auto &loop = guard->loop();
        const int v = loop.runUntilComplete([&]() -> qaio::Coro<int> {
            co_return co_await qaio::timeout(1s, hl::valueAfter(10ms, 3));
        }());
        QCOMPARE(v, 3);
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0)); // deadline timer cancelled
    }

    void noDeadline()
    {
        auto &loop = guard->loop();
        const int v = loop.runUntilComplete([&]() -> qaio::Coro<int> {
            co_return co_await qaio::timeout(std::nullopt, hl::valueAfter(5h, 4));
        }());
        QCOMPARE(v, 4);
    }

    void outerCancelIsCancelledErrorNotTimeout()
    {
        auto &loop = guard->loop();
        bool gotTimeout = false;
        // A named closure: the task outlives this statement, so must its captures.
        auto taskBody = [&]() -> qaio::Coro<int> {
            try {
                co_return co_await qaio::timeout(1h, hl::valueAfter(2h, 1));
            } catch (const qaio::TimeoutError &) {
                gotTimeout = true;
            }
            co_return 0;
        };
        qaio::Task<int> task = loop.createTask(taskBody());
        loop.callLater(10ms, [&] { task.cancel(QStringLiteral("outer")); });
        try {
            (void)loop.runUntilComplete(qaio::Future<int>(task));
            QFAIL("not cancelled");
        } catch (const qaio::CancelledError &e) {
            QCOMPARE(e.message(), QStringLiteral("outer"));
        }
        QVERIFY(!gotTimeout);
        QVERIFY(task.cancelled());
    }

    void outerCancelAtExpiryStillCancelledError()
    {
        // The deadline and an outer cancel() land in the same tick: two cancel requests,
        // the Timeout withdraws only its own, so the CancelledError is not swallowed.
        auto &loop = guard->loop();
        bool gotTimeout = false;
        // A named closure: the task outlives this statement, so must its captures.
        auto taskBody = [&]() -> qaio::Coro<void> {
            try {
                co_await qaio::timeout(10ms, hl::sleepFor(1h));
            } catch (const qaio::TimeoutError &) {
                gotTimeout = true;
            }
        };
        qaio::Task<void> task = loop.createTask(taskBody());
        loop.callSoon([&] {
            // Scheduled after the task's first step armed its deadline at +10 ms.
            loop.callLater(10ms, [&] { task.cancel(); });
        });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<void>(task)));
        QVERIFY(!gotTimeout);
        QVERIFY(task.cancelled());
    }

    void timeoutOfTaskCancelsIt()
    {
        auto &loop = guard->loop();
        bool cleanedUp = false;
        bool timedOut = false;
        qaio::Task<int> inner = loop.createTask(hl::cancellable(1h, 1, &cleanedUp));
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                (void)co_await qaio::timeout(5ms, inner);
            } catch (const qaio::TimeoutError &) {
                timedOut = true;
            }
        }());
        QVERIFY(timedOut);
        QVERIFY(inner.cancelled());
        QVERIFY(cleanedUp);
    }

    void rescheduleLaterLetsBodyFinish()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        std::optional<qaio::TimePoint> firstWhen, secondWhen;
        bool expiredInside = true;
        const int v = loop.runUntilComplete([&]() -> qaio::Coro<int> {
            co_return co_await qaio::withTimeout(10ms, [&](qaio::Timeout &t) -> qaio::Coro<int> {
                firstWhen = t.when();
                t.reschedule(loop.time() + 50ms);
                secondWhen = t.when();
                co_await qaio::sleep(30ms);
                expiredInside = t.expired();
                co_return 9;
            });
        }());
        QCOMPARE(v, 9);
        QVERIFY(firstWhen && *firstWhen == start + 10ms);
        QVERIFY(secondWhen && *secondWhen == start + 50ms);
        QVERIFY(!expiredInside);
        QCOMPARE(msSince(loop, start), 30);
    }

    void rescheduleEarlierExpiresEarlier()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        long long at = -1;
        bool expiredSeen = false;
        qaio::Timeout::State stateInCatch{};
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                co_await qaio::withTimeout(1h, [&](qaio::Timeout &t) -> qaio::Coro<void> {
                    t.reschedule(loop.time() + 20ms);
                    try {
                        co_await qaio::sleep(1h);
                    } catch (const qaio::CancelledError &) {
                        expiredSeen = t.expired();
                        stateInCatch = t.state();
                        throw;
                    }
                });
            } catch (const qaio::TimeoutError &) {
                at = msSince(loop, start);
            }
        }());
        QCOMPARE(at, 20);
        QVERIFY(expiredSeen);
        QCOMPARE(stateInCatch, qaio::Timeout::State::Expiring);
    }

    void rescheduleToNoneDisables()
    {
        auto &loop = guard->loop();
        const int v = loop.runUntilComplete([&]() -> qaio::Coro<int> {
            co_return co_await qaio::withTimeout(10ms, [&](qaio::Timeout &t) -> qaio::Coro<int> {
                t.reschedule(std::nullopt);
                co_await qaio::sleep(1s);
                co_return t.when() ? 0 : 1;
            });
        }());
        QCOMPARE(v, 1);
    }

    void rescheduleAfterExpiryThrows()
    {
        auto &loop = guard->loop();
        QString message;
        bool timedOut = false;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                co_await qaio::withTimeout(1ms, [&](qaio::Timeout &t) -> qaio::Coro<void> {
                    try {
                        co_await qaio::sleep(1h);
                    } catch (const qaio::CancelledError &) {
                        try {
                            t.reschedule(std::nullopt);
                        } catch (const qaio::RuntimeError &e) {
                            message = e.message();
                        }
                        throw;
                    }
                });
            } catch (const qaio::TimeoutError &) {
                timedOut = true;
            }
        }());
        QVERIFY(timedOut);
        QCOMPARE(message, QStringLiteral("Cannot change state of expiring Timeout"));
    }

    void pastDeadlineFiresAtNextTick()
    {
        auto &loop = guard->loop();
        bool bodyStarted = false, timedOut = false;
        const qaio::TimePoint start = loop.time();
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                co_await qaio::timeoutAt(loop.time() - 1s, [&]() -> qaio::Coro<void> {
                    bodyStarted = true;
                    co_await qaio::sleep(1h);
                }());
            } catch (const qaio::TimeoutError &) {
                timedOut = true;
            }
        }());
        QVERIFY(bodyStarted);
        QVERIFY(timedOut);
        QCOMPARE(msSince(loop, start), 0);
    }

    void bodySwallowingCancellationReturnsValue()
    {
        auto &loop = guard->loop();
        bool expired = false;
        int cancellingAfter = -1;
        const int v = loop.runUntilComplete([&]() -> qaio::Coro<int> {
            const int r = co_await qaio::withTimeout(5ms, [&](qaio::Timeout &t) -> qaio::Coro<int> {
                try {
                    co_await qaio::sleep(1h);
                } catch (const qaio::CancelledError &) {
                    expired = t.expired();
                }
                co_return 11;
            });
            cancellingAfter = qaio::currentTask().cancelling();
            co_return r;
        }());
        QCOMPARE(v, 11);
        QVERIFY(expired);
        QCOMPARE(cancellingAfter, 0);
    }

    void otherExceptionPassesThroughAfterExpiry()
    {
        auto &loop = guard->loop();
        std::string message;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                co_await qaio::withTimeout(5ms, [&](qaio::Timeout &) -> qaio::Coro<void> {
                    try {
                        co_await qaio::sleep(1h);
                    } catch (const qaio::CancelledError &) {
                        throw std::runtime_error("cleanup failed");
                    }
                });
            } catch (const std::runtime_error &e) {
                message = e.what(); // TimeoutError derives runtime_error too: check the text
            }
        }());
        QCOMPARE(message, std::string("cleanup failed"));
    }

    void nestedTimeouts()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        bool innerTimedOut = false, outerTimedOut = false, innerSawCancelled = false;
        long long innerAt = -1, outerAt = -1;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            // The inner deadline expires first: only the inner block times out.
            co_await qaio::timeout(100ms, [&]() -> qaio::Coro<void> {
                try {
                    co_await qaio::timeout(10ms, hl::sleepFor(1h));
                } catch (const qaio::TimeoutError &) {
                    innerTimedOut = true;
                    innerAt = msSince(loop, start);
                }
            }());
            // The outer deadline expires first: the inner block sees CancelledError, the
            // outer one turns it into TimeoutError.
            try {
                co_await qaio::timeout(10ms, [&]() -> qaio::Coro<void> {
                    try {
                        co_await qaio::timeout(100ms, hl::sleepFor(1h));
                    } catch (const qaio::CancelledError &) {
                        innerSawCancelled = true;
                        throw;
                    }
                }());
            } catch (const qaio::TimeoutError &) {
                outerTimedOut = true;
                outerAt = msSince(loop, start);
            }
        }());
        QVERIFY(innerTimedOut);
        QCOMPARE(innerAt, 10);
        QVERIFY(innerSawCancelled);
        QVERIFY(outerTimedOut);
        QCOMPARE(outerAt, 20);
    }
};

QTEST_GUILESS_MAIN(tst_Timeout)
#include "tst_timeout.moc"
