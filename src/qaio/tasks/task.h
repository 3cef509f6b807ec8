// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file task.h
    Task<T>: a coroutine scheduled on the loop, as asyncio.Task. A task is a Future<T>.

    Create tasks with EventLoop::createTask() or qaio::createTask(). The loop keeps a
    pending task alive (fire-and-forget is safe, unlike asyncio where an unreferenced task
    may vanish), and registers it from birth to end for introspection (allTasks(),
    EventLoop::taskInfos(), the QML inspector).

    Cancellation follows asyncio exactly: cancel(msg) makes the task's current (or next)
    \c co_await throw CancelledError(msg); if the task is awaiting another future or task,
    that one is cancelled instead. cancelling() counts pending cancel requests; uncancel()
    decrements it. A task that catches CancelledError and returns normally finishes with
    its result.

    \code
    qaio::Task<void> t = loop.createTask(worker(), "worker");
    loop.callLater(std::chrono::seconds(1), [t]() mutable { t.cancel("shutting down"); });
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/base/detail/log2histogram.h>
#include <qaio/tasks/coro.h>
#include <qaio/tasks/future.h>
#include <qaio/base/qaioglobal.h>

#include <QtCore/QString>

#include <coroutine>
#include <cstdint>

namespace qaio {

class TaskBase;

/*! What the inspector and EventLoop::taskInfos() show about one task. */
struct TaskInfo
{
    enum class State { Scheduled, Running, Waiting, Finished, Cancelled, Failed };
    std::uint64_t id = 0;
    std::uint64_t parentId = 0; // 0: created outside any task
    QString name;
    State state = State::Scheduled;
    SourceLocation createdAt;
    QString awaiting;        // what the task waits for now, empty unless Waiting
    std::uint64_t steps = 0; // how many times the task was resumed
    Duration runTime{};      // time spent inside its steps, completion included
    int cancelling = 0;

    static QString stateName(State s);
};

namespace detail {

class QAIO_EXPORT TaskStateBase
{
public:
    TaskStateBase(FutureStateBase *future, std::coroutine_handle<> root, QString name);
    TaskStateBase(const TaskStateBase &) = delete;
    TaskStateBase &operator=(const TaskStateBase &) = delete;
    virtual ~TaskStateBase();

    /*! Registers the task with its loop and schedules the first step. */
    void scheduleStart();
    /*! Registers the task and runs its first step now (asyncio's eager tasks). */
    void startEagerly();
    void scheduleStep();
    void step();
    bool cancel(const QString &message);
    int uncancel();
    /*! \a ownRefs: see ownRefsOnAwaited. */
    void suspendOn(FutureStateBase *awaited, std::coroutine_handle<> resumePoint, int ownRefs = 0);
    void suspendYield(std::coroutine_handle<> resumePoint);
    /*! The loop is being destroyed with this task pending: drop the coroutine frame. */
    void destroyPending() noexcept;
    TaskInfo info() const;
    QString displayName() const;

    FutureStateBase *future;
    std::coroutine_handle<> root;
    std::coroutine_handle<> resumePoint;
    FutureStateBase *waitingOn = nullptr; // holds a reference
    QString name;
    QString cancelMessage;
    std::uint64_t id = 0;
    std::uint64_t parentId = 0;
    std::uint64_t steps = 0;
    Duration runTime{};
#if QAIO_INTROSPECTION
    // The inspector's figures (inspect/inspector.h), kept from stamps the step takes anyway.
    CoroPromiseBase *rootPromise = nullptr; // the start of the await stack
    TimePoint readySince{};   // when it last became ready to run
    TimePoint waitingSince{}; // when its last step ended suspended on a future
    Duration waitTime{};      // suspended on a future (asyncio's idle)
    Duration readyTime{};     // ready, waiting for the loop to run it
    Log2Histogram stepDurations;
    std::uint32_t yields = 0; // steps that ended in a bare reschedule (sleep(0))
    // References to waitingOn held by this task's own await (its awaiter, waitingOn itself,
    // a handle in the awaiting frame); 0 when unknown. The inspector's lost-waker test.
    std::uint8_t ownRefsOnAwaited = 0;
    bool readyMarked = false; // readySince was set for the coming step
    bool awaitedByTask = false; // another task awaited it: it was not fire-and-forget
#endif
    int cancelRequests = 0;
    bool mustCancel = false;
    bool throwCancelOnResume = false;
    bool running = false;
    bool started = false;
    bool registered = false;
    bool cancelPropagating = false; // cancel() is passing the request to waitingOn

    TaskStateBase *prevTask = nullptr;
    TaskStateBase *nextTask = nullptr;

protected:
    /*! Moves the root coroutine's result into the future's value slot, or rethrows. */
    virtual void storeRootResult() = 0;

    /*! Whether another task awaited this one (always true without introspection). */
    bool wasAwaited() const noexcept;

private:
    /*! The inspector's bookkeeping at the end of a step that ran from \a begin to \a end. */
    void noteStepEnd(TimePoint begin, TimePoint end, std::uint64_t wokenBy) noexcept;
    void registerWithLoop();
    /*! Leaves the future it waits on without being woken by it. */
    void stopWaiting() noexcept;
    /*! Leaves the loop's list and drops its reference: may delete this. */
    void unregisterFromLoop() noexcept;
    /*! Moves the finished coroutine's outcome into the future and destroys the frame. */
    void completeRoot();
};

template <class T>
class TaskState final : public FutureState<T>, public TaskStateBase
{
public:
    TaskState(LoopCore *loop, typename Coro<T>::Handle root, QString name, const SourceLocation &where)
        : FutureState<T>(loop, where), TaskStateBase(this, root, std::move(name))
    {
        this->task = this;
#if QAIO_INTROSPECTION
        rootPromise = &root.promise();
#endif
    }

protected:
    void storeRootResult() override
    {
        auto h = Coro<T>::Handle::from_address(root.address());
        if constexpr (std::is_void_v<T>) {
            h.promise().takeResult();
            this->value.emplace();
        } else {
            this->value.emplace(h.promise().takeResult());
        }
    }
};

/*! Task methods shared by TaskBase and Task<T>. */
template <class Derived>
class TaskInterface
{
public:
    /*! The task's name; "Task-<id>" unless set. */
    QString name() const { return ts()->displayName(); }
    void setName(const QString &name) { ts()->name = name; }
    /*! A number unique within the process, increasing with creation order. */
    std::uint64_t id() const { return ts()->id; }
    /*! The number of pending cancellation requests (asyncio's Task.cancelling()). */
    int cancelling() const { return ts()->cancelRequests; }
    /*! Decrements cancelling(); returns the new count (asyncio's Task.uncancel()). */
    int uncancel() { return ts()->uncancel(); }
    /*! Where createTask() was called. */
    SourceLocation createdAt() const { return ts()->future->where; }
    /*! A snapshot of what the registry knows about this task. */
    TaskInfo info() const { return ts()->info(); }

private:
    TaskStateBase *ts() const { return static_cast<const Derived *>(this)->state()->task; }
};

} // namespace detail

/*!
    \class qaio::TaskBase
    A task of any result type, as returned by currentTask() and allTasks().
*/
class QAIO_EXPORT TaskBase : public FutureBase, public detail::TaskInterface<TaskBase>
{
public:
    TaskBase() noexcept = default;
    /*! Wraps the task state \a state (a task's FutureStateBase), taking a new reference. */
    static TaskBase fromState(detail::FutureStateBase *state) noexcept
    {
        TaskBase t;
        static_cast<FutureBase &>(t) = FutureBase::fromState(state);
        return t;
    }
    /*! For a task factory: schedule the first step through the loop (the default). */
    void scheduleStart() { d->task->scheduleStart(); }
    /*! For a task factory: run the first step now, before createTask() returns. */
    void startEagerly() { d->task->startEagerly(); }
    bool isStarted() const noexcept { return d->task->registered; }
};

template <class T>
class Task : public Future<T>, public detail::TaskInterface<Task<T>>
{
public:
    Task() noexcept = default;
    explicit Task(detail::TaskState<T> *state) noexcept : Future<T>(state) {}

    /*! Tasks cannot be completed from outside (asyncio raises RuntimeError too). */
    template <class U>
    void setResult(U &&) = delete;
    void setResult() = delete;

    operator TaskBase() const noexcept { return TaskBase::fromState(this->d); }
};

/*! The task running on this thread now, or an invalid TaskBase (asyncio's current_task()). */
QAIO_EXPORT TaskBase currentTask();

namespace detail {
/*! Starts a task createTask() made: through the loop's task factory if one is set, and
    scheduled normally if the factory did not start it. */
QAIO_EXPORT void startTask(LoopCore &loop, TaskBase &task);
} // namespace detail

template <class T>
Task<T> LoopCore::createTask(Coro<T> coro, const QString &name, SourceLocation where)
{
    if (!coro.isValid())
        throw ValueError("createTask(): coro is empty (moved-from or default-constructed)");
    requireOpen();
    requireOwnerThread();
    auto *state = new detail::TaskState<T>(this, coro.release(), name, where);
    detail::registerFuture(this, state);
    Task<T> task(state);
    TaskBase erased = task;
    detail::startTask(*this, erased);
    return task;
}

} // namespace qaio
