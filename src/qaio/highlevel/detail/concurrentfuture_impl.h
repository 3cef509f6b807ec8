// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// Implementation of concurrentfuture.h. The state is shared by the loop's thread and any
// number of others: everything in it is guarded by its mutex, except the QPromise, which
// is thread-safe itself.

#include <variant>

namespace qaio::detail {

/*! The part of a ConcurrentFuture's state that does not depend on T. */
class QAIO_EXPORT ConcurrentStateBase : public std::enable_shared_from_this<ConcurrentStateBase>
{
public:
    enum class Status { Pending, Cancelled, Finished };

    explicit ConcurrentStateBase(LoopCore &loop) : m_loopThread(loop.ownerThreadTag()) {}
    virtual ~ConcurrentStateBase();

    bool done() const;
    bool cancelled() const;
    /*! Any thread: cancels the outcome now, the task on the loop's thread soon. */
    bool cancel();
    /*! Blocks until done (or \a timeout); the lock is held when it returns true. Throws
        RuntimeError on the loop's own thread while pending. */
    bool waitDone(std::unique_lock<std::mutex> &lock, std::optional<std::chrono::nanoseconds> timeout) const;
    /*! Throws CancelledError or the exception once done (lock held). */
    void throwIfFailed() const;

    // ---- the loop's side (loop thread) ----
    /*! The task runs: cancel() reaches it through \a loop from now on. */
    void attach(LoopCore &loop, FutureStateBase *task);
    /*! The task's coroutine ended or was destroyed: cancel() stops reaching it. */
    void detach();
    /*! Cancels the attached task, if still running (loop thread). */
    void cancelTask();
    void fail(std::exception_ptr error);

protected:
    /*! Completes the QFuture side as this state says (called once, outside the lock). */
    virtual void settleQFuture() = 0;
    /*! Sets Finished (pending, lock held), wakes the waiters, unlocks, settles the QFuture. */
    void markFinished(std::unique_lock<std::mutex> &lock);

    mutable std::mutex m_mutex;
    mutable std::condition_variable m_changed;
    Status m_status = Status::Pending;
    std::exception_ptr m_error;

private:
    const void *m_loopThread;
    LoopCore *m_loop = nullptr;        // while the task runs
    FutureStateBase *m_task = nullptr; // idem
};

template <class T>
class ConcurrentState final : public ConcurrentStateBase
{
public:
    explicit ConcurrentState(LoopCore &loop) : ConcurrentStateBase(loop) { m_promise.start(); }

    template <class... V>
    void finish(V &&...value)
    {
        std::unique_lock lock(m_mutex);
        if (m_status != Status::Pending)
            return; // cancelled meanwhile: the outcome is final
        if constexpr (!std::is_void_v<T>)
            m_value.emplace(std::forward<V>(value)...);
        markFinished(lock);
    }

    T take(std::unique_lock<std::mutex> &lock)
    {
        throwIfFailed();
        if constexpr (!std::is_void_v<T>) {
            if (!m_value)
                throw InvalidStateError("ConcurrentFuture::result(): the move-only result was already taken");
            if constexpr (std::is_copy_constructible_v<T>) {
                return *m_value;
            } else {
                T value = std::move(*m_value);
                m_value.reset();
                lock.unlock();
                return value;
            }
        }
    }

    QPromise<T> &promise() { return m_promise; }

private:
    void settleQFuture() override
    {
        // Called once the status is final: read it without racing the writers.
        std::unique_lock lock(m_mutex);
        const Status status = m_status;
        const std::exception_ptr error = m_error;
        std::conditional_t<std::is_void_v<T> || !std::is_copy_constructible_v<T>, std::monostate, std::optional<T>> value;
        if constexpr (!std::is_void_v<T> && std::is_copy_constructible_v<T>)
            value = m_value;
        lock.unlock();
        if (status == Status::Cancelled) {
            m_promise.future().cancel();
        } else if (error) {
            m_promise.setException(error);
        } else if constexpr (!std::is_void_v<T> && std::is_copy_constructible_v<T>) {
            if (value)
                m_promise.addResult(std::move(*value));
        }
        m_promise.finish();
    }

    QPromise<T> m_promise;
    std::conditional_t<std::is_void_v<T>, std::monostate, std::optional<T>> m_value;
};

/*! Clears the state's link to its task when the coroutine frame goes (ended or destroyed
    with its loop), so cancel() never reaches a dead task. */
struct ConcurrentLink
{
    ConcurrentStateBase *state;
    ~ConcurrentLink() { state->detach(); }
};

/*! The task's coroutine: runs \a coro and hands its outcome to \a state. */
template <class T>
Coro<void> runForOtherThread(Coro<T> coro, std::shared_ptr<ConcurrentState<T>> state)
{
    ConcurrentLink link{state.get()};
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(coro);
            state->finish();
        } else {
            T value = co_await std::move(coro);
            state->finish(std::move(value));
        }
    } catch (const CancelledError &) {
        state->fail(std::current_exception());
        throw; // the task ends cancelled, as asyncio's does
    } catch (...) {
        state->fail(std::current_exception()); // retrieved by the other thread: not logged
    }
}

/*! The callback that starts the task on the loop's thread; if the loop drops it unrun
    (closed first), the future fails instead of staying pending forever. */
template <class T>
struct StartForOtherThread
{
    Coro<T> coro;
    std::shared_ptr<ConcurrentState<T>> state;
    LoopCore *loop;
    SourceLocation where;

    StartForOtherThread(Coro<T> c, std::shared_ptr<ConcurrentState<T>> s, LoopCore *l, SourceLocation w)
        : coro(std::move(c)), state(std::move(s)), loop(l), where(w)
    {
    }
    StartForOtherThread(StartForOtherThread &&) noexcept = default;
    ~StartForOtherThread()
    {
        if (state)
            state->fail(std::make_exception_ptr(RuntimeError("the event loop closed before the coroutine started")));
    }

    void operator()()
    {
        std::shared_ptr<ConcurrentState<T>> s = std::move(state);
        try {
            start(s);
        } catch (...) {
            s->fail(std::current_exception());
            throw;
        }
    }

private:
    void start(const std::shared_ptr<ConcurrentState<T>> &s)
    {
        const bool cancelNow = s->cancelled() || s->promise().future().isCanceled();
        Task<void> task = loop->createTask(runForOtherThread<T>(std::move(coro), s), QString(), where);
        if (!task.done())
            s->attach(*loop, task.state());
        // Cancelling the QFuture cancels the task; the watcher dies with the loop at the latest.
        auto *watcher = new QFutureWatcher<T>(loop->qtContext());
        std::weak_ptr<ConcurrentState<T>> weak = s;
        QObject::connect(watcher, &QFutureWatcherBase::canceled, watcher, [weak] {
            if (auto alive = weak.lock())
                alive->cancel();
        });
        QObject::connect(watcher, &QFutureWatcherBase::finished, watcher, &QObject::deleteLater);
        watcher->setFuture(s->promise().future());
        if (cancelNow)
            loop->callSoon([s] { s->cancelTask(); }); // after the first step, as asyncio
    }
};

} // namespace qaio::detail

namespace qaio {

template <class T>
bool ConcurrentFuture<T>::done() const
{
    return d->done();
}

template <class T>
bool ConcurrentFuture<T>::cancelled() const
{
    return d->cancelled();
}

template <class T>
bool ConcurrentFuture<T>::cancel()
{
    return d->cancel();
}

template <class T>
void ConcurrentFuture<T>::wait() const
{
    std::unique_lock<std::mutex> lock;
    d->waitDone(lock, std::nullopt);
}

template <class T>
bool ConcurrentFuture<T>::waitFor(std::chrono::nanoseconds timeout) const
{
    std::unique_lock<std::mutex> lock;
    return d->waitDone(lock, timeout);
}

template <class T>
T ConcurrentFuture<T>::result()
{
    std::unique_lock<std::mutex> lock;
    d->waitDone(lock, std::nullopt);
    return d->take(lock);
}

template <class T>
T ConcurrentFuture<T>::result(std::chrono::nanoseconds timeout)
{
    std::unique_lock<std::mutex> lock;
    if (!d->waitDone(lock, timeout))
        throw TimeoutError("ConcurrentFuture::result(): timed out");
    return d->take(lock);
}

template <class T>
std::exception_ptr ConcurrentFuture<T>::exception() const
{
    std::unique_lock<std::mutex> lock;
    d->waitDone(lock, std::nullopt);
    try {
        d->throwIfFailed();
    } catch (const CancelledError &) {
        throw;
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}

template <class T>
QFuture<T> ConcurrentFuture<T>::qfuture() const
    requires(std::is_void_v<T> || std::is_copy_constructible_v<T>)
{
    return d->promise().future();
}

template <class T>
ConcurrentFuture<T> runCoroutineThreadsafe(Coro<T> coro, LoopCore &loop, SourceLocation where)
{
    if (!coro.isValid())
        throw ValueError("runCoroutineThreadsafe(): coro is empty (moved-from or default-constructed)");
    auto state = std::make_shared<detail::ConcurrentState<T>>(loop);
    loop.callSoonThreadsafe(detail::StartForOtherThread<T>(std::move(coro), state, &loop, where), where);
    return ConcurrentFuture<T>(std::move(state));
}

} // namespace qaio
