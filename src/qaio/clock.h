// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file clock.h
    Time as qaio sees it: a monotonic clock in nanoseconds, and a virtual clock for tests.

    qaio::TimePoint and qaio::Duration are std::chrono types over std::chrono::steady_clock,
    so EventLoop::time() never goes backwards. A loop can be given a VirtualClock: time
    then stands still until the loop has nothing ready to run, and jumps straight to the
    next timer's deadline. Timer tests become instant and deterministic.

    \code
    auto clock = std::make_shared<qaio::VirtualClock>();
    loop.setClock(clock);
    loop.callLater(std::chrono::hours(1), [&] { loop.stop(); });
    loop.runForever();               // returns at once; clock->now() advanced by 1 h
    \endcode
*/

#include "qaioglobal.h"

#include <chrono>

namespace qaio {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

/*! Converts any chrono duration (also fractional seconds) to qaio::Duration, rounding up
    so that a timer never fires before the requested delay. */
template <class Rep, class Period>
constexpr Duration toDuration(std::chrono::duration<Rep, Period> d)
{
    return std::chrono::ceil<Duration>(d);
}

/*! Converts fractional seconds, as asyncio takes them, to qaio::Duration (rounded up). */
inline Duration secondsToDuration(double seconds)
{
    return std::chrono::ceil<Duration>(std::chrono::duration<double>(seconds));
}

/*!
    The time source of an EventLoop. The default is std::chrono::steady_clock; tests
    install a VirtualClock.
*/
class QAIO_EXPORT Clock
{
public:
    virtual ~Clock();
    virtual TimePoint now() const = 0;
    /*! A virtual clock is advanced by the loop when nothing else is ready. */
    virtual bool isVirtual() const { return false; }
    /*! Called by the loop on a virtual clock to jump to the next timer deadline. */
    virtual void advanceTo(TimePoint) {}
};

/*!
    A clock that only moves when told to, or when the loop it drives is idle and a timer
    is pending (the loop then jumps to that timer's deadline). Not thread-safe: use it
    from the loop's thread.
*/
class QAIO_EXPORT VirtualClock final : public Clock
{
public:
    explicit VirtualClock(TimePoint start = TimePoint(std::chrono::hours(1))) : m_now(start) {}
    TimePoint now() const override { return m_now; }
    bool isVirtual() const override { return true; }
    void advanceTo(TimePoint t) override
    {
        if (t > m_now)
            m_now = t;
    }
    void advance(Duration d) { m_now += d; }

private:
    TimePoint m_now;
};

/*! steady_clock::now() expressed as a qaio::TimePoint. */
inline TimePoint steadyNow() noexcept
{
    return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

} // namespace qaio
