// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file loopcore.h
    LoopCore: the scheduler under EventLoop. It owns the ready queue, the timer heap, the
    threadsafe inbox, the Qt driver (one posted event per tick, one precise timer), the
    descriptor watchers and the list of loop resources, and runs ticks the way asyncio's
    _run_once() does.

    You use it through EventLoop, which derives from it and adds what needs the layers
    above: executors, connections, servers, DNS, the exception handler and the task
    factory. Futures, tasks, handles, transports and the high-level functions hold a
    LoopCore, so they never include the facade (docs/architecture.md).

    Errors: every scheduling call throws RuntimeError("Event loop is closed") after close(),
    and RuntimeError when called from another thread (use callSoonThreadsafe()).

    \code
    void ping(qaio::LoopCore &loop)    // an EventLoop converts to its LoopCore
    {
        loop.callLater(std::chrono::milliseconds(100), [] { qDebug() << "tick"; });
    }
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/base/detail/log2histogram.h>
#include <qaio/core/handle.h>
#include <qaio/core/reactor.h>
#include <qaio/core/detail/ringqueue.h>
#include <qaio/core/detail/timerheap.h>

#include <QtCore/QString>
#include <QtCore/QThread>

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

QT_FORWARD_DECLARE_CLASS(QObject)

namespace qaio {

class EventLoop;
class Inspector;
class LoopCore;
class BaseTransport;
class BaseProtocol;
class TaskBase;
struct ExceptionContext;
template <class T>
class Future;
template <class T>
class Task;
template <class T>
class Coro;

namespace detail {
class AsyncGenBase;
class FdWatcher;
class FutureStateBase;
class IntrospectionSink;
class LoopDriver;
class LoopResource;
class Reactor;
class StreamTransport;
class TransportBase;
class SslProtocol;
class SslTransport;
class TaskStateBase;
class ThreadsafeInbox;

/*! Identifies the calling thread. Qt reads the thread control block directly, where a
    thread_local in a shared library costs a __tls_get_addr call on every callSoon(). */
inline const void *currentThreadTag() noexcept
{
    return QThread::currentThreadId();
}

/*! Throws unless \a loop is open and this is its thread (for futures made outside
    createFuture(), such as gather()'s). */
QAIO_EXPORT void requireUsableLoop(const LoopCore &loop);
/*! Links \a state into \a loop's list of live futures (tasks/future.cpp). */
QAIO_EXPORT void registerFuture(LoopCore *loop, FutureStateBase *state);
/*! From any thread: hands a parked handle back to its loop (see EventLoop::runInExecutor()). */
QAIO_EXPORT void releaseParked(const std::shared_ptr<ThreadsafeInbox> &inbox, HandleImpl *handle) noexcept;
/*! The loop dispatching on this thread, or nullptr (asyncio's _get_running_loop()). */
QAIO_EXPORT LoopCore *runningLoopCore() noexcept;
/*! The loop dispatching on this thread. Throws RuntimeError("no running event loop"). */
QAIO_EXPORT LoopCore &requireRunningLoop();
/*! The running loop, else the loop the event loop policy gives this thread (asyncio's
    get_event_loop()). Throws RuntimeError as the policy does. */
QAIO_EXPORT LoopCore &currentLoopCore();
/*! Installed by loop/policy.cpp: how currentLoopCore() asks the policy, which lives above. */
QAIO_EXPORT void setPolicyLoopProvider(LoopCore &(*provider)());
/*! Runner's Ctrl+C (asyncio.Runner): handles SIGINT on \a loop with \a callback, once (the
    kernel restores the default disposition as it delivers it, so a second Ctrl+C ends the
    process), if this is the main thread, SIGINT has its default disposition and no loop
    handles signals. Returns whether it did; never throws. */
QAIO_EXPORT bool handleInterruptOnce(LoopCore &loop, std::function<void()> callback, const void *owner) noexcept;
/*! Undoes handleInterruptOnce() if \a owner's handler is still SIGINT's. */
QAIO_EXPORT void stopHandlingInterrupt(LoopCore &loop, const void *owner) noexcept;
} // namespace detail

namespace detail {
/*! An error the core reports: the facade turns it into an ExceptionContext (a type of the
    tasks layer, as it names futures) for the exception handler. */
struct LoopError
{
    QString message;
    std::exception_ptr exception;
    HandleImpl *handle = nullptr; // the callback that raised, if any
    BaseTransport *transport = nullptr;
    BaseProtocol *protocol = nullptr;
    qintptr socket = -1;
};
} // namespace detail

/*! Called for every exception a callback, task or transport did not handle. */
using ExceptionHandler = std::function<void(EventLoop &, const ExceptionContext &)>;
/*! Called by createTask() for every new task, before it is started. It may customise the
    task (name, ...) and start it with TaskBase::scheduleStart() or startEagerly(); a task
    the factory did not start is scheduled normally. */
using TaskFactory = std::function<void(EventLoop &, TaskBase &)>;

/*!
    The scheduler of one thread's event loop. See the file documentation above; every
    public member is part of EventLoop's API.
*/
class QAIO_EXPORT LoopCore
{
public:
    LoopCore(const LoopCore &) = delete;
    LoopCore &operator=(const LoopCore &) = delete;

    /*! The EventLoop this core is the base of. */
    EventLoop &eventLoop() const noexcept { return *m_eventLoop; }

    // ---- Running --------------------------------------------------------------------
    /*! Runs until stop(). Throws RuntimeError if the loop is closed, already running, or
        another loop is running on this thread; needs a QCoreApplication. */
    void runForever();
    /*! Makes runForever() return after the current tick (asyncio's stop()). */
    void stop();
    /*! True while qaio dispatches on this loop: inside runForever()/runUntilComplete(), or
        while running callbacks under a plain Qt event loop. */
    bool isRunning() const noexcept { return m_runDepth > 0 || m_batchDepth > 0; }
    bool isClosed() const noexcept { return m_closed; }
    /*! Runs one tick now: expired timers, then the callbacks ready when it began.
        For tests of tick semantics; normal code lets Qt drive the loop. */
    void runOnce();

    // ---- Debugging ------------------------------------------------------------------
    void setDebug(bool enabled) noexcept { m_debug = enabled; }
    bool getDebug() const noexcept { return m_debug; }
    /*! In debug mode, callbacks and task steps taking longer are logged (default 100 ms). */
    Duration slowCallbackDuration() const noexcept { return m_slowCallbackDuration; }
    void setSlowCallbackDuration(Duration d) noexcept { m_slowCallbackDuration = d; }

    // ---- Scheduling callbacks --------------------------------------------------------
    /*! Schedules \a fn to run in the next tick, after the callbacks already scheduled. */
    template <class F>
    Handle callSoon(F &&fn, SourceLocation where = SourceLocation::current());
    /*! callSoon() without a Handle to cancel it: what the layers above schedule for
        themselves (done callbacks, task steps), saving the Handle's reference counting.
        \a taskStep marks a task's step (see takeStepStamp()). */
    template <class F>
    void callSoonDetached(F &&fn, SourceLocation where, bool taskStep = false);
    /*! callSoon() for any thread: wakes the loop's thread. Throws RuntimeError if closed. */
    template <class F>
    Handle callSoonThreadsafe(F &&fn, SourceLocation where = SourceLocation::current());
    /*! Schedules \a fn after \a delay: any std::chrono duration, or fractional seconds as
        in asyncio. Negative means now; a delay beyond the clock's range (or infinite)
        saturates and never fires (see Delay). Throws ValueError for a NaN delay. */
    template <class F>
    TimerHandle callLater(Delay delay, F &&fn, SourceLocation where = SourceLocation::current());
    /*! Schedules \a fn at \a when on this loop's clock (see time()). */
    template <class F>
    TimerHandle callAt(TimePoint when, F &&fn, SourceLocation where = SourceLocation::current());
    /*! The loop's monotonic time. */
    TimePoint time() const noexcept { return m_clock ? m_clock->now() : steadyNow(); }
    /*! Replaces the clock (tests use a VirtualClock). Only while no timer is scheduled. */
    void setClock(std::shared_ptr<Clock> clock);
    std::shared_ptr<Clock> clock() const { return m_clock; }

    // ---- Futures and tasks (defined in tasks/future.h and tasks/task.h) ---------------
    /*! A pending future bound to this loop. */
    template <class T = void>
    Future<T> createFuture(SourceLocation where = SourceLocation::current());
    /*! Wraps \a coro in a Task scheduled to start in the next tick (through the task
        factory, if one is set). Throws ValueError for an empty \a coro. */
    template <class T>
    Task<T> createTask(Coro<T> coro, const QString &name = {}, SourceLocation where = SourceLocation::current());
    void setTaskFactory(TaskFactory factory) { m_taskFactory = std::move(factory); }
    const TaskFactory &getTaskFactory() const noexcept { return m_taskFactory; }

    // ---- Watching file descriptors (asyncio's add_reader() & co.) ---------------------
    /*! Calls \a callback whenever \a fd is readable, until removeReader(). Replaces an
        earlier reader of the same fd. The callback runs directly when Qt reports the fd
        ready; its exceptions go to the exception handler. Throws ValueError for a negative
        fd, RuntimeError if the loop is closed or the fd belongs to a transport. */
    void addReader(qintptr fd, std::function<void()> callback);
    /*! Stops watching \a fd for reading; returns whether a reader was registered.
        Throws RuntimeError if the fd belongs to an open transport. */
    bool removeReader(qintptr fd);
    /*! Calls \a callback whenever \a fd is writable, until removeWriter(). Throws as
        addReader(). */
    void addWriter(qintptr fd, std::function<void()> callback);
    /*! Stops watching \a fd for writing; returns whether a writer was registered.
        Throws RuntimeError if the fd belongs to an open transport. */
    bool removeWriter(qintptr fd);
    /*! What the reactor (core/reactor.h) watches and has dispatched so far. */
    ReactorStats reactorStats() const noexcept;

    // ---- Unix signals (asyncio's add_signal_handler() & co.) -------------------------
    /*! Calls \a callback on this loop, in a later tick, whenever signal \a signum arrives,
        until removeSignalHandler() or close(). Replaces an earlier handler of the same
        signal. Signals that arrive together may be delivered once (POSIX coalesces them
        too). A handler installed for \a signum before (by the application or a library)
        keeps being called, from the signal handler itself. Throws ValueError("invalid
        signal number N"), RuntimeError if the signal cannot be caught (SIGKILL, SIGSTOP),
        if this is not the main thread (as asyncio) or another loop handles signals,
        NotImplementedError where the platform has no signals (Windows).
        \code
        loop.addSignalHandler(SIGTERM, [&loop] { loop.stop(); });
        \endcode */
    void addSignalHandler(int signum, std::function<void()> callback);
    /*! Stops handling \a signum and puts back the disposition that was there before.
        Returns false if no handler was set. Throws ValueError for an invalid number. */
    bool removeSignalHandler(int signum);

    // ---- Error handling -------------------------------------------------------------
    /*! Passes \a context to the exception handler; never throws. */
    void callExceptionHandler(const ExceptionContext &context) noexcept { reportException(context); }

    // ---- Introspection (tests and the inspector) ------------------------------------
    /*! Callbacks and timers still scheduled (cancelled timers not counted). */
    std::size_t scheduledCallbackCount() const noexcept;
    std::size_t liveFutureCount() const noexcept { return m_liveFutures; }
    std::size_t pendingTaskCount() const noexcept { return m_pendingTasks; }
    /*! Timer handles in the heap, cancelled ones included (they are purged lazily). */
    std::size_t timerHeapSize() const noexcept { return m_timers.size(); }
    /*! Descriptors with a reader or writer registered (addReader(), sock*() waits). */
    std::size_t watchedFdCount() const noexcept { return m_fdWatchers.size(); }
    /*! A QObject living in the loop's thread and destroyed with the loop: the context of
        Qt connections whose slots must run on this loop (qaio::signal(), qaio::qfuture()). */
    QObject *qtContext() const noexcept;
    /*! Identifies the loop's thread (compare with detail::currentThreadTag()). */
    const void *ownerThreadTag() const noexcept { return m_ownerTag; }

protected:
    /*! Binds the core to the calling thread; \a eventLoop is the object being built. Debug
        mode is on if QAIO_DEBUG=1. Throws RuntimeError or OSError if \a reactor was asked
        for explicitly and is not available. */
    LoopCore(EventLoop *eventLoop, ReactorBackend reactor);
    virtual ~LoopCore();

    // asyncio's _check_closed() and _check_thread(): every scheduling call starts with them.
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
    /*! requireOpen(), requireOwnerThread(), and neither running nor another loop running. */
    void requireRunnable() const;
    /*! Drops every scheduled callback, closes the loop's resources and watchers. */
    void closeCore();
    /*! Stops being this thread's running loop (the loop is being destroyed). */
    void forgetRunning() noexcept;

    /*! The facade builds the ExceptionContext (a type of the tasks layer: it names
        futures) and runs the handler. */
    virtual void reportException(const ExceptionContext &context) noexcept = 0;
    /*! A callback, an I/O callback or a transport's protocol threw (see LoopError). */
    virtual void reportLoopError(const detail::LoopError &error) noexcept = 0;

    /*! Keeps \a h (one reference) until a thread hands it back with releaseParked(). */
    void parkHandle(detail::HandleImpl *h);
    void unparkAndDrop(detail::HandleImpl *h) noexcept;
    std::shared_ptr<detail::ThreadsafeInbox> inbox() const { return m_inbox; }

    // Intrusive lists of the loop's live futures and pending tasks (tasks/ links them).
    detail::FutureStateBase *m_futures = nullptr;
    detail::TaskStateBase *m_tasksHead = nullptr;
    detail::TaskStateBase *m_tasksTail = nullptr;
    std::size_t m_liveFutures = 0;
    std::size_t m_pendingTasks = 0;
    std::unordered_set<detail::AsyncGenBase *> m_asyncgens; // started, not finished (asyncio's _asyncgens)
    bool m_asyncgensShutdownCalled = false;
    int m_runDepth = 0;
    int m_batchDepth = 0;

private:
    friend class detail::AsyncGenBase;
    friend class detail::LoopDriver;
    friend class detail::LoopResource;
    friend class detail::StreamTransport;
    friend class detail::TransportBase;
    friend class detail::SslProtocol; // tls/detail: reports its errors as a transport does
    friend class detail::FdWatcher;
    friend class detail::Reactor;
    friend class detail::FutureStateBase;
    friend class detail::TaskStateBase;
    friend class Handle;
    friend class Inspector; // inspect/: reads the queues, timers and watchers for snapshots
    friend QAIO_EXPORT void detail::requireUsableLoop(const LoopCore &);
    friend QAIO_EXPORT void detail::registerFuture(LoopCore *, detail::FutureStateBase *);
    friend QAIO_EXPORT bool detail::handleInterruptOnce(LoopCore &, std::function<void()>, const void *) noexcept;
    friend QAIO_EXPORT void detail::stopHandlingInterrupt(LoopCore &, const void *) noexcept;

    [[noreturn]] static void throwClosed();
    [[noreturn]] static void throwWrongThread();

    Handle scheduleReady(detail::HandleImpl *h)
    {
        h->ref(); // one reference for the ready queue, one for the Handle
        enqueueReady(h);
        return Handle(h);
    }
    /*! Queues \a h, adopting one reference. */
    void enqueueReady(detail::HandleImpl *h)
    {
        // Threadsafe callbacks that arrived earlier go first: one FIFO, as in asyncio.
        if (m_inboxHasWork->load(std::memory_order_acquire))
            drainInbox();
        m_ready.push(h);
        if (!m_wakePending)
            postWake();
    }
    TimerHandle scheduleTimer(detail::HandleImpl *h, TimePoint when);
    void scheduleThreadsafe(detail::HandleImpl *h);
    void postWake();
    void runBatch();
    bool exitingRunForever() const;
    bool hasReachableTimer() const noexcept;
    void drainInbox();
    void runTick();
    void runHandle(detail::HandleImpl *h) noexcept;
    bool moveExpiredTimers();
    void armTimer();
    void afterBatch();
    void timerCancelled(detail::HandleImpl *h) noexcept;

    detail::FdWatcher &watcherFor(qintptr fd, const char *operation);
    void setWatcherCallback(qintptr fd, bool reader, std::function<void()> callback, const char *operation);
    bool removeWatcher(qintptr fd, bool reader);
    void requireNoTransport(qintptr fd, const char *operation) const;
    void claimTransportFd(qintptr fd, const BaseTransport *transport);
    void releaseTransportFd(qintptr fd, const BaseTransport *transport) noexcept;
    /*! Runs a readiness callback, reporting what it throws; inside a reactor batch. */
    void runIoCallback(const std::function<void()> &callback) noexcept;
    void requireValidSignal(int signum, const char *operation) const;
    void installSignal(int signum, std::function<void()> callback, bool oneShot, const void *owner);
    void dispatchSignals();
    void removeAllSignalHandlers() noexcept;

    // A task step times itself with one clock read instead of two: the end of a step is
    // the start of the next one when only the loop's own bookkeeping ran between them.
    // Anything else (another callback, Qt's events between batches, an inbox drain, a
    // timer purge) drops the stamp.
    // Steps are timed on the loop's clock, so that a virtual clock gives exact figures.
    TimePoint takeStepStamp() noexcept
    {
        if (m_stepStampValid) {
            m_stepStampValid = false;
            return m_stepStamp;
        }
        return time();
    }
    void setStepStamp(TimePoint end) noexcept
    {
        m_stepStamp = end;
        m_stepStampValid = true;
    }
#if QAIO_INTROSPECTION
    // A reading of the loop's clock still current enough to stamp "became ready": the
    // running step's start or end, the tick's timer check. Dropped after every other
    // callback and batch, which may have taken any time.
    TimePoint recentTime() noexcept
    {
        if (!m_recentStampValid) {
            m_recentStamp = time();
            m_recentStampValid = true;
        }
        return m_recentStamp;
    }
    void setRecentTime(TimePoint t) noexcept
    {
        m_recentStamp = t;
        m_recentStampValid = true;
    }
#endif
    void forgetRecentTime() noexcept
    {
#if QAIO_INTROSPECTION
        m_recentStampValid = false;
#endif
    }
    /*! An outermost dispatch (a batch of ticks or of descriptor events) begins / ends:
        counted, and timed while an inspector is attached. */
    void beginDispatch() noexcept;
    void endDispatch() noexcept;

    detail::RingQueue<detail::HandleImpl *> m_ready;
    detail::TimerHeap m_timers;
    std::uint64_t m_timerSequence = 0;
    std::uint64_t m_tickGeneration = 0; // counts ticks, to notice ticks run by a nested Qt loop
    EventLoop *m_eventLoop;
    const void *m_ownerTag;
    std::shared_ptr<Clock> m_clock;
    std::shared_ptr<detail::ThreadsafeInbox> m_inbox;
    const std::atomic<bool> *m_inboxHasWork; // m_inbox's flag, readable without its type
    std::unique_ptr<detail::LoopDriver> m_driver;
    std::unordered_set<detail::HandleImpl *> m_parked;
    std::unique_ptr<detail::Reactor> m_reactor; // before the watchers: they are destroyed first and tell it
    std::unordered_map<qintptr, std::unique_ptr<detail::FdWatcher>> m_fdWatchers;
    std::unordered_map<qintptr, const BaseTransport *> m_transportFds; // socket transports' descriptors
    struct SignalHandler
    {
        std::function<void()> callback;
        const void *owner = nullptr; // who installed it: the application (nullptr) or a Runner
    };
    std::unordered_map<int, SignalHandler> m_signalHandlers; // addSignalHandler()
    detail::LoopResource *m_resources = nullptr;                        // open transports and servers
    TaskFactory m_taskFactory;
    Duration m_slowCallbackDuration = std::chrono::milliseconds(100);
    void *m_activeQtLoop = nullptr;
    TimePoint m_stepStamp{}; // see takeStepStamp()
    detail::IntrospectionSink *m_introspection = nullptr; // an attached Inspector
    bool m_traceSteps = false; // it records a trace (task steps are reported; no-op without QAIO_INTROSPECTION)
#if QAIO_INTROSPECTION
    TimePoint m_recentStamp{}; // see recentTime()
    TimePoint m_dispatchBegin{};
    std::uint64_t m_callbacksRun = 0; // task steps included
    std::uint64_t m_dispatches = 0;   // wake-ups: batches of ticks or descriptor events
    detail::Log2Histogram m_timerLag; // how late timers were moved to the ready queue
    Duration m_maxTimerLag{};         // in the current dispatch (for traces)
    bool m_recentStampValid = false;
#endif
    int m_runLoopLevel = 0;  // Qt loop level of runForever()'s QEventLoop
    bool m_wakePending = false;
    bool m_stopping = false;
    bool m_closed = false;
    bool m_debug = false;
    bool m_stepStampValid = false;
};

template <class F>
Handle LoopCore::callSoon(F &&fn, SourceLocation where)
{
    requireOpen();
    requireOwnerThread();
    return scheduleReady(new detail::CallbackHandle<std::decay_t<F>>(this, where, std::forward<F>(fn)));
}

template <class F>
void LoopCore::callSoonDetached(F &&fn, SourceLocation where, bool taskStep)
{
    requireOpen();
    auto *h = new detail::CallbackHandle<std::decay_t<F>>(this, where, std::forward<F>(fn));
    h->isTaskStep = taskStep;
    enqueueReady(h);
}

template <class F>
Handle LoopCore::callSoonThreadsafe(F &&fn, SourceLocation where)
{
    requireOpen();
    auto *h = new detail::CallbackHandle<std::decay_t<F>>(this, where, std::forward<F>(fn));
    if (detail::currentThreadTag() == m_ownerTag)
        return scheduleReady(h); // the loop's own thread: straight into the ready queue, in order
    Handle result(h);
    h->ref();
    scheduleThreadsafe(h); // takes the extra reference, throws if closed meanwhile
    return result;
}

template <class F>
TimerHandle LoopCore::callLater(Delay delay, F &&fn, SourceLocation where)
{
    const Duration checked = delay.toDuration("delay");
    return callAt(deadlineAfter(time(), checked), std::forward<F>(fn), where);
}

template <class F>
TimerHandle LoopCore::callAt(TimePoint when, F &&fn, SourceLocation where)
{
    requireOpen();
    requireOwnerThread();
    return scheduleTimer(new detail::CallbackHandle<std::decay_t<F>>(this, where, std::forward<F>(fn)), when);
}

} // namespace qaio
