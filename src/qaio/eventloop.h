// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file eventloop.h
    EventLoop: asyncio's event loop, running on the Qt event dispatcher of its thread.

    An EventLoop belongs to the thread that created it. Its callbacks, timers and tasks
    run whenever that thread's Qt event loop runs: under \c{app.exec()}, inside nested
    loops such as \c{QDialog::exec()}, or inside runForever() / runUntilComplete(), which
    spin a QEventLoop the way asyncio users expect.

    Scheduling is asyncio's: callbacks run in FIFO order, in ticks; a tick runs exactly
    the callbacks that were ready when it began. Timers live in one heap behind a single
    precise Qt timer. Many ticks may run per Qt event, within a time slice, so a storm of
    callbacks never starves Qt's own events, timers and socket notifiers.

    Errors: every scheduling call throws RuntimeError("Event loop is closed") after close(),
    and RuntimeError when called from another thread (use callSoonThreadsafe()).
    Exceptions thrown by callbacks and tasks never reach Qt: they go to the exception
    handler (setExceptionHandler(), default: logged on the \c qaio category).

    \code
    int main(int argc, char **argv)
    {
        QCoreApplication app(argc, argv);
        qaio::EventLoop &loop = qaio::getEventLoop();
        loop.callLater(std::chrono::milliseconds(100), [] { qDebug() << "tick"; });
        int answer = loop.runUntilComplete(compute());   // compute() returns qaio::Coro<int>
        return answer == 42 ? 0 : 1;
    }
    \endcode
*/

#include "clock.h"
#include "coro.h"
#include "errors.h"
#include "exceptioncontext.h"
#include "executor.h"
#include "future.h"
#include "handle.h"
#include "qaioglobal.h"
#include "task.h"

#include "detail/ringqueue_p.h"
#include "detail/timerheap_p.h"

#include <QtCore/QString>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <source_location>
#include <type_traits>
#include <unordered_set>
#include <vector>

namespace qaio {

class EventLoop;

namespace detail {
class LoopDriver;
class ThreadsafeInbox;
template <class R>
struct ExecutorSlot
{
    std::optional<typename StoredValue<R>::type> value;
    std::exception_ptr error;
};
QAIO_EXPORT const void *currentThreadTag() noexcept;
/*! From any thread: hands a parked handle back to its loop (see runInExecutor()). */
QAIO_EXPORT void releaseParked(const std::shared_ptr<ThreadsafeInbox> &inbox, HandleImpl *handle) noexcept;
} // namespace detail

using ExceptionHandler = std::function<void(EventLoop &, const ExceptionContext &)>;
/*! Called by createTask() for every new task, before it is started. It may customise the
    task (name, ...) and start it with TaskBase::scheduleStart() or startEagerly(); a task
    the factory did not start is scheduled normally. */
using TaskFactory = std::function<void(EventLoop &, TaskBase &)>;

class QAIO_EXPORT EventLoop
{
public:
    /*! Creates a loop owned by the calling thread. Debug mode is on if QAIO_DEBUG=1. */
    EventLoop();
    /*! Closes the loop. Tasks still pending are reported ("Task was destroyed but it is
        pending!") and their coroutine frames destroyed. */
    ~EventLoop();
    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;

    // ---- Lifecycle -------------------------------------------------------------------
    /*! Runs until stop(). Throws RuntimeError if the loop is closed, already running, or
        another loop is running on this thread; needs a QCoreApplication. */
    void runForever();
    /*! Runs until \a future is done and returns its result (or throws its exception).
        Throws RuntimeError("Event loop stopped before Future completed.") if stop() ends
        the run first; the future then stays pending. */
    template <class T>
    T runUntilComplete(Future<T> future);
    /*! Wraps \a coro in a task and runs until it is done. */
    template <class T>
    T runUntilComplete(Coro<T> coro, std::source_location where = std::source_location::current());
    /*! Makes runForever() return after the current tick (asyncio's stop()). */
    void stop();
    /*! Drops every scheduled callback and shuts the default executor down (without
        waiting). Closing twice is fine. Throws RuntimeError if the loop is running. */
    void close();
    /*! True while qaio dispatches on this loop: inside runForever()/runUntilComplete(), or
        while running callbacks under a plain Qt event loop. */
    bool isRunning() const noexcept { return m_runDepth > 0 || m_batchDepth > 0; }
    bool isClosed() const noexcept { return m_closed; }
    /*! Closes every AsyncGenerator that is still suspended (asyncio's shutdown_asyncgens()). */
    Coro<void> shutdownAsyncgens();
    /*! Shuts the default executor down, waiting for its jobs without blocking the loop.
        With a \a timeout, a warning is logged if they take longer, and the wait ends. */
    Coro<void> shutdownDefaultExecutor(std::optional<Duration> timeout = std::nullopt);

    // ---- Debugging -------------------------------------------------------------------
    void setDebug(bool enabled) noexcept { m_debug = enabled; }
    bool getDebug() const noexcept { return m_debug; }
    /*! In debug mode, callbacks and task steps taking longer are logged (default 100 ms). */
    Duration slowCallbackDuration() const noexcept { return m_slowCallbackDuration; }
    void setSlowCallbackDuration(Duration d) noexcept { m_slowCallbackDuration = d; }

    // ---- Scheduling callbacks ---------------------------------------------------------
    /*! Schedules \a fn to run in the next tick, after the callbacks already scheduled. */
    template <class F>
    Handle callSoon(F &&fn, std::source_location where = std::source_location::current());
    /*! callSoon() for any thread: wakes the loop's thread. Throws RuntimeError if closed. */
    template <class F>
    Handle callSoonThreadsafe(F &&fn, std::source_location where = std::source_location::current());
    /*! Schedules \a fn after \a delay (any std::chrono duration; negative means now). */
    template <class Rep, class Period, class F>
    TimerHandle callLater(std::chrono::duration<Rep, Period> delay, F &&fn,
                          std::source_location where = std::source_location::current());
    /*! Schedules \a fn after \a seconds (asyncio style fractional seconds). */
    template <class F>
    TimerHandle callLater(double seconds, F &&fn, std::source_location where = std::source_location::current());
    /*! Schedules \a fn at \a when on this loop's clock (see time()). */
    template <class F>
    TimerHandle callAt(TimePoint when, F &&fn, std::source_location where = std::source_location::current());
    /*! The loop's monotonic time. */
    TimePoint time() const noexcept { return m_clock ? m_clock->now() : steadyNow(); }

    /*! Replaces the clock (tests use a VirtualClock). Only while no timer is scheduled. */
    void setClock(std::shared_ptr<Clock> clock);
    std::shared_ptr<Clock> clock() const { return m_clock; }

    // ---- Thread pool ------------------------------------------------------------------
    /*! Runs \a fn() on \a executor (nullptr: the default executor) and returns a future of
        its result, completed on the loop's thread. Cancelling the future does not stop
        a job that already started. */
    template <class F>
    auto runInExecutor(Executor *executor, F fn) -> Future<std::invoke_result_t<F &>>;
    template <class F>
    auto runInExecutor(F fn) -> Future<std::invoke_result_t<F &>>
    {
        return runInExecutor(nullptr, std::move(fn));
    }
    /*! Replaces the default executor (the loop takes ownership). */
    void setDefaultExecutor(std::unique_ptr<Executor> executor);
    Executor &defaultExecutor();

    // ---- Tasks and futures ------------------------------------------------------------
    template <class T = void>
    Future<T> createFuture(std::source_location where = std::source_location::current());
    /*! Wraps \a coro in a Task scheduled to start in the next tick. */
    template <class T>
    Task<T> createTask(Coro<T> coro, const QString &name = {},
                       std::source_location where = std::source_location::current());
    void setTaskFactory(TaskFactory factory) { m_taskFactory = std::move(factory); }
    const TaskFactory &getTaskFactory() const noexcept { return m_taskFactory; }

    /*! Pending tasks of this loop, oldest first (asyncio's all_tasks()). */
    std::vector<TaskBase> allTasks() const;
    /*! A snapshot of every pending task for inspection. */
    std::vector<TaskInfo> taskInfos() const;

    // ---- Error handling ---------------------------------------------------------------
    /*! Passes \a context to the exception handler; never throws. */
    void callExceptionHandler(const ExceptionContext &context) noexcept;
    void setExceptionHandler(ExceptionHandler handler) { m_exceptionHandler = std::move(handler); }
    const ExceptionHandler &getExceptionHandler() const noexcept { return m_exceptionHandler; }
    /*! Logs \a context on the \c qaio category (critical level). */
    void defaultExceptionHandler(const ExceptionContext &context) noexcept;

    // ---- Introspection (tests and the inspector) -------------------------------------
    /*! Callbacks and timers still scheduled (cancelled timers not counted). */
    std::size_t scheduledCallbackCount() const noexcept;
    std::size_t liveFutureCount() const noexcept { return m_liveFutures; }
    std::size_t pendingTaskCount() const noexcept { return m_pendingTasks; }
    /*! Timer handles in the heap, cancelled ones included (they are purged lazily). */
    std::size_t timerHeapSize() const noexcept { return m_timers.size(); }
    /*! Runs one tick now: expired timers, then the callbacks ready when it began.
        For tests of tick semantics; normal code lets Qt drive the loop. */
    void runOnce();

    /*! Throws RuntimeError unless called on the loop's thread. */
    void requireOwnerThread() const
    {
        if (detail::currentThreadTag() != m_ownerTag)
            throwWrongThread();
    }
    void requireOpen() const
    {
        if (m_closed)
            throwClosed();
    }

private:
    friend class detail::LoopDriver;
    friend class detail::FutureStateBase;
    friend class detail::TaskStateBase;
    friend class Handle;
    friend QAIO_EXPORT void detail::registerFuture(EventLoop *, detail::FutureStateBase *);

    [[noreturn]] static void throwClosed();
    [[noreturn]] static void throwWrongThread();

    Handle scheduleReady(detail::HandleImpl *h)
    {
        m_ready.push(h);
        h->ref();
        if (!m_wakePending)
            postWake();
        return Handle(h);
    }
    TimerHandle scheduleTimer(detail::HandleImpl *h, TimePoint when);
    void scheduleThreadsafe(detail::HandleImpl *h);
    void parkHandle(detail::HandleImpl *h);
    void unparkAndDrop(detail::HandleImpl *h) noexcept;
    std::shared_ptr<detail::ThreadsafeInbox> inbox() const { return m_inbox; }
    void postWake();
    void runBatch();
    void drainInbox();
    void runTick();
    void runHandle(detail::HandleImpl *h) noexcept;
    bool moveExpiredTimers();
    void armTimer();
    void afterBatch();
    void timerCancelled(detail::HandleImpl *h) noexcept;
    void registerTask(detail::TaskStateBase *task);
    void unregisterTask(detail::TaskStateBase *task) noexcept;
    void unlinkFuture(detail::FutureStateBase *state) noexcept;
    void startTask(TaskBase &task);

    detail::RingQueue<detail::HandleImpl *> m_ready;
    detail::TimerHeap m_timers;
    std::uint64_t m_timerSequence = 0;
    std::uint64_t m_tickGeneration = 0;
    const void *m_ownerTag;
    std::shared_ptr<Clock> m_clock;
    std::shared_ptr<detail::ThreadsafeInbox> m_inbox;
    std::unique_ptr<detail::LoopDriver> m_driver;
    std::unique_ptr<Executor> m_defaultExecutor;
    std::unordered_set<detail::HandleImpl *> m_parked;
    ExceptionHandler m_exceptionHandler;
    TaskFactory m_taskFactory;
    Duration m_slowCallbackDuration = std::chrono::milliseconds(100);
    detail::FutureStateBase *m_futures = nullptr;
    detail::TaskStateBase *m_tasksHead = nullptr;
    detail::TaskStateBase *m_tasksTail = nullptr;
    std::size_t m_liveFutures = 0;
    std::size_t m_pendingTasks = 0;
    int m_runDepth = 0;
    int m_batchDepth = 0;
    void *m_activeQtLoop = nullptr;
    bool m_wakePending = false;
    bool m_stopping = false;
    bool m_closed = false;
    bool m_debug = false;
    bool m_inHandler = false;
    bool m_executorShutdown = false;
};

/*! The loop running on this thread. Throws RuntimeError("no running event loop"). */
QAIO_EXPORT EventLoop &getRunningLoop();
/*! The running loop, or nullptr. */
QAIO_EXPORT EventLoop *runningLoopOrNull() noexcept;

// ---- template definitions -------------------------------------------------------------

template <class F>
Handle EventLoop::callSoon(F &&fn, std::source_location where)
{
    requireOpen();
    requireOwnerThread();
    return scheduleReady(new detail::CallbackHandle<std::decay_t<F>>(this, where, std::forward<F>(fn)));
}

template <class F>
Handle EventLoop::callSoonThreadsafe(F &&fn, std::source_location where)
{
    requireOpen();
    auto *h = new detail::CallbackHandle<std::decay_t<F>>(this, where, std::forward<F>(fn));
    Handle result(h);
    h->ref();
    scheduleThreadsafe(h); // takes the extra reference, throws if closed meanwhile
    return result;
}

template <class Rep, class Period, class F>
TimerHandle EventLoop::callLater(std::chrono::duration<Rep, Period> delay, F &&fn, std::source_location where)
{
    return callAt(time() + toDuration(delay), std::forward<F>(fn), where);
}

template <class F>
TimerHandle EventLoop::callLater(double seconds, F &&fn, std::source_location where)
{
    return callAt(time() + secondsToDuration(seconds), std::forward<F>(fn), where);
}

template <class F>
TimerHandle EventLoop::callAt(TimePoint when, F &&fn, std::source_location where)
{
    requireOpen();
    requireOwnerThread();
    return scheduleTimer(new detail::CallbackHandle<std::decay_t<F>>(this, where, std::forward<F>(fn)), when);
}

template <class T>
Future<T> EventLoop::createFuture(std::source_location where)
{
    requireOpen();
    requireOwnerThread();
    auto *state = new detail::FutureState<T>(this, where);
    detail::registerFuture(this, state);
    return Future<T>(state);
}

template <class T>
Task<T> EventLoop::createTask(Coro<T> coro, const QString &name, std::source_location where)
{
    if (!coro.isValid())
        throw ValueError("createTask(): coro is empty (moved-from or default-constructed)");
    requireOpen();
    requireOwnerThread();
    auto *state = new detail::TaskState<T>(this, coro.release(), name, where);
    detail::registerFuture(this, state);
    Task<T> task(state);
    TaskBase erased = task;
    startTask(erased);
    return task;
}

template <class T>
T EventLoop::runUntilComplete(Future<T> future)
{
    requireOpen();
    if (!future.isValid())
        throw ValueError("runUntilComplete(): future is invalid");
    if (&future.getLoop() != this)
        throw ValueError("runUntilComplete(): the future belongs to a different loop");
    const DoneCallbackId stopper = future.addDoneCallback([](const FutureBase &f) { f.getLoop().stop(); });
    try {
        runForever();
    } catch (...) {
        future.removeDoneCallback(stopper);
        throw;
    }
    future.removeDoneCallback(stopper);
    if (!future.done())
        throw RuntimeError("Event loop stopped before Future completed.");
    if constexpr (std::is_void_v<T>) {
        future.result();
    } else {
        return future.result();
    }
}

template <class T>
T EventLoop::runUntilComplete(Coro<T> coro, std::source_location where)
{
    return runUntilComplete(Future<T>(createTask(std::move(coro), QString(), where)));
}

template <class F>
auto EventLoop::runInExecutor(Executor *executor, F fn) -> Future<std::invoke_result_t<F &>>
{
    using R = std::invoke_result_t<F &>;
    Executor &target = executor ? *executor : defaultExecutor();
    Future<R> future = createFuture<R>();
    auto slot = std::make_shared<detail::ExecutorSlot<R>>();
    // The delivery handle is created (and later destroyed) on the loop's thread; the worker
    // only passes its address back through the inbox, so no loop object is touched there.
    auto *deliver = new detail::CallbackHandle<std::function<void()>>(this, std::source_location::current(),
                                                                       [future, slot]() mutable {
        if (future.done())
            return;
        if (slot->error) {
            future.setException(slot->error);
        } else if constexpr (std::is_void_v<R>) {
            future.setResult();
        } else {
            future.setResult(std::move(*slot->value));
        }
    });
    parkHandle(deliver);
    std::shared_ptr<detail::ThreadsafeInbox> box = inbox();
    auto job = [fn = std::move(fn), slot, box, deliver]() mutable {
        try {
            if constexpr (std::is_void_v<R>) {
                fn();
                slot->value.emplace();
            } else {
                slot->value.emplace(fn());
            }
        } catch (...) {
            slot->error = std::current_exception();
        }
        detail::releaseParked(box, deliver);
    };
    try {
        target.submit(std::move(job));
    } catch (...) {
        unparkAndDrop(deliver);
        throw;
    }
    return future;
}

/*! Schedules \a coro as a task on the running loop (asyncio.create_task()). */
template <class T>
Task<T> createTask(Coro<T> coro, const QString &name = {}, std::source_location where = std::source_location::current())
{
    return getRunningLoop().createTask(std::move(coro), name, where);
}

} // namespace qaio
