// Copyright (c) qaio authors. Licensed under the MIT license.
// Delays and timeouts at the limits, through every high-level API that takes one: a delay
// beyond the clock's range (1000 years, 1e10 s, infinity) saturates and never expires, a
// NaN is refused with ValueError naming the argument, and nothing is left scheduled.
#include "highlevel_helpers.h"
#include "looptestcase.h"

#include <QtTest/QtTest>

#include <limits>

using namespace std::chrono_literals;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInfinity = std::numeric_limits<double>::infinity();

template <class F>
QString valueErrorOf(F &&call)
{
    try {
        call();
    } catch (const qaio::ValueError &e) {
        return e.message();
    }
    return QStringLiteral("(no ValueError)");
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QString> sleepNaN()
{
    try {
        co_await qaio::sleep(kNaN);
    } catch (const qaio::ValueError &e) {
        co_return e.message();
    }
    co_return QStringLiteral("(no ValueError)");
}

} // namespace

class tst_DelayLimits : public LoopTestCase
{
    Q_OBJECT
public:
    // A VirtualClock: an idle loop jumps to the next deadline, so one that saturated and
    // were still reachable would fire at once.
    tst_DelayLimits() : LoopTestCase(Clock::Virtual) {}

private Q_SLOTS:
    void hugeSleepNeverWakes()
    {
        auto &loop = guard->loop();
        bool woke1 = false, woke2 = false, woke3 = false;
        qaio::Task<void> a = loop.createTask(hl::sleepFor(qaio::Duration::max(), &woke1));
        qaio::Task<void> b = loop.createTask([](bool *woke) -> qaio::Coro<void> {
            co_await qaio::sleep(std::chrono::years(1000));
            *woke = true;
        }(&woke2));
        qaio::Task<void> c = loop.createTask([](bool *woke) -> qaio::Coro<void> {
            co_await qaio::sleep(kInfinity);
            *woke = true;
        }(&woke3));
        loop.callLater(24h, [&] { loop.stop(); });
        loop.runForever();
        QVERIFY(!woke1 && !woke2 && !woke3);
        QVERIFY(!a.done() && !b.done() && !c.done());
        for (qaio::Task<void> *t : {&a, &b, &c})
            t->cancel();
        for (int ticks = 0; ticks < 10 && !(a.done() && b.done() && c.done()); ++ticks)
            loop.runOnce();
        QVERIFY(a.cancelled() && b.cancelled() && c.cancelled());
    }

    void nanSleepIsRefused()
    {
        auto &loop = guard->loop();
        const QString message = loop.runUntilComplete(sleepNaN());
        QCOMPARE(message, QStringLiteral("Invalid delay: NaN (not a number)"));
    }

    void hugeTimeoutsNeverExpire_data()
    {
        QTest::addColumn<int>("which");
        QTest::newRow("1000 years") << 0;
        QTest::newRow("1e10 seconds") << 1;
        QTest::newRow("infinite seconds") << 2;
        QTest::newRow("Duration::max()") << 3;
    }

    void hugeTimeoutsNeverExpire()
    {
        QFETCH(int, which);
        const qaio::Delay huge = which == 0 ? qaio::Delay(std::chrono::years(1000))
                               : which == 1 ? qaio::Delay(1e10)
                               : which == 2 ? qaio::Delay(kInfinity)
                                            : qaio::Delay(qaio::Duration::max());
        auto &loop = guard->loop();
        const qaio::TimePoint start = loop.time();
        const int sum = loop.runUntilComplete([&]() -> qaio::Coro<int> {
            const int a = co_await qaio::waitFor(hl::valueAfter(10ms, 1), huge);
            const int b = co_await qaio::timeout(huge, hl::valueAfter(10ms, 2));
            auto body = [](qaio::Timeout &) { return hl::valueAfter(10ms, 4); };
            const int c = co_await qaio::withTimeout(huge, body);
            std::vector<qaio::Task<int>> tasks{qaio::createTask(hl::valueAfter(10ms, 8))};
            auto waiting = qaio::wait(tasks, huge);
            auto [done, pending] = co_await std::move(waiting);
            int d = 0;
            if (done.size() == 1 && pending.empty())
                d = done.front().result();
            std::vector<qaio::Task<int>> more{qaio::createTask(hl::valueAfter(10ms, 16))};
            int e = 0;
            auto ac = qaio::asCompleted(more, huge);
            while (ac.remaining()) {
                const int value = co_await ac.next();
                e += value;
            }
            co_return a + b + c + d + e;
        }());
        QCOMPARE(sum, 1 + 2 + 4 + 8 + 16);
        QCOMPARE(hl::msSince(loop, start), 50);
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0)); // every deadline cancelled
    }

    void nanTimeoutsAreRefused()
    {
        auto &loop = guard->loop();
        QCOMPARE(valueErrorOf([] { (void)qaio::waitFor(hl::valueAfter(1ms, 1), kNaN); }),
                 QStringLiteral("Invalid timeout: NaN (not a number)"));
        QCOMPARE(valueErrorOf([] { (void)qaio::timeout(kNaN, hl::valueAfter(1ms, 1)); }),
                 QStringLiteral("Invalid delay: NaN (not a number)"));
        QCOMPARE(valueErrorOf([] {
                     auto body = [](qaio::Timeout &) { return hl::valueAfter(1ms, 1); };
                     (void)qaio::withTimeout(std::chrono::duration<double>(kNaN), body);
                 }),
                 QStringLiteral("Invalid delay: NaN (not a number)"));
        qaio::Future<int> f = loop.createFuture<int>();
        QCOMPARE(valueErrorOf([&] { (void)qaio::wait(std::vector<qaio::Future<int>>{f}, kNaN); }),
                 QStringLiteral("Invalid timeout: NaN (not a number)"));
        QCOMPARE(valueErrorOf([&] { (void)qaio::asCompleted(std::vector<qaio::Future<int>>{f}, kNaN); }),
                 QStringLiteral("Invalid timeout: NaN (not a number)"));
        QCOMPARE(valueErrorOf([&] { loop.callLater(kNaN, [] {}); }), QStringLiteral("Invalid delay: NaN (not a number)"));
        f.cancel();
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
        QCOMPARE(loop.pendingTaskCount(), std::size_t(0));
    }

    void timeoutDeadlineSaturates()
    {
        auto &loop = guard->loop();
        std::optional<qaio::TimePoint> when;
        loop.runUntilComplete([&]() -> qaio::Coro<void> {
            auto body = [&when](qaio::Timeout &t) -> qaio::Coro<void> {
                when = t.when();
                co_return;
            };
            co_await qaio::withTimeout(std::chrono::years(1000), body);
        }());
        QVERIFY(when.has_value());
        QCOMPARE(*when, qaio::TimePoint::max());
    }
};

QTEST_GUILESS_MAIN(tst_DelayLimits)
#include "tst_delaylimits.moc"
