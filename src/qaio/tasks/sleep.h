// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file sleep.h
    qaio::sleep(): suspend the current task for a while (asyncio.sleep()).

    \c{co_await qaio::sleep(0)} yields: the task lets every other ready callback run and
    continues in the next tick, without a timer. A positive delay arms one timer on the
    loop's heap. Cancelling the task while it sleeps cancels the timer and throws
    CancelledError at the \c co_await.

    Errors: throws RuntimeError when awaited outside a qaio task, ValueError for a NaN delay.

    \code
    co_await qaio::sleep(std::chrono::milliseconds(250));
    co_await qaio::sleep(0.25);   // fractional seconds, like asyncio
    co_await qaio::sleep(0);      // yield to other tasks
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/tasks/future.h>
#include <qaio/core/handle.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/tasks/awaitedge.h>

#include <chrono>
#include <coroutine>
#include <utility>

namespace qaio {

namespace detail {

class QAIO_EXPORT SleepAwaiter final : public AwaitTarget
{
public:
    explicit SleepAwaiter(Duration delay) noexcept : m_delay(delay) {}
    // Inline: Coro's await_transform moves every awaiter once (tasks/coro.h), and a
    // moved-from one (or a sleep(0)) has nothing to release.
    SleepAwaiter(SleepAwaiter &&other) noexcept
        : m_delay(other.m_delay), m_deadline(other.m_deadline), m_future(std::exchange(other.m_future, nullptr)),
          m_timer(std::move(other.m_timer))
    {
    }
    SleepAwaiter(const SleepAwaiter &) = delete;
    ~SleepAwaiter()
    {
        if (m_future || m_timer.isValid())
            release();
    }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h);
    void await_resume();
    void describeAwait(AwaitEdge &edge) const override;

private:
    void release() noexcept;

    Duration m_delay;
    TimePoint m_deadline{};
    FutureStateBase *m_future = nullptr;
    Handle m_timer;
};

} // namespace detail

/*! Suspends the current task for \a delay: any std::chrono duration, or fractional
    seconds like asyncio.sleep() (zero or negative: yield once; huge or infinite: for
    good, until cancelled). Throws ValueError("Invalid delay: NaN (not a number)"). */
inline detail::SleepAwaiter sleep(Delay delay)
{
    return detail::SleepAwaiter(delay.toDuration("delay"));
}

} // namespace qaio
