// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file wait.h
    wait() and waitFor(): asyncio.wait() and asyncio.wait_for().

    \c{co_await qaio::wait(futures, timeout, when)} waits until \a when is met
    (ReturnWhen::FirstCompleted, FirstException or AllCompleted, the default) or \a timeout
    passes, and returns WaitResult{done, pending}: the futures split in two vectors, each in
    input order (asyncio returns two sets). It never raises the futures' exceptions and
    never cancels them; a timeout simply returns with some still pending. As in Python
    3.11+, it takes futures and tasks only (Future<T>, Task<T>, TaskBase, FutureBase), not
    coroutines: wrap those with createTask() so you can look at them afterwards.

    \c{co_await qaio::waitFor(aw, timeout)} awaits \a aw (Coro<T>, Future<T> or Task<T>)
    with a time limit and returns its result. Semantics are Python 3.12's: it is
    \c{async with timeout(t): return await aw}, so a coroutine runs inline in the current
    task. On expiry the awaited task (or the inline coroutine) is cancelled and waitFor
    \e waits for it to finish, so its cleanup has run, before throwing TimeoutError. If
    the awaited task swallows the cancellation and returns a value, that value is
    returned. A timeout of zero or less cancels at once (a coroutine is wrapped in a task
    that never starts) and still waits; an already-done future returns its result.
    std::nullopt means no limit.

    Errors: wait() throws ValueError when \a fs is empty or holds an invalid future, and
    for a \a returnWhen outside the enum; waitFor() throws TimeoutError on expiry and
    whatever \a aw throws.

    \code
    auto [done, pending] = co_await qaio::wait(tasks, std::chrono::seconds(2), qaio::ReturnWhen::FirstCompleted);

    try {
        int v = co_await qaio::waitFor(compute(), std::chrono::milliseconds(500));
    } catch (const qaio::TimeoutError &) {
        // compute() was cancelled and has finished its cleanup
    }
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/tasks/coro.h>
#include <qaio/highlevel/ensurefuture.h>
#include <qaio/tasks/future.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/tasks/task.h>
#include <qaio/highlevel/timeout.h>

#include <concepts>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace qaio {

/*! When wait() returns (asyncio's FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED). */
enum class ReturnWhen { FirstCompleted, FirstException, AllCompleted };

/*! What wait() returns: structured bindings give \c{auto [done, pending]}. */
template <class F>
struct WaitResult
{
    std::vector<F> done;
    std::vector<F> pending;
};

namespace detail {

/*! Suspends until \a returnWhen is met for \a futures or \a timeout passes. */
QAIO_EXPORT Coro<void> waitErased(std::vector<FutureStateBase *> futures, std::optional<Duration> timeout,
                                  ReturnWhen returnWhen);

/*! Cancels \a future and waits for it on a waiter of its own, so the wait itself stays
    cancellable (asyncio's _cancel_and_wait). */
QAIO_EXPORT Coro<void> cancelAndWait(FutureBase future);

template <class F>
QAIO_CORO_NO_SANITIZE_FUNCTION Coro<WaitResult<F>> waitImpl(std::vector<F> fs, std::optional<Duration> timeout, ReturnWhen returnWhen)
{
    std::vector<FutureStateBase *> states;
    states.reserve(fs.size());
    for (const F &f : fs)
        states.push_back(f.state());
    co_await waitErased(std::move(states), timeout, returnWhen);
    WaitResult<F> result;
    for (F &f : fs)
        (f.done() ? result.done : result.pending).push_back(std::move(f));
    co_return result;
}

/*! waitFor() with a timeout of zero or less: cancel at once, wait, translate. */
template <class T, class F>
QAIO_CORO_NO_SANITIZE_FUNCTION Coro<T> waitForExpired(F future)
{
    if (!future.done()) {
        co_await cancelAndWait(future);
        if (future.cancelled())
            throw TimeoutError();
    }
    co_return co_await std::move(future);
}

} // namespace detail

/*! Waits for \a fs as asyncio.wait() does; see the file documentation. */
template <class F>
    requires std::derived_from<F, FutureBase>
Coro<WaitResult<F>> wait(std::vector<F> fs, std::optional<Delay> timeout = std::nullopt,
                         ReturnWhen returnWhen = ReturnWhen::AllCompleted)
{
    if (fs.empty())
        throw ValueError("wait(): fs is empty (Set of Tasks/Futures is empty.)");
    for (const F &f : fs) {
        if (!f.isValid())
            throw ValueError("wait(): fs holds an invalid (default-constructed) future");
    }
    if (returnWhen != ReturnWhen::FirstCompleted && returnWhen != ReturnWhen::FirstException &&
        returnWhen != ReturnWhen::AllCompleted)
        throw ValueError(QStringLiteral("wait(): Invalid returnWhen value: %1").arg(int(returnWhen)));
    return detail::waitImpl(std::move(fs), detail::checkedDelay(timeout, "timeout"), returnWhen);
}

/*! Awaits \a aw with a time limit; see the file documentation. */
template <Awaitable A>
Coro<AwaitResult<A>> waitFor(A &&aw, std::optional<Delay> timeout)
{
    static_assert(TypedFuture<A> || !std::is_lvalue_reference_v<A>, "pass coroutines as rvalues (std::move)");
    const std::optional<Duration> delay = detail::checkedDelay(timeout, "timeout");
    if (delay && *delay <= Duration::zero()) {
        auto future = ensureFuture(std::forward<A>(aw));
        return detail::waitForExpired<AwaitResult<A>>(std::move(future));
    }
    return qaio::timeout(delay, std::forward<A>(aw));
}

} // namespace qaio
