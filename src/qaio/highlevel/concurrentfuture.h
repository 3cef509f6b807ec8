// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file concurrentfuture.h
    runCoroutineThreadsafe(): hand a coroutine to a loop from any thread and get its result
    back, as asyncio.run_coroutine_threadsafe(); ConcurrentFuture<T>: the handle that
    thread holds (asyncio's concurrent.futures.Future).

    runCoroutineThreadsafe(coro, loop) may be called from any thread, the loop's own
    included. The coroutine becomes a task of \a loop (created on the loop's thread);
    the ConcurrentFuture completes when the task does: result() blocks the calling
    thread until then and returns the result, or throws the task's exception, or
    CancelledError. cancel() (from any thread) cancels the handle at once and the task in
    the loop soon after, as asyncio does; the task then runs its cleanup. qfuture() gives
    the same outcome as a QFuture<T> for Qt code (QFutureWatcher, .then()); cancelling
    that QFuture cancels the task too.

    Errors: runCoroutineThreadsafe() throws RuntimeError("Event loop is closed") if \a
    loop is closed. result() throws CancelledError if cancelled, TimeoutError with a
    timeout that expires, RuntimeError when called on the loop's own thread before the
    task is done (it would block the loop that must finish it), and InvalidStateError for
    a second result() of a move-only T. If the loop is closed before the task could
    start, the future fails with RuntimeError("the event loop closed before the coroutine
    started").

    \code
    // In a QThread doing blocking work, hand a network call to the GUI thread's loop:
    qaio::ConcurrentFuture<QByteArray> reply = qaio::runCoroutineThreadsafe(fetch(url), guiLoop);
    QByteArray body = reply.result(std::chrono::seconds(30));   // TimeoutError after 30 s
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/base/errors.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/coro.h>
#include <qaio/tasks/task.h>

#include <QtCore/QFuture>
#include <QtCore/QFutureWatcher>
#include <QtCore/QPromise>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>

namespace qaio {

namespace detail {
template <class T>
class ConcurrentState;
}

/*!
    \class qaio::ConcurrentFuture
    The outcome of a coroutine running in a loop, for another thread. Copies share the
    same outcome. See the file documentation above.
*/
template <class T>
class ConcurrentFuture
{
public:
    /*! Whether the task finished, or the future was cancelled. */
    bool done() const;
    bool cancelled() const;
    /*! Cancels the future now and its task in the loop soon after. False if already done. */
    bool cancel();

    /*! Blocks until done. */
    void wait() const;
    /*! Blocks until done or \a timeout passed; whether it is done. */
    bool waitFor(std::chrono::nanoseconds timeout) const;

    /*! Blocks until done and returns the result (moved out for a move-only T), or throws the
        exception, or CancelledError. */
    T result();
    /*! As result(), throwing TimeoutError if not done within \a timeout. */
    T result(std::chrono::nanoseconds timeout);
    /*! Blocks until done; the exception it failed with (nullptr on success). Throws
        CancelledError if cancelled. */
    std::exception_ptr exception() const;

    /*! The same outcome as a QFuture (T copyable, or void). */
    QFuture<T> qfuture() const
        requires(std::is_void_v<T> || std::is_copy_constructible_v<T>);

    explicit ConcurrentFuture(std::shared_ptr<detail::ConcurrentState<T>> state) : d(std::move(state)) {}

private:
    std::shared_ptr<detail::ConcurrentState<T>> d;
};

/*! Runs \a coro as a task of \a loop and returns its outcome for this thread. */
template <class T>
ConcurrentFuture<T> runCoroutineThreadsafe(Coro<T> coro, LoopCore &loop,
                                           SourceLocation where = SourceLocation::current());

} // namespace qaio

#include <qaio/highlevel/detail/concurrentfuture_impl.h>
