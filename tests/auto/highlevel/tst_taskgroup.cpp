// Copyright (c) qaio authors. Licensed under the MIT license.
// TaskGroup / withTaskGroup(): asyncio's test_taskgroups cases: all succeed, one or two
// children fail, the body throws, the parent is cancelled, uncancel bookkeeping.
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <QtTest/QtTest>

using namespace std::chrono_literals;
using hl::msSince;

namespace {

std::vector<std::string> messagesOf(const qaio::ExceptionGroup &group)
{
    std::vector<std::string> out;
    for (const auto &e : group.exceptions())
        out.push_back(hl::messageOf(e));
    return out;
}

qaio::Coro<int> failNow(std::string message)
{
    throw std::runtime_error(message);
    co_return 0;
}

} // namespace

class tst_TaskGroup : public LoopTestCase
{
    Q_OBJECT
public:
    tst_TaskGroup() : LoopTestCase(Clock::Virtual) {}

private Q_SLOTS:
    void allSucceed()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        qaio::Task<int> a, b, c;
        bool allDoneAtExit = false;
        const int bodyResult = loop.runUntilComplete([&]() -> qaio::Coro<int> {
            const int r = co_await qaio::withTaskGroup([&](qaio::TaskGroup &g) -> qaio::Coro<int> {
                a = g.createTask(hl::valueAfter(30ms, 1));
                b = g.createTask(hl::valueAfter(10ms, 2), QStringLiteral("b"));
                c = g.createTask(hl::valueAfter(20ms, 3));
                co_return 99; // the group still waits for its children
            });
            allDoneAtExit = a.done() && b.done() && c.done();
            co_return r;
        }());
        QCOMPARE(bodyResult, 99);
        QVERIFY(allDoneAtExit);
        QCOMPARE(a.result() + b.result() + c.result(), 6);
        QCOMPARE(b.name(), QStringLiteral("b"));
        QCOMPARE(msSince(loop, start), 30);
    }

    void oneFailsCancelsOthersAndBody()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        bool cleanedA = false, cleanedB = false, bodyCancelled = false;
        std::vector<std::string> errors;
        long long endedAt = -1;
        int cancellingAfter = -1;
        bool sleptAfter = false;
        qaio::Task<int> a, b;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                co_await qaio::withTaskGroup([&](qaio::TaskGroup &g) -> qaio::Coro<void> {
                    a = g.createTask(hl::cancellable(1h, 1, &cleanedA));
                    b = g.createTask(hl::cancellable(1h, 2, &cleanedB));
                    g.createTask(hl::failAfter(10ms, "child failed"));
                    try {
                        co_await qaio::sleep(1h); // interrupted by the group
                    } catch (const qaio::CancelledError &) {
                        bodyCancelled = true;
                        throw;
                    }
                });
            } catch (const qaio::ExceptionGroup &e) {
                errors = messagesOf(e);
                endedAt = msSince(loop, start);
            }
            // The cancellation the group sent to this task was withdrawn.
            cancellingAfter = qaio::currentTask().cancelling();
            co_await qaio::sleep(1ms);
            sleptAfter = true;
        }());
        QCOMPARE(errors, (std::vector<std::string>{"child failed"}));
        QCOMPARE(endedAt, 10);
        QVERIFY(bodyCancelled);
        QVERIFY(a.cancelled() && b.cancelled());
        QVERIFY(cleanedA && cleanedB);
        QCOMPARE(cancellingAfter, 0);
        QVERIFY(sleptAfter);
    }

    void twoFail()
    {
        auto &loop = guard->loop();
        std::vector<std::string> errors;
        bool cleaned = false;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                co_await qaio::withTaskGroup([&](qaio::TaskGroup &g) -> qaio::Coro<void> {
                    g.createTask(failNow("first"));
                    g.createTask(failNow("second"));
                    g.createTask(hl::cancellable(1h, 0, &cleaned));
                    co_return;
                });
            } catch (const qaio::ExceptionGroup &e) {
                errors = messagesOf(e);
            }
        }());
        QCOMPARE(errors, (std::vector<std::string>{"first", "second"}));
        QVERIFY(cleaned);
    }

    void childFailsWhileParentWaitsAtExit()
    {
        // The body is done; the failure interrupts the group's final wait instead.
        auto &loop = guard->loop();
        std::vector<std::string> errors;
        bool cleaned = false;
        int cancellingAfter = -1;
        bool sleptAfter = false;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                co_await qaio::withTaskGroup([&](qaio::TaskGroup &g) -> qaio::Coro<void> {
                    g.createTask(hl::failAfter(10ms, "late"));
                    g.createTask(hl::cancellable(1h, 0, &cleaned));
                    co_return;
                });
            } catch (const qaio::ExceptionGroup &e) {
                errors = messagesOf(e);
            }
            cancellingAfter = qaio::currentTask().cancelling();
            co_await qaio::sleep(1ms);
            sleptAfter = true;
        }());
        QCOMPARE(errors, (std::vector<std::string>{"late"}));
        QVERIFY(cleaned);
        QCOMPARE(cancellingAfter, 0);
        QVERIFY(sleptAfter);
    }

    void bodyThrows()
    {
        auto &loop = guard->loop();
        bool cleaned = false;
        std::vector<std::string> errors;
        qaio::Task<int> child;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                co_await qaio::withTaskGroup([&](qaio::TaskGroup &g) -> qaio::Coro<void> {
                    child = g.createTask(hl::cancellable(1h, 0, &cleaned));
                    co_await qaio::sleep(5ms);
                    throw std::runtime_error("body failed");
                });
            } catch (const qaio::ExceptionGroup &e) {
                errors = messagesOf(e);
            }
        }());
        QCOMPARE(errors, (std::vector<std::string>{"body failed"}));
        QVERIFY(child.cancelled());
        QVERIFY(cleaned);
    }

    void childErrorsComeBeforeBodyError()
    {
        auto &loop = guard->loop();
        std::vector<std::string> errors;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                co_await qaio::withTaskGroup([&](qaio::TaskGroup &g) -> qaio::Coro<void> {
                    g.createTask(hl::failAfter(5ms, "child"));
                    try {
                        co_await qaio::sleep(1h);
                    } catch (const qaio::CancelledError &) {
                        // The body turns the group's cancellation into its own error.
                    }
                    throw std::runtime_error("body");
                });
            } catch (const qaio::ExceptionGroup &e) {
                errors = messagesOf(e);
            }
        }());
        QCOMPARE(errors, (std::vector<std::string>{"child", "body"}));
    }

    void parentCancelledFromOutside()
    {
        auto &loop = guard->loop();
        bool cleanedA = false, cleanedB = false, gotGroupError = false;
        // A named closure: the task outlives this statement, so must its captures.
        auto parentBody = [&]() -> qaio::Coro<void> {
            try {
                co_await qaio::withTaskGroup([&](qaio::TaskGroup &g) -> qaio::Coro<void> {
                    g.createTask(hl::cancellable(1h, 1, &cleanedA));
                    g.createTask(hl::cancellable(1h, 2, &cleanedB));
                    co_await qaio::sleep(1h);
                });
            } catch (const qaio::ExceptionGroup &) {
                gotGroupError = true;
            }
        };
        qaio::Task<void> parent = loop.createTask(parentBody());
        loop.callLater(10ms, [&] { parent.cancel(); });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<void>(parent)));
        QVERIFY(parent.cancelled());
        QVERIFY(cleanedA && cleanedB);
        QVERIFY(!gotGroupError);
    }

    void parentCancelledWhileWaitingAtExit()
    {
        auto &loop = guard->loop();
        bool cleaned = false;
        // A named closure: the task outlives this statement, so must its captures.
        auto parentBody = [&]() -> qaio::Coro<void> {
            co_await qaio::withTaskGroup([&](qaio::TaskGroup &g) -> qaio::Coro<void> {
                g.createTask(hl::cancellable(1h, 1, &cleaned));
                co_return;
            });
        };
        qaio::Task<void> parent = loop.createTask(parentBody());
        loop.callLater(10ms, [&] { parent.cancel(); });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<void>(parent)));
        QVERIFY(parent.cancelled());
        QVERIFY(cleaned);
    }

    void parentCancelledAndChildFailsKeepsCancellation()
    {
        // Outside cancellation + a child error: ExceptionGroup is thrown, and the parent is
        // cancelled again so the outer request is not lost.
        auto &loop = guard->loop();
        std::vector<std::string> errors;
        bool cancelledAfterGroup = false;
        // A named closure: the task outlives this statement, so must its captures.
        auto parentBody = [&]() -> qaio::Coro<void> {
            try {
                co_await qaio::withTaskGroup([&](qaio::TaskGroup &g) -> qaio::Coro<void> {
                    g.createTask([]() -> qaio::Coro<int> {
                        try {
                            co_await qaio::sleep(1h);
                        } catch (const qaio::CancelledError &) {
                            throw std::runtime_error("failed while cancelled");
                        }
                        co_return 0;
                    }());
                    co_await qaio::sleep(1h);
                });
            } catch (const qaio::ExceptionGroup &e) {
                errors = messagesOf(e);
            }
            try {
                co_await qaio::sleep(1ms);
            } catch (const qaio::CancelledError &) {
                cancelledAfterGroup = true;
                throw;
            }
        };
        qaio::Task<void> parent = loop.createTask(parentBody());
        loop.callLater(10ms, [&] { parent.cancel(); });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<void>(parent)));
        QCOMPARE(errors, (std::vector<std::string>{"failed while cancelled"}));
        QVERIFY(cancelledAfterGroup);
    }

    void cancelledChildIsNotAnError()
    {
        auto &loop = guard->loop();
        qaio::Task<int> victim, other;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            co_await qaio::withTaskGroup([&](qaio::TaskGroup &g) -> qaio::Coro<void> {
                victim = g.createTask(hl::valueAfter(1h, 1));
                other = g.createTask(hl::valueAfter(20ms, 2));
                co_await qaio::sleep(5ms);
                victim.cancel();
            });
        }());
        QVERIFY(victim.cancelled());
        QCOMPARE(other.result(), 2);
    }

    void createTaskWhileShuttingDownThrows()
    {
        auto &loop = guard->loop();
        QString message;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            try {
                co_await qaio::withTaskGroup([&](qaio::TaskGroup &g) -> qaio::Coro<void> {
                    g.createTask(failNow("x"));
                    try {
                        co_await qaio::sleep(1h);
                    } catch (const qaio::CancelledError &) {
                        try {
                            g.createTask(hl::valueAfter(1ms, 1));
                        } catch (const qaio::RuntimeError &e) {
                            message = e.message();
                        }
                        throw;
                    }
                });
            } catch (const qaio::ExceptionGroup &) {
            }
        }());
        QVERIFY2(message.contains(QStringLiteral("is shutting down")), qPrintable(message));
    }

    void childrenCreatedByChildren()
    {
        // A child may add tasks to the group while it runs; the group waits for them.
        auto &loop = guard->loop();
        std::vector<int> finished;
        qaio::TaskGroup *group = nullptr;
        // Declared here: the child task runs after the body's frame is gone.
        auto spawner = [&]() -> qaio::Coro<int> {
            co_await qaio::sleep(5ms);
            group->createTask(hl::valueAfter(10ms, 2, &finished));
            co_return 1;
        };
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            co_await qaio::withTaskGroup([&](qaio::TaskGroup &g) -> qaio::Coro<void> {
                group = &g;
                g.createTask(spawner());
                co_return;
            });
        }());
        QCOMPARE(finished, (std::vector<int>{2}));
    }
};

QTEST_GUILESS_MAIN(tst_TaskGroup)
#include "tst_taskgroup.moc"
