// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file shield.h
    shield(): protect an operation from cancellation (asyncio.shield()).

    \c{shield(aw)} returns an outer future that follows \a aw (a Coro<T>, which becomes a
    task, or a Future<T> / Task<T>). Cancelling the outer future, or the task awaiting
    it, cancels only the outer future: the inner one keeps running and its result stays
    available from the inner task. If the inner one is cancelled, the outer one is too.
    If \a aw is already done, shield() returns it unchanged (asyncio's shortcut).

    The loop keeps a pending inner task alive, so \c{co_await qaio::shield(save())} is
    safe even when nobody else holds the task.

    Errors: ValueError from ensureFuture() (empty coroutine, invalid future). A result
    type that is not copyable is moved from the inner future into the outer one.

    \code
    qaio::Task<void> save = qaio::createTask(saveDocument());
    co_await qaio::shield(save);   // cancelling this task does not stop the save;
                                   // the save's result stays available from `save`
    \endcode
*/

#include <qaio/highlevel/ensurefuture.h>
#include <qaio/tasks/future.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/tasks/task.h>

#include <type_traits>
#include <utility>

namespace qaio {

namespace detail {

template <class T>
Future<T> shieldFuture(Future<T> inner)
{
    if (inner.done())
        return inner;
    Future<T> outer = detail::loopOf(inner).template createFuture<T>();
    outer.state()->tagAwait(AwaitEdge::Kind::Other, "shield");
    const DoneCallbackId innerId = inner.addDoneCallback([outer](Future<T> in) mutable {
        FutureStateBase *s = in.state();
        if (outer.done()) {
            // The outer future was cancelled: the inner result has no taker, but an
            // exception must not be reported as never retrieved.
            if (!in.cancelled())
                s->logTraceback = false;
            return;
        }
        if (in.cancelled()) {
            outer.cancel(s->cancelMessage);
        } else if (s->exception) {
            s->logTraceback = false;
            outer.setException(s->exception);
        } else if constexpr (std::is_void_v<T>) {
            outer.setResult();
        } else if constexpr (std::is_copy_constructible_v<T>) {
            outer.setResult(*in.typedState()->value);
        } else {
            outer.setResult(std::move(*in.typedState()->value));
        }
    });
    // Once the outer future is done (cancelled), the inner one no longer needs to report.
    outer.addDoneCallback([inner, innerId](const FutureBase &) mutable {
        if (!inner.done())
            inner.removeDoneCallback(innerId);
    });
    return outer;
}

} // namespace detail

/*! Returns a future that follows \a aw but whose cancellation leaves \a aw running. */
template <Awaitable A>
Future<AwaitResult<A>> shield(A &&aw)
{
    static_assert(TypedFuture<A> || !std::is_lvalue_reference_v<A>, "pass coroutines as rvalues (std::move)");
    Future<AwaitResult<A>> inner = ensureFuture(std::forward<A>(aw));
    return detail::shieldFuture(std::move(inner));
}

} // namespace qaio
