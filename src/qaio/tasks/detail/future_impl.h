// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// The shared state of futures and the inline members of FutureBase and Future<T>,
// included at the end of tasks/future.h.

#include <qaio/base/detail/smallblocks.h>

namespace qaio {

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
    QAIO_SMALL_BLOCK_ALLOCATED

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
    /*! Names what this future stands for, for the inspector (tasks/awaitedge.h). */
    void tagAwait(AwaitEdge::Kind kind, const char *awaitLabel, const AwaitTarget *target = nullptr) noexcept
    {
        awaitKind = kind;
        label = awaitLabel;
        awaitTarget = target;
    }
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
    AwaitEdge::Kind awaitKind = AwaitEdge::Kind::Future; // what the inspector calls it
    const char *label = nullptr; // e.g. "sleep": shown by the inspector
    const AwaitTarget *awaitTarget = nullptr; // describes the target to the inspector
    std::uint64_t createdByTask = 0; // the task whose step made this future (registerFuture())
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
    /*! The task suspended on this future (TaskStateBase::suspendOn()): woken by scheduling
        its step directly, in the place of a done callback registered after the first
        waitingTaskPosition callbacks, so the order stays asyncio's. Costs no allocation. */
    TaskStateBase *waitingTask = nullptr;
    std::size_t waitingTaskPosition = 0;

    // Intrusive list of every live future of the loop (the loop detaches them on destruction).
    FutureStateBase *prevInLoop = nullptr;
    FutureStateBase *nextInLoop = nullptr;

private:
    void scheduleCallbacks();
    /*! Removes the callbacks \a remove selects, keeping waitingTaskPosition in step. */
    template <class Predicate>
    int eraseCallbacks(Predicate remove);
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

/*! Suspends the current task until \a state is done; throws RuntimeError outside a task.
    \a ownRefs: how many references to \a state the suspending await holds itself (the
    inspector's lost-waker test), 0 if unknown. */
QAIO_EXPORT void suspendCurrentTaskOn(FutureStateBase *state, std::coroutine_handle<> resumePoint, int ownRefs = 0);

template <class T>
class FutureAwaiter
{
public:
    /*! Adopts a reference to \a state, which holds a FutureState<T> unless T is void.
        \a handle: the awaited Future handle when it outlives the co_await (an lvalue). */
    explicit FutureAwaiter(FutureStateBase *state, const void *handle = nullptr) noexcept
        : m_state(state), m_handle(handle)
    {
    }
    FutureAwaiter(FutureAwaiter &&other) noexcept
        : m_state(std::exchange(other.m_state, nullptr)), m_handle(other.m_handle)
    {
    }
    FutureAwaiter(const FutureAwaiter &) = delete;
    ~FutureAwaiter()
    {
        if (m_state)
            m_state->deref();
    }
    bool await_ready() const noexcept { return m_state->isDone(); }
    void await_suspend(std::coroutine_handle<> h) { suspendCurrentTaskOn(m_state, h, ownReferences(h)); }
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
    /*! This awaiter's reference, plus the awaited handle's when it lies in the suspending
        frame: between the frame's start and this awaiter, which the frame holds too. */
    int ownReferences(std::coroutine_handle<> h) const noexcept
    {
        const auto frame = reinterpret_cast<std::uintptr_t>(h.address());
        const auto self = reinterpret_cast<std::uintptr_t>(this);
        const auto handle = reinterpret_cast<std::uintptr_t>(m_handle);
        const bool inFrame = m_handle && self > frame && self - frame < (std::uintptr_t(1) << 20) && handle >= frame && handle < self;
        return inFrame ? 2 : 1;
    }
    FutureStateBase *m_state;
    const void *m_handle;
};

} // namespace detail

// ---- FutureBase ------------------------------------------------------------------------

inline FutureBase::FutureBase(const FutureBase &other) noexcept : d(other.d)
{
    if (d)
        d->ref();
}

inline FutureBase::~FutureBase()
{
    if (d)
        d->deref();
}

inline FutureBase FutureBase::fromState(detail::FutureStateBase *state) noexcept
{
    FutureBase f;
    f.d = state;
    if (state)
        state->ref();
    return f;
}

inline bool FutureBase::done() const noexcept
{
    return d->isDone();
}

inline bool FutureBase::cancelled() const noexcept
{
    return d->status == detail::FutureStatus::Cancelled;
}

inline bool FutureBase::isTask() const noexcept
{
    return d->task != nullptr;
}

inline bool FutureBase::cancel(const QString &message)
{
    return d->cancel(message);
}

inline std::exception_ptr FutureBase::exception() const
{
    return d->retrieveException();
}

inline void FutureBase::setException(std::exception_ptr error)
{
    d->setException(std::move(error));
}

template <class E>
void FutureBase::setException(E error)
{
    d->setException(std::make_exception_ptr(std::move(error)));
}

template <class F>
DoneCallbackId FutureBase::addDoneCallback(F fn)
{
    return d->addDoneCallback([fn = std::move(fn)](detail::FutureStateBase &s) mutable {
        fn(FutureBase::fromState(&s));
    });
}

inline DoneCallbackId FutureBase::addDoneCallback(void (*fn)(const FutureBase &))
{
    return d->addDoneCallback([fn](detail::FutureStateBase &s) { fn(FutureBase::fromState(&s)); },
                              reinterpret_cast<const void *>(fn));
}

inline int FutureBase::removeDoneCallback(DoneCallbackId id)
{
    return d->removeDoneCallback(id);
}

inline int FutureBase::removeDoneCallback(void (*fn)(const FutureBase &))
{
    return d->removeDoneCallbacksByKey(reinterpret_cast<const void *>(fn));
}

inline EventLoop &FutureBase::getLoop() const
{
    d->requireLoop();
    return d->loop->eventLoop();
}

inline detail::FutureAwaiter<void> FutureBase::operator co_await() const
{
    d->ref();
    return detail::FutureAwaiter<void>(d, this);
}

inline QString FutureBase::describe() const
{
    return d->describe();
}

// ---- Future<T> -------------------------------------------------------------------------

template <class T>
Future<T>::Future(detail::FutureState<T> *state) noexcept
{
    d = state;
}

template <class T>
decltype(auto) Future<T>::result() const
{
    d->throwUnlessValue();
    if constexpr (!std::is_void_v<T>)
        return static_cast<const T &>(*typedState()->value);
}

template <class T>
template <class U>
    requires(!std::is_void_v<T> && std::is_constructible_v<T, U &&>)
void Future<T>::setResult(U &&value)
{
    d->requirePending("setResult");
    typedState()->value.emplace(std::forward<U>(value));
    d->finishWithValue();
}

template <class T>
void Future<T>::setResult()
    requires std::is_void_v<T>
{
    d->requirePending("setResult");
    typedState()->value.emplace();
    d->finishWithValue();
}

template <class T>
template <class F>
DoneCallbackId Future<T>::addDoneCallback(F fn)
{
    return d->addDoneCallback([fn = std::move(fn)](detail::FutureStateBase &s) mutable {
        s.ref();
        fn(Future<T>(static_cast<detail::FutureState<T> *>(&s)));
    });
}

template <class T>
detail::FutureAwaiter<T> Future<T>::operator co_await() const &
{
    d->ref();
    return detail::FutureAwaiter<T>(typedState(), this);
}

template <class T>
detail::FutureAwaiter<T> Future<T>::operator co_await() &&
{
    auto *state = typedState();
    d = nullptr;
    return detail::FutureAwaiter<T>(state);
}

template <class T>
detail::FutureState<T> *Future<T>::typedState() const noexcept
{
    return static_cast<detail::FutureState<T> *>(d);
}

// ---- the loop's side -------------------------------------------------------------------

inline LoopCore &detail::loopOf(const FutureBase &future)
{
    future.state()->requireLoop();
    return *future.state()->loop;
}

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
