// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file gather.h
    gather(): run awaitables concurrently and collect their results (asyncio.gather()).

    Two shapes:
    \list
    \li \c{gather(a, b, c)} over any mix of Future<T>, Task<T> and Coro<T> returns a
        Future<std::tuple<A, B, C>>; a void result becomes std::monostate.
    \li \c{gather(std::vector<Task<T>>)} (or a vector of Future<T>, or of Coro<T> passed by
        value) returns a Future<std::vector<T>>, or Future<void> when T is void.
    \endlist
    Coroutines are wrapped in tasks (ensureFuture()) on the loop of the first future
    argument, else the running loop. The results keep the argument order.

    Rules, as asyncio's:
    \list
    \li The first child that fails makes the gather future fail with that exception at
        once; the other children are \e not cancelled and keep running. Their later
        exceptions are marked retrieved (never reported as "never retrieved").
    \li A child that is cancelled makes the gather future end with CancelledError.
    \li Cancelling the gather future (or the task awaiting it) cancels every child that is
        still pending; the gather future then ends cancelled once they are done, even with
        returnExceptions.
    \li If every child is already done, the gather future is done when gather() returns.
    \li \c{gather()} with no awaitables returns a future that is already done.
    \endlist

    returnExceptions: pass qaio::returnExceptions first and every child's result comes back
    as an Outcome<T> (value or exception, see outcome.h); no child's failure or
    cancellation fails the gather future.

    One documented difference from asyncio: where asyncio sets a CancelledError \e exception
    on the gathering future, qaio marks it \e cancelled (cancelled() is true). Awaiting it
    throws CancelledError either way; a cancelled future is never reported as an
    unretrieved exception.

    Cost: one future and one bookkeeping block per gather, plus one done callback per child
    that stays inside std::function's small buffer (no allocation per child).

    Errors: ValueError if a future is invalid or bound to a different loop than the first
    one; RuntimeError from task creation (closed loop, wrong thread). A result type that is
    move-only is moved out of the child futures.

    \code
    auto [user, prefs] = co_await qaio::gather(fetchUser(id), fetchPrefs(id));

    std::vector<qaio::Task<int>> jobs = ...;
    std::vector<int> values = co_await qaio::gather(jobs);

    std::vector<qaio::Outcome<int>> outcomes = co_await qaio::gather(qaio::returnExceptions, jobs);
    \endcode
*/

#include <qaio/tasks/coro.h>
#include <qaio/highlevel/ensurefuture.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/future.h>
#include <qaio/highlevel/outcome.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/tasks/task.h>

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace qaio {

/*! The type of qaio::returnExceptions. */
struct ReturnExceptionsTag
{
    explicit ReturnExceptionsTag() = default;
};
/*! Passed first to gather(): collect every child's Outcome instead of failing. */
inline constexpr ReturnExceptionsTag returnExceptions{};

/*! Gathers the results of \a awaitables into a tuple, in argument order. */
template <Awaitable... A>
auto gather(A &&...awaitables);

/*! Gathers an Outcome per awaitable; failures and cancellations do not fail the gather. */
template <Awaitable... A>
auto gather(ReturnExceptionsTag, A &&...awaitables);

/*! Gathers \a futures (Future<T> or Task<T>) into a std::vector<T> (Future<void> if T is void). */
template <TypedFuture F>
auto gather(const std::vector<F> &futures, SourceLocation where = SourceLocation::current());

/*! Gathers an Outcome per future of \a futures. */
template <TypedFuture F>
auto gather(ReturnExceptionsTag, const std::vector<F> &futures,
            SourceLocation where = SourceLocation::current());

/*! Wraps each of \a coros in a task and gathers their results. */
template <class T>
auto gather(std::vector<Coro<T>> coros, SourceLocation where = SourceLocation::current());

/*! Wraps each of \a coros in a task and gathers an Outcome per task. */
template <class T>
auto gather(ReturnExceptionsTag, std::vector<Coro<T>> coros,
            SourceLocation where = SourceLocation::current());

} // namespace qaio

#include <qaio/highlevel/detail/gather_impl.h>
