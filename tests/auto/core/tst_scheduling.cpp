// Copyright (c) qaio authors. Licensed under the MIT license.
// Scheduling: the ready queue, ticks, the timer heap, handles, thread-safe scheduling,
// the exception handler and debug mode (asyncio test_base_events / test_events cases).
#include "looptestcase.h"
#include "messagecapture.h"

#include <QtTest/QtTest>

#include <limits>
#include <memory>
#include <mutex>
#include <semaphore>
#include <thread>

using namespace std::chrono_literals;

using qaiotest::MessageCapture;

class tst_Scheduling : public LoopTestCase
{
    Q_OBJECT
public:
    // Every test runs on a VirtualClock: timer logic is exact and instant.
    tst_Scheduling() : LoopTestCase(Clock::Virtual) {}

private Q_SLOTS:
    void callSoonIsFifo()
    {
        auto &loop = guard->loop();
        std::vector<int> order;
        for (int i = 0; i < 100; ++i)
            loop.callSoon([&order, i] { order.push_back(i); });
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(100));
        loop.callSoon([&] { loop.stop(); });
        loop.runForever();
        QCOMPARE(order.size(), std::size_t(100));
        for (int i = 0; i < 100; ++i)
            QCOMPARE(order[std::size_t(i)], i);
    }

    void callbacksAddedDuringTickRunInNextTick()
    {
        auto &loop = guard->loop();
        QStringList order;
        loop.callSoon([&] {
            order << "a";
            loop.callSoon([&] {
                order << "c";
                loop.callSoon([&] { order << "d"; });
            });
        });
        loop.callSoon([&] { order << "b"; });

        loop.runOnce();
        QCOMPARE(order, (QStringList{"a", "b"}));
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(1));
        loop.runOnce();
        QCOMPARE(order, (QStringList{"a", "b", "c"}));
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(1));
        loop.runOnce();
        QCOMPARE(order, (QStringList{"a", "b", "c", "d"}));
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
    }

    void selfReschedulingCallbackRunsOncePerTick()
    {
        auto &loop = guard->loop();
        int runs = 0;
        bool keepGoing = true;
        std::function<void()> again = [&] {
            ++runs;
            if (keepGoing)
                loop.callSoon(again);
        };
        loop.callSoon(again);
        loop.runOnce();
        QCOMPARE(runs, 1);
        loop.runOnce();
        QCOMPARE(runs, 2);
        loop.runOnce();
        QCOMPARE(runs, 3);
        keepGoing = false;
        loop.runOnce();
        QCOMPARE(runs, 4);
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
    }

    void callLaterAndCallAtOrderOnVirtualClock()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint t0 = loop.time();
        QCOMPARE(t0, guard->clock()->now());
        QStringList order;
        std::vector<qaio::TimePoint> seenAt;
        auto record = [&](const char *name) {
            return [&, name] {
                order << QString::fromLatin1(name);
                seenAt.push_back(loop.time());
            };
        };
        qaio::TimerHandle c = loop.callLater(3s, record("c"));
        qaio::TimerHandle a = loop.callLater(1s, record("a"));
        qaio::TimerHandle b = loop.callAt(t0 + 2s, record("b"));
        qaio::TimerHandle half = loop.callLater(0.5, record("half"));
        qaio::TimerHandle hour = loop.callLater(std::chrono::hours(1), [&] { loop.stop(); });
        QCOMPARE(a.when(), t0 + 1s);
        QCOMPARE(b.when(), t0 + 2s);
        QCOMPARE(c.when(), t0 + 3s);
        QCOMPARE(half.when(), t0 + 500ms);
        QCOMPARE(hour.when(), t0 + std::chrono::hours(1));
        QCOMPARE(loop.timerHeapSize(), std::size_t(5));

        loop.runForever();
        QCOMPARE(order, (QStringList{"half", "a", "b", "c"}));
        // Each callback saw the loop's time at exactly its deadline.
        QCOMPARE(seenAt.size(), std::size_t(4));
        QCOMPARE(seenAt[0], t0 + 500ms);
        QCOMPARE(seenAt[1], t0 + 1s);
        QCOMPARE(seenAt[2], t0 + 2s);
        QCOMPARE(seenAt[3], t0 + 3s);
        QCOMPARE(loop.time(), t0 + std::chrono::hours(1));
        QCOMPARE(loop.timerHeapSize(), std::size_t(0));
    }

    void timersDoNotRunBeforeDeadline()
    {
        auto &loop = guard->loop();
        int ran = 0;
        loop.callLater(10s, [&] { ++ran; });
        // With something ready the virtual clock must not jump: the timer waits.
        loop.callSoon([] {});
        loop.runOnce();
        QCOMPARE(ran, 0);
        guard->clock()->advance(9s);
        loop.callSoon([] {});
        loop.runOnce();
        QCOMPARE(ran, 0);
        guard->clock()->advance(1s);
        loop.callSoon([] {});
        loop.runOnce();
        QCOMPARE(ran, 1);
    }

    void negativeDelaysRunInDueTimeOrder()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint t0 = loop.time();
        QStringList order;
        loop.callSoon([&] { order << "soon"; });
        qaio::TimerHandle minus1 = loop.callLater(-1s, [&] { order << "-1s"; });
        qaio::TimerHandle minus3 = loop.callLater(-3s, [&] { order << "-3s"; });
        qaio::TimerHandle zero = loop.callLater(0s, [&] { order << "0s"; });
        qaio::TimerHandle minus2 = loop.callLater(-2.0, [&] { order << "-2s"; });
        qaio::TimerHandle past = loop.callAt(t0 - std::chrono::hours(1), [&] { order << "-1h"; });
        QCOMPARE(minus1.when(), t0 - 1s);
        QCOMPARE(minus3.when(), t0 - 3s);
        QCOMPARE(zero.when(), t0);
        QCOMPARE(minus2.when(), t0 - 2s);
        QCOMPARE(past.when(), t0 - std::chrono::hours(1));

        loop.runOnce();
        // Expired timers join the ready queue behind what was already ready (asyncio).
        QCOMPARE(order, (QStringList{"soon", "-1h", "-3s", "-2s", "-1s", "0s"}));
        // when() is the scheduled time, forever: running did not clamp or change it.
        QCOMPARE(minus1.when(), t0 - 1s);
        QCOMPARE(minus3.when(), t0 - 3s);
        QCOMPARE(zero.when(), t0);
        QCOMPARE(minus2.when(), t0 - 2s);
        QCOMPARE(past.when(), t0 - std::chrono::hours(1));
        QCOMPARE(loop.time(), t0);
    }

    void equalDeadlinesRunInSchedulingOrder()
    {
        auto &loop = guard->loop();
        const qaio::TimePoint deadline = loop.time() + 5s;
        std::vector<int> order;
        for (int i = 0; i < 50; ++i) {
            if (i % 2)
                loop.callAt(deadline, [&order, i] { order.push_back(i); });
            else
                loop.callLater(5s, [&order, i] { order.push_back(i); });
        }
        loop.callAt(deadline + 1ns, [&] { loop.stop(); });
        loop.runForever();
        QCOMPARE(order.size(), std::size_t(50));
        for (int i = 0; i < 50; ++i)
            QCOMPARE(order[std::size_t(i)], i);
    }

    void cancelBeforeRunPreventsIt()
    {
        auto &loop = guard->loop();
        int soonRuns = 0, timerRuns = 0, otherRuns = 0;
        qaio::Handle soon = loop.callSoon([&] { ++soonRuns; });
        qaio::TimerHandle timer = loop.callLater(1s, [&] { ++timerRuns; });
        loop.callSoon([&] { ++otherRuns; });
        QVERIFY(!soon.cancelled());
        QVERIFY(!timer.cancelled());
        soon.cancel();
        timer.cancel();
        QVERIFY(soon.cancelled());
        QVERIFY(timer.cancelled());
        QCOMPARE(loop.timerHeapSize(), std::size_t(1)); // the cancelled timer is dropped lazily
        loop.runOnce();
        loop.runOnce();
        QCOMPARE(soonRuns, 0);
        QCOMPARE(timerRuns, 0);
        QCOMPARE(otherRuns, 1);
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
        QCOMPARE(loop.timerHeapSize(), std::size_t(0));
    }

    void cancelByEarlierCallbackInSameTick()
    {
        auto &loop = guard->loop();
        int laterRuns = 0;
        qaio::Handle later;
        qaio::TimerHandle expiredTimer;
        loop.callSoon([&] {
            later.cancel();
            expiredTimer.cancel(); // already moved to the ready queue this tick
        });
        later = loop.callSoon([&] { ++laterRuns; });
        expiredTimer = loop.callLater(-1s, [&] { ++laterRuns; });
        loop.runOnce();
        QCOMPARE(laterRuns, 0);
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
        QCOMPARE(loop.timerHeapSize(), std::size_t(0));
    }

    void cancelReleasesCapturedState()
    {
        auto &loop = guard->loop();
        auto soonState = std::make_shared<int>(1);
        auto timerState = std::make_shared<int>(2);
        qaio::Handle soon = loop.callSoon([soonState] { QFAIL("cancelled callback ran"); });
        qaio::TimerHandle timer = loop.callLater(1s, [timerState] { QFAIL("cancelled timer ran"); });
        QCOMPARE(soonState.use_count(), 2);
        QCOMPARE(timerState.use_count(), 2);
        soon.cancel();
        timer.cancel();
        // Released at cancel(), although the handles are still queued and referenced.
        QCOMPARE(soonState.use_count(), 1);
        QCOMPARE(timerState.use_count(), 1);
        QCOMPARE(loop.timerHeapSize(), std::size_t(1));
        loop.runOnce();
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
    }

    void cancelOwnHandleWhileRunningKeepsStateUntilReturn()
    {
        auto &loop = guard->loop();
        auto state = std::make_shared<int>(41);
        qaio::Handle self;
        int seen = 0;
        self = loop.callSoon([&self, &seen, state] {
            self.cancel();
            seen = ++*state; // the lambda (and what it captured) must still be alive here
        });
        loop.runOnce();
        QCOMPARE(seen, 42);
        QVERIFY(self.cancelled());
        QCOMPARE(state.use_count(), 1); // released once the callback returned
    }

    void capturedStateReleasedAfterRun()
    {
        auto &loop = guard->loop();
        auto state = std::make_shared<int>(0);
        qaio::Handle soon = loop.callSoon([state] { ++*state; });
        qaio::TimerHandle timer = loop.callLater(1s, [state] { ++*state; });
        QCOMPARE(state.use_count(), 3);
        loop.runOnce();
        QCOMPARE(*state, 1);
        QCOMPARE(state.use_count(), 2); // the soon callback ran: its captures are gone
        loop.runOnce();
        QCOMPARE(*state, 2);
        QCOMPARE(state.use_count(), 1); // although both handles are still referenced
        QVERIFY(soon.isValid() && timer.isValid());
        QVERIFY(!soon.cancelled());
    }

    void cancelAfterRunIsNoOp()
    {
        auto &loop = guard->loop();
        int runs = 0;
        qaio::Handle soon = loop.callSoon([&] { ++runs; });
        qaio::TimerHandle timer = loop.callLater(-1s, [&] { ++runs; });
        loop.runOnce();
        QCOMPARE(runs, 2);
        QCOMPARE(loop.timerHeapSize(), std::size_t(0));
        const qaio::TimePoint when = timer.when();
        soon.cancel();
        timer.cancel();
        soon.cancel();
        timer.cancel();
        QCOMPARE(runs, 2);
        QCOMPARE(timer.when(), when);
        // The heap's bookkeeping is untouched: nothing counted as a cancelled entry.
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
        QCOMPARE(loop.timerHeapSize(), std::size_t(0));
        qaio::TimerHandle next = loop.callLater(1s, [&] { ++runs; });
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(1));
        loop.runOnce(); // the virtual clock jumps to the deadline
        QCOMPARE(runs, 3);
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
    }

    void cancelledTimersPurgedPastHalf()
    {
        auto &loop = guard->loop();
        std::vector<qaio::TimerHandle> timers;
        for (int i = 0; i < 200; ++i)
            timers.push_back(loop.callLater(std::chrono::seconds(i + 1), [] {}));
        // Cancel the 150 latest: the earliest stays at the top, so nothing is popped early.
        for (int i = 50; i < 200; ++i)
            timers[std::size_t(i)].cancel();
        QCOMPARE(loop.timerHeapSize(), std::size_t(200)); // lazy: still in the heap
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(50));
        loop.callSoon([] {}); // something ready: the virtual clock stays put
        loop.runOnce();
        QCOMPARE(loop.timerHeapSize(), std::size_t(50));
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(50));
        for (auto &t : timers)
            t.cancel();
    }

    void cancelledTimersKeptUpToHalf()
    {
        auto &loop = guard->loop();
        std::vector<qaio::TimerHandle> timers;
        for (int i = 0; i < 200; ++i)
            timers.push_back(loop.callLater(std::chrono::seconds(i + 1), [] {}));
        for (int i = 1; i < 200; i += 2) // exactly half, never the earliest
            timers[std::size_t(i)].cancel();
        loop.callSoon([] {});
        loop.runOnce();
        QCOMPARE(loop.timerHeapSize(), std::size_t(200));
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(100));

        // One more cancellation tips it over half: the next tick purges.
        timers[2].cancel();
        loop.callSoon([] {});
        loop.runOnce();
        QCOMPARE(loop.timerHeapSize(), std::size_t(99));
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(99));
        for (auto &t : timers)
            t.cancel();
    }

    void smallHeapIsNotPurged()
    {
        auto &loop = guard->loop();
        std::vector<qaio::TimerHandle> timers;
        for (int i = 0; i < 100; ++i) // not more than 100: asyncio never purges
            timers.push_back(loop.callLater(std::chrono::seconds(i + 1), [] {}));
        for (int i = 10; i < 100; ++i)
            timers[std::size_t(i)].cancel();
        loop.callSoon([] {});
        loop.runOnce();
        QCOMPARE(loop.timerHeapSize(), std::size_t(100));
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(10));
        for (auto &t : timers)
            t.cancel();
    }

    void cancelledTopTimersAreDropped()
    {
        auto &loop = guard->loop();
        int ran = 0;
        qaio::TimerHandle first = loop.callLater(1s, [&] { ++ran; });
        qaio::TimerHandle second = loop.callLater(2s, [&] { ++ran; });
        loop.callLater(3s, [&] {
            ++ran;
            loop.stop();
        });
        first.cancel();
        second.cancel();
        const qaio::TimePoint t0 = loop.time();
        loop.runForever();
        QCOMPARE(ran, 1);
        QCOMPARE(loop.time(), t0 + 3s); // jumped straight to the live deadline
        QCOMPARE(loop.timerHeapSize(), std::size_t(0));
    }

    void callSoonThreadsafeWakesIdleLoopInOrder()
    {
        auto &loop = guard->loop();
        constexpr int count = 1000;
        std::vector<int> received;
        std::binary_semaphore loopIdle(0);
        int wrongThread = 0;
        const std::thread::id loopThread = std::this_thread::get_id();
        std::thread producer([&] {
            loopIdle.acquire();
            for (int i = 0; i < count; ++i) {
                loop.callSoonThreadsafe([&, i] {
                    if (std::this_thread::get_id() != loopThread)
                        ++wrongThread;
                    received.push_back(i);
                    if (i == count - 1)
                        loop.stop();
                });
            }
        });
        // Release the producer from inside the run: from then on the loop has nothing
        // scheduled and only the producer's wake-ups can make it return.
        std::size_t scheduledAtRelease = 1;
        loop.callSoon([&] {
            scheduledAtRelease = loop.scheduledCallbackCount();
            loopIdle.release();
        });
        loop.runForever();
        producer.join();
        QCOMPARE(scheduledAtRelease, std::size_t(0));
        QCOMPARE(wrongThread, 0);
        QCOMPARE(received.size(), std::size_t(count));
        for (int i = 0; i < count; ++i)
            QCOMPARE(received[std::size_t(i)], i);
    }

    void callSoonThreadsafeFromLoopThread()
    {
        auto &loop = guard->loop();
        QStringList order;
        loop.callSoonThreadsafe([&] { order << "a"; });
        loop.callSoonThreadsafe([&] {
            order << "b";
            loop.stop();
        });
        loop.runForever();
        QCOMPARE(order, (QStringList{"a", "b"}));
    }

    // asyncio appends call_soon_threadsafe() to the same ready deque as call_soon()
    // (CPython's test_call_soon_threadsafe_same_thread).
    void callSoonThreadsafeOnLoopThreadKeepsOrderWithCallSoon()
    {
        auto &loop = guard->loop();
        QStringList order;
        loop.callSoonThreadsafe([&] { order << "a"; });
        loop.callSoon([&] { order << "b"; });
        loop.callSoonThreadsafe([&] { order << "c"; });
        loop.callSoon([&] { order << "d"; });
        loop.runOnce();
        QCOMPARE(order, (QStringList{"a", "b", "c", "d"}));
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
    }

    // A threadsafe callback that happens-before the loop thread's callSoon() runs first
    // (CPython's test_call_soon_threadsafe).
    void callSoonThreadsafeFromOtherThreadBeforeCallSoonRunsFirst()
    {
        auto &loop = guard->loop();
        QStringList order;
        std::thread producer([&] { loop.callSoonThreadsafe([&] { order << "thread"; }); });
        producer.join(); // the thread's call happens-before everything below
        loop.callSoon([&] { order << "soon"; });
        loop.callSoon([&] { loop.stop(); });
        loop.runForever();
        QCOMPARE(order, (QStringList{"thread", "soon"}));
    }

    // asyncio moves due timers to the ready deque at the start of a tick, behind the
    // threadsafe callbacks appended before.
    void callSoonThreadsafeFromOtherThreadRunsBeforeLaterDueTimers()
    {
        auto &loop = guard->loop();
        QStringList order;
        loop.callLater(-1s, [&] { order << "timer"; });
        std::thread producer([&] { loop.callSoonThreadsafe([&] { order << "thread"; }); });
        producer.join();
        loop.runOnce();
        QCOMPARE(order, (QStringList{"thread", "timer"}));
    }

    // Huge delays saturate at the clock's end instead of overflowing into the past.
    void hugeDelaysNeverRun_data()
    {
        QTest::addColumn<int>("which");
        QTest::newRow("1e10 seconds") << 0;
        QTest::newRow("1000 years") << 1;
        QTest::newRow("infinite seconds") << 2;
        QTest::newRow("infinite chrono duration") << 3;
        QTest::newRow("callAt(TimePoint::max())") << 4;
        QTest::newRow("max nanoseconds") << 5;
    }

    void hugeDelaysNeverRun()
    {
        QFETCH(int, which);
        auto &loop = guard->loop();
        bool ran = false;
        auto mark = [&ran] { ran = true; };
        qaio::TimerHandle handle;
        switch (which) {
        case 0: handle = loop.callLater(1e10, mark); break;
        case 1: handle = loop.callLater(std::chrono::years(1000), mark); break;
        case 2: handle = loop.callLater(std::numeric_limits<double>::infinity(), mark); break;
        case 3: handle = loop.callLater(std::chrono::duration<double>(std::numeric_limits<double>::infinity()), mark); break;
        case 4: handle = loop.callAt(qaio::TimePoint::max(), mark); break;
        default: handle = loop.callLater(qaio::Duration::max(), mark); break;
        }
        QVERIFY(handle.when() > loop.time() + std::chrono::hours(24 * 365));
        // On the virtual clock an idle loop jumps to the next deadline: it must not jump
        // to one that saturated.
        loop.callLater(1h, [&] { loop.stop(); });
        loop.runForever();
        QVERIFY(!ran);
        handle.cancel();
    }

    // Delay's conversions: exact inside the range, whatever the unit and sign of its count.
    void delayConversions()
    {
        QCOMPARE(qaio::Delay(std::chrono::duration<unsigned, std::ratio<1>>(5)).toDuration("delay"), qaio::Duration(5s));
        QCOMPARE(qaio::Delay(std::chrono::duration<short, std::ratio<3600>>(-2)).toDuration("delay"), qaio::Duration(-2h));
        QCOMPARE(qaio::Delay(std::chrono::duration<unsigned long long, std::ratio<31556952>>(1000)).toDuration("delay"),
                 qaio::Duration::max());
        QCOMPARE(qaio::Delay(-std::chrono::years(1000)).toDuration("delay"), qaio::Duration::min());
        QCOMPARE(qaio::Delay(std::chrono::years(200)).toDuration("delay"), qaio::Duration(std::chrono::years(200)));
        QCOMPARE(qaio::Delay(std::chrono::microseconds(7)).toDuration("delay"), qaio::Duration(7us));
        QCOMPARE(qaio::Delay(0.25).toDuration("delay"), qaio::Duration(250ms));
        QCOMPARE(qaio::Delay(1.5e-9).toDuration("delay"), qaio::Duration(2)); // rounded up
        QCOMPARE(qaio::Delay(-1.5e-9).toDuration("delay"), qaio::Duration(-1));
        QCOMPARE(qaio::Delay(std::chrono::duration<double, std::milli>(1e300)).toDuration("delay"), qaio::Duration::max());
        QVERIFY(qaio::Delay(std::numeric_limits<double>::quiet_NaN()).isNaN());
        static_assert(!std::is_convertible_v<bool, qaio::Delay>, "a bool is no delay");
        static_assert(std::is_convertible_v<int, qaio::Delay> && std::is_convertible_v<std::chrono::hours, qaio::Delay>);
    }

    void hugeNegativeDelaysRunNow()
    {
        auto &loop = guard->loop();
        QStringList order;
        loop.callLater(0s, [&] { order << "zero"; });
        loop.callLater(-std::chrono::years(1000), [&] { order << "ancient"; });
        loop.callLater(-std::numeric_limits<double>::infinity(), [&] { order << "minus infinity"; });
        loop.runOnce();
        QCOMPARE(order, (QStringList{"ancient", "minus infinity", "zero"})); // both saturate: scheduling order
    }

    void nanDelayIsRefused()
    {
        auto &loop = guard->loop();
        const double nan = std::numeric_limits<double>::quiet_NaN();
        QString message;
        try {
            loop.callLater(nan, [] {});
        } catch (const qaio::ValueError &e) {
            message = e.message();
        }
        QVERIFY2(message.contains(QStringLiteral("delay")) && message.contains(QStringLiteral("NaN")), qPrintable(message));
        message.clear();
        try {
            loop.callLater(std::chrono::duration<double>(nan), [] {});
        } catch (const qaio::ValueError &e) {
            message = e.message();
        }
        QVERIFY2(message.contains(QStringLiteral("delay")) && message.contains(QStringLiteral("NaN")), qPrintable(message));
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
    }

    // asyncio's TimerHandle orders by when(); a Handle equals only itself.
    void timerHandlesCompareByWhen()
    {
        auto &loop = guard->loop();
        qaio::TimerHandle early = loop.callLater(1s, [] {});
        qaio::TimerHandle late = loop.callLater(2s, [] {});
        qaio::TimerHandle sameTime = loop.callAt(early.when(), [] {});
        QVERIFY(early < late);
        QVERIFY(late > early);
        QVERIFY(early <= late);
        QVERIFY(late >= early);
        QVERIFY(!(late < early));
        QVERIFY(!(early < sameTime) && !(sameTime < early));
        QVERIFY(!(early <= sameTime)); // asyncio: when < other.when or equal, and they differ
        QVERIFY(early <= early);
        QVERIFY(early != sameTime);
        const qaio::TimerHandle copy = early;
        QVERIFY(copy == early);
        qaio::Handle soon = loop.callSoon([] {});
        qaio::Handle soonCopy = soon;
        QVERIFY(soon == soonCopy);
        QVERIFY(soon != qaio::Handle(early));
        for (qaio::Handle h : {qaio::Handle(early), qaio::Handle(late), qaio::Handle(sameTime), soon})
            h.cancel();
        loop.runOnce();
    }

    void nonThreadsafeCallsFromOtherThreadThrow_data()
    {
        QTest::addColumn<bool>("debug");
        QTest::newRow("debug off") << false;
        QTest::newRow("debug on") << true;
    }

    void nonThreadsafeCallsFromOtherThreadThrow()
    {
        QFETCH(bool, debug);
        auto &loop = guard->loop();
        loop.setDebug(debug);
        QStringList caught;
        QString firstMessage;
        std::thread other([&] {
            auto attempt = [&](const char *what, auto &&fn) {
                try {
                    fn();
                } catch (const qaio::RuntimeError &e) {
                    caught << QString::fromLatin1(what);
                    if (firstMessage.isEmpty())
                        firstMessage = e.message();
                } catch (...) {
                }
            };
            attempt("callSoon", [&] { loop.callSoon([] {}); });
            attempt("callLater", [&] { loop.callLater(1s, [] {}); });
            attempt("callAt", [&] { loop.callAt(loop.time(), [] {}); });
            attempt("createFuture", [&] { (void)loop.createFuture<int>(); });
            attempt("createTask", [&] { (void)loop.createTask([]() -> qaio::Coro<void> { co_return; }()); });
            attempt("runForever", [&] { loop.runForever(); });
        });
        other.join();
        loop.setDebug(false);
        QCOMPARE(caught, (QStringList{"callSoon", "callLater", "callAt", "createFuture", "createTask", "runForever"}));
        QVERIFY2(firstMessage.contains(QStringLiteral("callSoonThreadsafe")), qPrintable(firstMessage));
        QCOMPARE(loop.scheduledCallbackCount(), std::size_t(0));
        QCOMPARE(loop.liveFutureCount(), std::size_t(0));
        QCOMPARE(loop.pendingTaskCount(), std::size_t(0));
    }

    void callbackExceptionsReachHandler()
    {
        auto &loop = guard->loop();
        guard->expectException(QStringLiteral("Exception in callback"));
        guard->expectException(QStringLiteral("Exception in callback"));
        QStringList order;
        qaio::Handle bad = loop.callSoon([&] {
            order << "bad";
            throw std::runtime_error("boom");
        });
        loop.callSoon([&] { order << "after"; });
        qaio::TimerHandle badTimer = loop.callLater(1s, [&] {
            order << "badTimer";
            throw std::logic_error("timer boom");
        });
        loop.callLater(2s, [&] {
            order << "end";
            loop.stop();
        });
        loop.runForever();
        QCOMPARE(order, (QStringList{"bad", "after", "badTimer", "end"}));

        const auto &calls = guard->handlerCalls();
        QCOMPARE(calls.size(), std::size_t(2));
        QCOMPARE(calls[0].message, QStringLiteral("Exception in callback"));
        QVERIFY(calls[0].exception);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, std::rethrow_exception(calls[0].exception));
        QVERIFY(qaio::describeException(calls[0].exception).contains(QStringLiteral("boom")));
        QVERIFY(calls[0].handle.isValid());
        QCOMPARE(calls[0].handle.impl(), bad.impl());
        QCOMPARE(calls[1].message, QStringLiteral("Exception in callback"));
        QVERIFY_THROWS_EXCEPTION(std::logic_error, std::rethrow_exception(calls[1].exception));
        QCOMPARE(calls[1].handle.impl(), badTimer.impl());
        QVERIFY(calls[1].toString().contains(QStringLiteral("TimerHandle")));
    }

    void throwingExceptionHandlerIsLoggedNotPropagated()
    {
        auto &loop = guard->loop();
        int handlerCalls = 0;
        bool laterRan = false;
        std::vector<MessageCapture::Message> logged;
        {
            // The guard's recording handler comes back even if a check fails.
            auto restore = qScopeGuard([&loop, original = loop.getExceptionHandler()] {
                loop.setExceptionHandler(original);
            });
            loop.setExceptionHandler([&](qaio::EventLoop &, const qaio::ExceptionContext &context) {
                ++handlerCalls;
                QCOMPARE(context.message, QStringLiteral("Exception in callback"));
                throw std::runtime_error("handler broke");
            });
            loop.callSoon([] { throw std::runtime_error("callback broke"); });
            loop.callSoon([&] {
                laterRan = true;
                loop.stop();
            });
            MessageCapture capture;
            loop.runForever();
            logged = capture.messages();
        }
        QCOMPARE(handlerCalls, 1);
        QVERIFY(laterRan);
        QCOMPARE(logged.size(), std::size_t(1));
        QCOMPARE(logged[0].category, QStringLiteral("qaio"));
        QCOMPARE(logged[0].type, QtCriticalMsg);
        QVERIFY2(logged[0].text.startsWith(QStringLiteral("Unhandled error in exception handler")),
                 qPrintable(logged[0].text));
        QVERIFY2(logged[0].text.contains(QStringLiteral("handler broke")), qPrintable(logged[0].text));
        QVERIFY2(logged[0].text.contains(QStringLiteral("Exception in callback")), qPrintable(logged[0].text));
    }

    void debugModeLogsSlowCallbacks()
    {
        auto &loop = guard->loop();
        QVERIFY(!loop.getDebug());
        QCOMPARE(loop.slowCallbackDuration(), qaio::Duration(100ms));
        loop.setDebug(true);
        QVERIFY(loop.getDebug());
        loop.setSlowCallbackDuration(0ns);
        QCOMPARE(loop.slowCallbackDuration(), qaio::Duration(0));
        std::vector<MessageCapture::Message> logged;
        {
            MessageCapture capture;
            loop.callSoon([&] { loop.stop(); });
            loop.runForever();
            logged = capture.messages();
        }
        loop.setDebug(false);
        loop.setSlowCallbackDuration(100ms);
        std::vector<MessageCapture::Message> slow;
        for (const auto &m : logged)
            if (m.text.startsWith(QStringLiteral("Executing ")))
                slow.push_back(m);
        QCOMPARE(slow.size(), std::size_t(1));
        QCOMPARE(slow[0].category, QStringLiteral("qaio.debug"));
        QCOMPARE(slow[0].type, QtWarningMsg);
        QVERIFY2(slow[0].text.contains(QStringLiteral(" took ")), qPrintable(slow[0].text));
        QVERIFY2(slow[0].text.contains(QStringLiteral("tst_scheduling.cpp")), qPrintable(slow[0].text));

        // Debug off: the same callback is not reported.
        MessageCapture quiet;
        loop.callSoon([&] { loop.stop(); });
        loop.runForever();
        for (const auto &m : quiet.messages())
            QVERIFY2(!m.text.startsWith(QStringLiteral("Executing ")), qPrintable(m.text));
    }

    void debugEnvironmentVariable()
    {
        const QByteArray saved = qgetenv("QAIO_DEBUG");
        const bool wasSet = qEnvironmentVariableIsSet("QAIO_DEBUG");
        qputenv("QAIO_DEBUG", "1");
        std::unique_ptr<qaio::EventLoop> debugLoop = qaio::newEventLoop();
        qputenv("QAIO_DEBUG", "0");
        std::unique_ptr<qaio::EventLoop> plainLoop = qaio::newEventLoop();
        qunsetenv("QAIO_DEBUG");
        std::unique_ptr<qaio::EventLoop> unsetLoop = qaio::newEventLoop();
        if (wasSet)
            qputenv("QAIO_DEBUG", saved);
        QVERIFY(debugLoop->getDebug());
        QVERIFY(!plainLoop->getDebug());
        QVERIFY(!unsetLoop->getDebug());
        debugLoop->setDebug(false); // keep its close() quiet
        QVERIFY(!guard->loop().getDebug()); // an existing loop is unaffected
    }
};

QTEST_GUILESS_MAIN(tst_Scheduling)
#include "tst_scheduling.moc"
