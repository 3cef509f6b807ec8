// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file ensurefuture.h
    ensureFuture(): turn anything awaitable into a future (asyncio.ensure_future()), and the
    concepts the high-level functions (gather, wait, timeout, shield, ...) accept.

    \list
    \li qaio::TypedFuture<F>  a Future<T> or Task<T> (anything derived from FutureBase
                              that names its result type as \c value_type)
    \li qaio::CoroObject<C>   a Coro<T>
    \li qaio::Awaitable<A>    either of the two
    \li qaio::AwaitResult<A>  the T of a Future<T>, Task<T> or Coro<T>
    \endlist

    ensureFuture(coro) wraps the coroutine in a Task<T> on \a loop (default: the running
    loop, else this thread's loop from the policy); ensureFuture(future) returns the future
    itself after checking it belongs to \a loop.

    Errors: ValueError if the coroutine is empty, the future is invalid, or the future belongs
    to a different loop than \a loop; RuntimeError from EventLoop::createTask() (closed loop,
    wrong thread).

    \code
    qaio::Task<int> t = qaio::ensureFuture(compute());    // scheduled on the running loop
    qaio::Future<int> f = qaio::ensureFuture(t);           // the same task
    \endcode
*/

#include <qaio/tasks/coro.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/future.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/tasks/task.h>

#include <concepts>
#include <type_traits>

namespace qaio {

namespace detail {
template <class C>
struct IsCoro : std::false_type
{
};
template <class T>
struct IsCoro<Coro<T>> : std::true_type
{
};

/*! The loop a high-level function uses when no future tells it: the running loop, else
    the policy's loop for this thread (asyncio's events.get_event_loop()). */
inline LoopCore &defaultLoop()
{
    return currentLoopCore();
}
} // namespace detail

/*! A Future<T> or Task<T>: derived from FutureBase, with its result type as value_type. */
template <class F>
concept TypedFuture = std::derived_from<std::remove_cvref_t<F>, FutureBase> &&
                      requires { typename std::remove_cvref_t<F>::value_type; };

/*! A Coro<T>. */
template <class C>
concept CoroObject = detail::IsCoro<std::remove_cvref_t<C>>::value;

/*! What gather(), timeout(), waitFor() and shield() accept. */
template <class A>
concept Awaitable = TypedFuture<A> || CoroObject<A>;

/*! The result type of awaiting \a A. */
template <class A>
using AwaitResult = typename std::remove_cvref_t<A>::value_type;

/*! Wraps \a coro in a task scheduled on \a loop (asyncio.ensure_future(coro)). */
template <class T>
Task<T> ensureFuture(Coro<T> coro, LoopCore *loop = nullptr,
                     SourceLocation where = SourceLocation::current())
{
    if (!coro.isValid())
        throw ValueError("ensureFuture(): coro is empty (moved-from or default-constructed)");
    LoopCore &target = loop ? *loop : detail::defaultLoop();
    return target.createTask(std::move(coro), QString(), where);
}

/*! Returns \a future itself; throws ValueError if it is invalid or bound to another loop
    than \a loop. */
template <TypedFuture F>
std::remove_cvref_t<F> ensureFuture(F &&future, LoopCore *loop = nullptr)
{
    if (!future.isValid())
        throw ValueError("ensureFuture(): future is invalid (default-constructed)");
    if (loop && &detail::loopOf(future) != loop)
        throw ValueError("ensureFuture(): The future belongs to a different loop than the one specified as "
                         "the loop argument");
    return std::forward<F>(future);
}

} // namespace qaio
