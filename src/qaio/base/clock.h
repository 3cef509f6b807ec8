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

#include <qaio/base/qaioglobal.h>

#include <chrono>
#include <concepts>
#include <cmath>
#include <optional>
#include <ratio>
#include <type_traits>

namespace qaio {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

/*!
    \class qaio::Delay
    A delay or timeout as qaio's API takes it: any std::chrono duration, or fractional
    seconds like asyncio (\c{0.25}). Converting never overflows: a duration beyond what
    qaio::Duration holds (\c{std::chrono::years(1000)}, \c{1e10} seconds) saturates at
    Duration::max(), and so does +infinity; a deadline that far ahead is never reached.
    Fractional durations round up, so that a timer never fires early. A NaN is kept and
    refused by the function that receives it, with ValueError naming its argument
    ("Invalid delay: NaN (not a number)").

    \code
    loop.callLater(0.5, cb);                        // seconds
    loop.callLater(std::chrono::milliseconds(5), cb);
    co_await qaio::waitFor(work(), std::chrono::years(1000));   // effectively no limit
    \endcode
*/
class Delay
{
public:
    constexpr Delay() noexcept = default;
    template <class Rep, class Period>
    Delay(std::chrono::duration<Rep, Period> d) noexcept // NOLINT: implicit on purpose
    {
        if constexpr (std::is_floating_point_v<Rep>) {
            setNanoseconds(std::chrono::duration<double, std::nano>(d).count());
        } else if constexpr (std::ratio_less_equal_v<Period, std::nano>) {
            m_value = std::chrono::ceil<Duration>(d); // a finer unit: the count only shrinks
        } else {
            // The range check in floating point: a coarse unit's count times its period can
            // pass 64 bits (and the count may be unsigned). Within the range the conversion
            // is exact; saturating from 9.2e18 ns, just short of Duration::max() (~9.223e18),
            // keeps the check clear of rounding.
            const long double ns = static_cast<long double>(d.count()) * Period::num * 1e9L / Period::den;
            if (ns >= 9.2e18L)
                m_value = Duration::max();
            else if (ns <= -9.2e18L)
                m_value = Duration::min();
            else
                m_value = std::chrono::duration_cast<Duration>(d);
        }
    }
    /*! Fractional seconds, as asyncio takes them. */
    Delay(double seconds) noexcept { setNanoseconds(seconds * 1e9); } // NOLINT
    /*! A bool is no delay (asyncio raises TypeError); without this it would mean 1 s. */
    template <class B>
        requires std::same_as<B, bool>
    Delay(B) = delete;

    /*! True if made from a NaN. */
    bool isNaN() const noexcept { return m_nan; }
    /*! The delay, saturated. Throws ValueError("Invalid <argument>: NaN (not a number)")
        for a NaN. */
    Duration toDuration(const char *argument) const
    {
        if (m_nan)
            throwNaN(argument);
        return m_value;
    }

private:
    [[noreturn]] QAIO_EXPORT static void throwNaN(const char *argument);
    // In double, as std::chrono::ceil would compute it; 2^63 and -2^63 are exact there.
    void setNanoseconds(double ns) noexcept
    {
        if (std::isnan(ns))
            m_nan = true;
        else if (ns >= static_cast<double>(Duration::max().count()))
            m_value = Duration::max();
        else if (ns <= static_cast<double>(Duration::min().count()))
            m_value = Duration::min();
        else {
            // Rounded up without std::ceil (a libm call where SSE4.1 is not assumed):
            // the conversion truncates toward zero, which is already up for negatives.
            auto count = static_cast<Duration::rep>(ns);
            if (static_cast<double>(count) < ns)
                ++count;
            m_value = Duration(count);
        }
    }

    Duration m_value{};
    bool m_nan = false;
};

/*! Converts any chrono duration (also fractional seconds) to qaio::Duration, rounding up
    so that a timer never fires before the requested delay, and saturating at
    Duration::max() / min() (see Delay). Throws ValueError for a NaN. */
template <class Rep, class Period>
Duration toDuration(std::chrono::duration<Rep, Period> d)
{
    return Delay(d).toDuration("delay");
}

/*! Converts fractional seconds, as asyncio takes them, to qaio::Duration (rounded up,
    saturated). Throws ValueError for a NaN. */
inline Duration secondsToDuration(double seconds)
{
    return Delay(seconds).toDuration("delay");
}

namespace detail {
/*! An optional delay argument, checked (ValueError naming \a argument for a NaN). */
inline std::optional<Duration> checkedDelay(const std::optional<Delay> &delay, const char *argument)
{
    if (!delay)
        return std::nullopt;
    return delay->toDuration(argument);
}
} // namespace detail

/*! \a now + \a delay, saturated at TimePoint::max() (never reached) and TimePoint::min(). */
constexpr TimePoint deadlineAfter(TimePoint now, Duration delay) noexcept
{
    const Duration since = now.time_since_epoch();
    if (delay > Duration::zero() && since > Duration::max() - delay)
        return TimePoint::max();
    if (delay < Duration::zero() && since < Duration::min() - delay)
        return TimePoint::min();
    return now + delay;
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
