// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file future.h
    Future<T>: the result of an operation that completes later, as asyncio.Future.

    A future is pending, then exactly one of: finished with a result, finished with an
    exception, or cancelled. Done callbacks are always scheduled through the loop
    (EventLoop::callSoon), never run inline, in the order they were added. Inside a task,
    \c{co_await future} suspends until it is done and returns the result, or throws the
    exception (CancelledError if the future was cancelled).

    Futures are reference-counted handles: copies refer to the same state. Use them
    from the loop's thread. An exception that was set and never retrieved (result(),
    exception() or co_await) is reported to the loop's exception handler when the last
    handle goes away, as asyncio does.

    Errors: result() and exception() throw InvalidStateError while pending; setResult(),
    setException() throw InvalidStateError once done; result() throws CancelledError on
    a cancelled future.

    \code
    qaio::Future<int> f = loop.createFuture<int>();
    loop.callLater(std::chrono::milliseconds(10), [f]() mutable { f.setResult(42); });
    int value = co_await f;    // inside a task: 42
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/base/errors.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/awaitedge.h>

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace qaio {

class EventLoop;
class FutureBase;
template <class T>
class Future;

using DoneCallbackId = std::uint64_t;

namespace detail {
class FutureStateBase;
template <class T>
class FutureState;
template <class T>
class FutureAwaiter;
} // namespace detail

/*!
    \class qaio::FutureBase
    The type-erased part of every Future<T> and Task<T>: state, cancellation, exception,
    done callbacks. Holding a FutureBase keeps the future alive.
*/
class QAIO_EXPORT FutureBase
{
public:
    FutureBase() noexcept = default;
    FutureBase(const FutureBase &other) noexcept;
    FutureBase(FutureBase &&other) noexcept : d(std::exchange(other.d, nullptr)) {}
    FutureBase &operator=(FutureBase other) noexcept
    {
        std::swap(d, other.d);
        return *this;
    }
    ~FutureBase();

    /*! Wraps \a state, taking a new reference. */
    static FutureBase fromState(detail::FutureStateBase *state) noexcept;

    bool isValid() const noexcept { return d != nullptr; }
    bool done() const noexcept;
    bool cancelled() const noexcept;
    bool isTask() const noexcept;

    /*! Cancels the future (returns false if it is already done) and schedules its callbacks.
        On a task this requests cancellation of the task (asyncio's Task.cancel()). */
    bool cancel(const QString &message = {});

    /*! The exception set on the future, or nullptr if it finished with a result.
        Throws InvalidStateError if pending and CancelledError if cancelled. */
    std::exception_ptr exception() const;

    /*! Finishes the future with \a error. Throws InvalidStateError if already done. */
    void setException(std::exception_ptr error);
    template <class E>
    void setException(E error);

    /*! Schedules \a fn(future) to run when the future is done (soon, if it already is).
        Returns an id for removeDoneCallback(). */
    template <class F>
    DoneCallbackId addDoneCallback(F fn);
    /*! Adds a plain function; removeDoneCallback(fn) then removes every copy of it. */
    DoneCallbackId addDoneCallback(void (*fn)(const FutureBase &));
    /*! Removes the callback with \a id; returns how many were removed (0 or 1). */
    int removeDoneCallback(DoneCallbackId id);
    /*! Removes every copy of the plain-function callback \a fn; returns how many. */
    int removeDoneCallback(void (*fn)(const FutureBase &));

    /*! The loop the future is bound to. Throws RuntimeError if that loop was destroyed. */
    EventLoop &getLoop() const;

    /*! Awaiting a type-erased future: waits, then throws its exception if any. */
    detail::FutureAwaiter<void> operator co_await() const;

    QString describe() const;
    detail::FutureStateBase *state() const noexcept { return d; }
    friend bool operator==(const FutureBase &a, const FutureBase &b) noexcept { return a.d == b.d; }

protected:
    detail::FutureStateBase *d = nullptr;
};

/*!
    \class qaio::Future
    A future with a typed result. See the file documentation above.
*/
template <class T>
class Future : public FutureBase
{
public:
    using value_type = T;

    Future() noexcept = default;
    /*! Adopts \a state (takes over its initial reference). */
    explicit Future(detail::FutureState<T> *state) noexcept;

    /*! The result. Throws InvalidStateError if pending, CancelledError if cancelled, or the
        exception the future finished with. */
    decltype(auto) result() const;

    /*! Finishes the future with \a value. Throws InvalidStateError if already done and
        RuntimeError on a task (a task's result comes from its coroutine). */
    template <class U = T>
        requires(!std::is_void_v<T> && std::is_constructible_v<T, U &&>)
    void setResult(U &&value);
    void setResult()
        requires std::is_void_v<T>;

    /*! As FutureBase::addDoneCallback(), with the Future<T> passed to \a fn. */
    template <class F>
    DoneCallbackId addDoneCallback(F fn);
    using FutureBase::addDoneCallback;

    /*! Awaiting gives the result (moved out when no other handle shares the future) or
        throws the exception. */
    detail::FutureAwaiter<T> operator co_await() const &;
    detail::FutureAwaiter<T> operator co_await() &&;

    detail::FutureState<T> *typedState() const noexcept;
};

namespace detail {
/*! The loop core \a future is bound to (what the layers below EventLoop hold). Throws
    RuntimeError if that loop was destroyed. */
inline LoopCore &loopOf(const FutureBase &future);
} // namespace detail

} // namespace qaio

#include <qaio/tasks/detail/future_impl.h>
