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

class TaskStateBase;

enum class FutureStatus : std::uint8_t { Pending, Cancelled, Finished };

template <class T>
struct StoredValue
{
    using type = T;
};
template <>
struct StoredValue<void>
{
    using type = std::monostate;
};

/*! The type-erased shared state of every future and task. */
class QAIO_EXPORT FutureStateBase
{
public:
    FutureStateBase(LoopCore *loop, const SourceLocation &where);
    FutureStateBase(const FutureStateBase &) = delete;
    FutureStateBase &operator=(const FutureStateBase &) = delete;
    virtual ~FutureStateBase();

    void ref() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
    void deref() noexcept
    {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
            delete this;
    }
    bool soleOwner() const noexcept { return refs.load(std::memory_order_acquire) == 1; }

    bool isDone() const noexcept { return status != FutureStatus::Pending; }
    /*! asyncio's Future.cancel(), or Task.cancel() for a task's state. Virtual so that a
        derived future can route cancellation elsewhere (gather() cancels its children). */
    virtual bool cancel(const QString &message);
    /*! Future.cancel() proper, bypassing a task's cancellation protocol. */
    bool cancelFuture(const QString &message);
    /*! Future.set_exception(); refused (RuntimeError) on a task. */
    void setException(std::exception_ptr error);
    /*! Finishes with \a error; what a task does when its coroutine throws. */
    void finishWithException(std::exception_ptr error);
    /*! Marks a future whose value slot was just filled as finished. */
    void finishWithValue();
    /*! Throws as result() would unless finished with a value: InvalidStateError if pending,
        CancelledError if cancelled, the stored exception otherwise. */
    void throwUnlessValue();
    std::exception_ptr retrieveException();
    void requireLoop() const;
    void requirePending(const char *operation) const;

    DoneCallbackId addDoneCallback(std::function<void(FutureStateBase &)> fn, const void *key = nullptr);
    int removeDoneCallback(DoneCallbackId id);
    int removeDoneCallbacksByKey(const void *key);

    /*! A short human-readable description: "Task-3 'fetch'", "Future created at f.cpp:12". */
    QString describe() const;

    /*! Called by the loop when it is destroyed while this state is still alive. */
    void detachFromLoop() noexcept;
    /*! Leaves the loop's list of live futures (on destruction). */
    void unlinkFromLoop() noexcept;
    /*! Reports an exception nobody retrieved to the loop's exception handler, once. */
    void reportUnretrievedException() noexcept;

    std::atomic<std::uint32_t> refs{1};
    LoopCore *loop;
    TaskStateBase *task = nullptr; // non-null when this is a task's state
    FutureStatus status = FutureStatus::Pending;
    bool logTraceback = false; // an exception was set and nobody retrieved it yet
    const char *label = nullptr; // e.g. "sleep": shown by the inspector
    std::exception_ptr exception;
    QString cancelMessage;
    SourceLocation where;

    struct DoneCallback
    {
        DoneCallbackId id;
        const void *key;
        std::function<void(FutureStateBase &)> fn;
    };
    std::vector<DoneCallback> callbacks;
    DoneCallbackId nextCallbackId = 1;

    // Intrusive list of every live future of the loop (the loop detaches them on destruction).
    FutureStateBase *prevInLoop = nullptr;
    FutureStateBase *nextInLoop = nullptr;

private:
    void scheduleCallbacks();
};

template <class T>
class FutureState : public FutureStateBase
{
public:
    using FutureStateBase::FutureStateBase;
    std::optional<typename StoredValue<T>::type> value;
};

/*! The task whose step is running on this thread, or nullptr. */
QAIO_EXPORT TaskStateBase *&currentTaskSlot() noexcept;

/*! Called by every qaio awaiter's await_resume(): throws CancelledError if the task was
    cancelled while it was suspended here without the awaited future being cancelled. */
QAIO_EXPORT void throwIfCancelRequested();

/*! Suspends the current task until \a state is done; throws RuntimeError outside a task. */
QAIO_EXPORT void suspendCurrentTaskOn(FutureStateBase *state, std::coroutine_handle<> resumePoint);

template <class T>
class FutureAwaiter
{
public:
    /*! Adopts a reference to \a state, which holds a FutureState<T> unless T is void. */
    explicit FutureAwaiter(FutureStateBase *state) noexcept : m_state(state) {}
    FutureAwaiter(FutureAwaiter &&other) noexcept : m_state(std::exchange(other.m_state, nullptr)) {}
    FutureAwaiter(const FutureAwaiter &) = delete;
    ~FutureAwaiter()
    {
        if (m_state)
            m_state->deref();
    }
    bool await_ready() const noexcept { return m_state->isDone(); }
    void await_suspend(std::coroutine_handle<> h) { suspendCurrentTaskOn(m_state, h); }
    T await_resume()
    {
        throwIfCancelRequested();
        m_state->throwUnlessValue();
        if constexpr (!std::is_void_v<T>) {
            // Nobody else can see the value: move it out instead of copying.
            if constexpr (std::is_copy_constructible_v<T>) {
                if (!m_state->soleOwner())
                    return *typed()->value;
            }
            return std::move(*typed()->value);
        }
    }

private:
    FutureState<T> *typed() const noexcept { return static_cast<FutureState<T> *>(m_state); }
    FutureStateBase *m_state;
};

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
    FutureBase(const FutureBase &other) noexcept : d(other.d)
    {
        if (d)
            d->ref();
    }
    FutureBase(FutureBase &&other) noexcept : d(std::exchange(other.d, nullptr)) {}
    FutureBase &operator=(FutureBase other) noexcept
    {
        std::swap(d, other.d);
        return *this;
    }
    ~FutureBase()
    {
        if (d)
            d->deref();
    }

    /*! Wraps \a state, taking a new reference. */
    static FutureBase fromState(detail::FutureStateBase *state) noexcept
    {
        FutureBase f;
        f.d = state;
        if (state)
            state->ref();
        return f;
    }

    bool isValid() const noexcept { return d != nullptr; }
    bool done() const noexcept { return d->isDone(); }
    bool cancelled() const noexcept { return d->status == detail::FutureStatus::Cancelled; }
    bool isTask() const noexcept { return d->task != nullptr; }

    /*! Cancels the future (returns false if it is already done) and schedules its callbacks.
        On a task this requests cancellation of the task (asyncio's Task.cancel()). */
    bool cancel(const QString &message = {}) { return d->cancel(message); }

    /*! The exception set on the future, or nullptr if it finished with a result.
        Throws InvalidStateError if pending and CancelledError if cancelled. */
    std::exception_ptr exception() const { return d->retrieveException(); }

    /*! Finishes the future with \a error. Throws InvalidStateError if already done. */
    void setException(std::exception_ptr error) { d->setException(std::move(error)); }
    template <class E>
    void setException(E error)
    {
        d->setException(std::make_exception_ptr(std::move(error)));
    }

    /*! Schedules \a fn(future) to run when the future is done (soon, if it already is).
        Returns an id for removeDoneCallback(). */
    template <class F>
    DoneCallbackId addDoneCallback(F fn)
    {
        return d->addDoneCallback([fn = std::move(fn)](detail::FutureStateBase &s) mutable {
            fn(FutureBase::fromState(&s));
        });
    }
    /*! Adds a plain function; removeDoneCallback(fn) then removes every copy of it. */
    DoneCallbackId addDoneCallback(void (*fn)(const FutureBase &))
    {
        return d->addDoneCallback([fn](detail::FutureStateBase &s) { fn(FutureBase::fromState(&s)); },
                                  reinterpret_cast<const void *>(fn));
    }
    /*! Removes the callback with \a id; returns how many were removed (0 or 1). */
    int removeDoneCallback(DoneCallbackId id) { return d->removeDoneCallback(id); }
    /*! Removes every copy of the plain-function callback \a fn; returns how many. */
    int removeDoneCallback(void (*fn)(const FutureBase &))
    {
        return d->removeDoneCallbacksByKey(reinterpret_cast<const void *>(fn));
    }

    /*! The loop the future is bound to. Throws RuntimeError if that loop was destroyed. */
    EventLoop &getLoop() const
    {
        d->requireLoop();
        return d->loop->eventLoop();
    }

    /*! Awaiting a type-erased future: waits, then throws its exception if any. */
    detail::FutureAwaiter<void> operator co_await() const;

    QString describe() const { return d->describe(); }
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
    explicit Future(detail::FutureState<T> *state) noexcept { d = state; }

    /*! The result. Throws InvalidStateError if pending, CancelledError if cancelled, or the
        exception the future finished with. */
    decltype(auto) result() const
    {
        d->throwUnlessValue();
        if constexpr (!std::is_void_v<T>)
            return static_cast<const T &>(*typedState()->value);
    }

    /*! Finishes the future with \a value. Throws InvalidStateError if already done and
        RuntimeError on a task (a task's result comes from its coroutine). */
    template <class U = T>
        requires(!std::is_void_v<T> && std::is_constructible_v<T, U &&>)
    void setResult(U &&value)
    {
        d->requirePending("setResult");
        typedState()->value.emplace(std::forward<U>(value));
        d->finishWithValue();
    }
    void setResult()
        requires std::is_void_v<T>
    {
        d->requirePending("setResult");
        typedState()->value.emplace();
        d->finishWithValue();
    }

    template <class F>
    DoneCallbackId addDoneCallback(F fn)
    {
        return d->addDoneCallback([fn = std::move(fn)](detail::FutureStateBase &s) mutable {
            s.ref();
            fn(Future<T>(static_cast<detail::FutureState<T> *>(&s)));
        });
    }
    using FutureBase::addDoneCallback;

    detail::FutureAwaiter<T> operator co_await() const &
    {
        d->ref();
        return detail::FutureAwaiter<T>(typedState());
    }
    detail::FutureAwaiter<T> operator co_await() &&
    {
        auto *state = typedState();
        d = nullptr;
        return detail::FutureAwaiter<T>(state);
    }

    detail::FutureState<T> *typedState() const noexcept { return static_cast<detail::FutureState<T> *>(d); }
};

inline detail::FutureAwaiter<void> FutureBase::operator co_await() const
{
    d->ref();
    return detail::FutureAwaiter<void>(d);
}

namespace detail {
/*! The loop core \a future is bound to (what the layers below EventLoop hold). Throws
    RuntimeError if that loop was destroyed. */
inline LoopCore &loopOf(const FutureBase &future)
{
    future.state()->requireLoop();
    return *future.state()->loop;
}
} // namespace detail

template <class T>
Future<T> LoopCore::createFuture(SourceLocation where)
{
    requireOpen();
    requireOwnerThread();
    auto *state = new detail::FutureState<T>(this, where);
    detail::registerFuture(this, state);
    return Future<T>(state);
}

} // namespace qaio
