// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file timeout.h
    timeout(), timeoutAt(), withTimeout(): asyncio's \c{async with asyncio.timeout(delay)}.

    C++ has no asynchronous \c with statement, so the guarded block is passed in:
    \list
    \li \c{co_await qaio::timeout(delay, aw)} runs \a aw (a Coro<T>, Future<T> or Task<T>)
        \e inline in the current task, like \c{await aw} inside the \c{async with} block,
        and returns its result.
    \li \c{co_await qaio::withTimeout(delay, body)} calls \c{body(qaio::Timeout &)}, which
        returns a Coro<T>, and runs that coroutine inline. The body reaches the Timeout
        object, as \c{async with timeout(d) as cm:} gives \c cm: when(), reschedule(),
        expired(). The Timeout lives until withTimeout() finishes; do not keep it longer.
    \li timeoutAt() / withTimeoutAt() take an absolute deadline on the loop's clock
        (EventLoop::time()).
    \endlist
    A deadline of std::nullopt means "no timeout" (it can be set later with reschedule()).

    Semantics are asyncio's Timeout (3.12): at the deadline the current task is cancelled.
    When the block ends with that CancelledError and the task has no other cancellation
    request pending (Task::uncancel() brings cancelling() back to what it was on entry),
    the CancelledError becomes TimeoutError. A cancellation from outside during the block
    stays a CancelledError, even if the deadline passed too. If the block catches the
    cancellation and completes anyway, its result is returned. A deadline at or before
    now fires at the next tick, after the block started.

    Errors: TimeoutError on expiry; RuntimeError when awaited outside a task; Timeout's
    reschedule() throws RuntimeError once the timeout expired or the block ended.

    \code
    QByteArray page = co_await qaio::timeout(std::chrono::seconds(5), download(url));

    int n = co_await qaio::withTimeout(std::chrono::seconds(1), [&](qaio::Timeout &t) -> qaio::Coro<int> {
        int got = co_await readHeader();
        t.reschedule(qaio::getRunningLoop().time() + std::chrono::seconds(10)); // more time for the body
        co_return got + co_await readBody();
    });
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/tasks/coro.h>
#include <qaio/highlevel/ensurefuture.h>
#include <qaio/base/errors.h>
#include <qaio/core/handle.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/tasks/task.h>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace qaio {

namespace detail {
struct TimeoutAccess;
}

/*!
    \class qaio::Timeout
    The deadline of a withTimeout() block (asyncio.Timeout).
*/
class QAIO_EXPORT Timeout
{
public:
    /*! asyncio's states: Created, then Entered; Expiring once the deadline cancelled the
        task; Expired after the block ended that way; Exited after it ended in time. */
    enum class State { Created, Entered, Expiring, Expired, Exited };

    explicit Timeout(std::optional<TimePoint> when = std::nullopt) noexcept : m_when(when) {}
    ~Timeout();
    Timeout(const Timeout &) = delete;
    Timeout &operator=(const Timeout &) = delete;

    /*! The deadline on the loop's clock, or std::nullopt for none. */
    std::optional<TimePoint> when() const noexcept { return m_when; }
    /*! Moves the deadline (std::nullopt: no deadline). A deadline at or before now fires at
        the next tick. Throws RuntimeError unless the block is running and not expiring. */
    void reschedule(std::optional<TimePoint> when);
    /*! True once the deadline has cancelled the block. */
    bool expired() const noexcept { return m_state == State::Expiring || m_state == State::Expired; }
    State state() const noexcept { return m_state; }

private:
    friend struct detail::TimeoutAccess;
    void enter(std::optional<Duration> delay);
    bool exit(bool endedWithCancelledError);
    void onTimeout();

    std::optional<TimePoint> m_when;
    TaskBase m_task;
    Handle m_handler;
    int m_cancelling = 0;
    State m_state = State::Created;
};

namespace detail {

struct TimeoutAccess
{
    /*! asyncio's __aenter__; a \a delay, if given, sets the deadline relative to now. */
    static void enter(Timeout &t, std::optional<Duration> delay) { t.enter(delay); }
    /*! asyncio's __aexit__: true when the block's CancelledError must become TimeoutError. */
    static bool exit(Timeout &t, bool endedWithCancelledError) { return t.exit(endedWithCancelledError); }
};

/*! Hands an awaitable over to the guarded block once (a Coro must be awaited as an rvalue). */
template <class A>
struct AwaitOnce
{
    A awaitable;
    A operator()(Timeout &) { return std::move(awaitable); }
};

/*! The guarded block: \a make(timeout) gives what to co_await. */
template <class T, class Make>
QAIO_CORO_NO_SANITIZE_FUNCTION Coro<T> runWithTimeout(std::optional<TimePoint> when, std::optional<Duration> delay, Make make)
{
    Timeout timeout(when);
    TimeoutAccess::enter(timeout, delay);
    std::optional<typename StoredValue<T>::type> result;
    std::exception_ptr error;
    bool cancelled = false;
    try {
        if constexpr (std::is_void_v<T>) {
            co_await make(timeout);
            result.emplace();
        } else {
            result.emplace(co_await make(timeout));
        }
    } catch (const CancelledError &) {
        cancelled = true;
        error = std::current_exception();
    } catch (...) {
        error = std::current_exception();
    }
    const bool timedOut = TimeoutAccess::exit(timeout, cancelled);
    if (timedOut)
        throw TimeoutError();
    if (error)
        std::rethrow_exception(error);
    if constexpr (!std::is_void_v<T>)
        co_return std::move(*result);
}

template <class Body>
using TimeoutBodyResult = AwaitResult<std::invoke_result_t<Body &, Timeout &>>;

} // namespace detail

/*! Awaits \a aw inline; throws TimeoutError if \a delay passes first. */
template <Awaitable A>
Coro<AwaitResult<A>> timeout(std::optional<Delay> delay, A &&aw)
{
    static_assert(TypedFuture<A> || !std::is_lvalue_reference_v<A>, "pass coroutines as rvalues (std::move)");
    return detail::runWithTimeout<AwaitResult<A>>(std::nullopt, detail::checkedDelay(delay, "delay"),
                                                  detail::AwaitOnce<std::remove_cvref_t<A>>{std::forward<A>(aw)});
}

/*! Awaits \a aw inline; throws TimeoutError if the loop's clock reaches \a when first. */
template <Awaitable A>
Coro<AwaitResult<A>> timeoutAt(std::optional<TimePoint> when, A &&aw)
{
    static_assert(TypedFuture<A> || !std::is_lvalue_reference_v<A>, "pass coroutines as rvalues (std::move)");
    return detail::runWithTimeout<AwaitResult<A>>(when, std::nullopt,
                                                  detail::AwaitOnce<std::remove_cvref_t<A>>{std::forward<A>(aw)});
}

/*! Runs the coroutine \a body(timeout) inline under a deadline \a delay from now. */
template <class Body>
    requires CoroObject<std::invoke_result_t<Body &, Timeout &>>
Coro<detail::TimeoutBodyResult<Body>> withTimeout(std::optional<Delay> delay, Body body)
{
    return detail::runWithTimeout<detail::TimeoutBodyResult<Body>>(std::nullopt, detail::checkedDelay(delay, "delay"),
                                                                   std::move(body));
}

/*! Runs the coroutine \a body(timeout) inline under the absolute deadline \a when. */
template <class Body>
    requires CoroObject<std::invoke_result_t<Body &, Timeout &>>
Coro<detail::TimeoutBodyResult<Body>> withTimeoutAt(std::optional<TimePoint> when, Body body)
{
    return detail::runWithTimeout<detail::TimeoutBodyResult<Body>>(when, std::nullopt, std::move(body));
}

} // namespace qaio
