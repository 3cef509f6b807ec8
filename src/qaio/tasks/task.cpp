// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/tasks/task.h>

#include <qaio/core/detail/introspectionsink_p.h>

#include <atomic>

namespace qaio {

QString TaskInfo::stateName(State s)
{
    switch (s) {
    case State::Scheduled:
        return QStringLiteral("scheduled");
    case State::Running:
        return QStringLiteral("running");
    case State::Waiting:
        return QStringLiteral("waiting");
    case State::Finished:
        return QStringLiteral("finished");
    case State::Cancelled:
        return QStringLiteral("cancelled");
    case State::Failed:
        return QStringLiteral("failed");
    }
    return {};
}

TaskBase currentTask()
{
    detail::TaskStateBase *task = detail::currentTaskSlot();
    return task ? TaskBase::fromState(task->future) : TaskBase();
}

namespace detail {

namespace {
std::atomic<std::uint64_t> s_nextTaskId{1};
thread_local TaskStateBase *t_currentTask = nullptr;
} // namespace

TaskStateBase *&currentTaskSlot() noexcept
{
    return t_currentTask;
}

void throwIfCancelRequested()
{
    TaskStateBase *task = t_currentTask;
    if (task && task->throwCancelOnResume) {
        task->throwCancelOnResume = false;
        throw CancelledError(task->cancelMessage);
    }
}

void suspendCurrentTaskOn(FutureStateBase *state, std::coroutine_handle<> resumePoint, int ownRefs)
{
    TaskStateBase *task = t_currentTask;
    if (!task)
        throw RuntimeError("co_await on a qaio future outside a qaio task: run the coroutine with "
                           "EventLoop::createTask() or EventLoop::runUntilComplete()");
    task->suspendOn(state, resumePoint, ownRefs);
}

TaskStateBase::TaskStateBase(FutureStateBase *future, std::coroutine_handle<> root, QString name)
    : future(future), root(root), resumePoint(root), name(std::move(name))
{
    id = s_nextTaskId.fetch_add(1, std::memory_order_relaxed);
    if (TaskStateBase *parent = t_currentTask)
        parentId = parent->id;
}

TaskStateBase::~TaskStateBase()
{
    if (waitingOn)
        waitingOn->deref();
    if (root)
        root.destroy();
    // Report while the task part still exists, so the report can name the task.
    future->reportUnretrievedException();
    future->task = nullptr;
}

QString TaskStateBase::displayName() const
{
    return name.isEmpty() ? QStringLiteral("Task-%1").arg(id) : name;
}

void TaskStateBase::registerWithLoop()
{
    future->requireLoop();
    LoopCore *loop = future->loop;
    future->ref(); // the loop's list keeps a pending task alive
    registered = true;
    prevTask = loop->m_tasksTail;
    nextTask = nullptr;
    if (loop->m_tasksTail)
        loop->m_tasksTail->nextTask = this;
    else
        loop->m_tasksHead = this;
    loop->m_tasksTail = this;
    ++loop->m_pendingTasks;
#if QAIO_INTROSPECTION
    if (loop->m_traceSteps)
        loop->m_introspection->taskStarted(*this);
#endif
}

void TaskStateBase::unregisterFromLoop() noexcept
{
    LoopCore *loop = future->loop;
    if (prevTask)
        prevTask->nextTask = nextTask;
    else
        loop->m_tasksHead = nextTask;
    if (nextTask)
        nextTask->prevTask = prevTask;
    else
        loop->m_tasksTail = prevTask;
    prevTask = nextTask = nullptr;
    --loop->m_pendingTasks;
    future->deref();
}

void TaskStateBase::scheduleStart()
{
    if (registered)
        return;
    registerWithLoop();
    scheduleStep();
}

void TaskStateBase::startEagerly()
{
    if (registered)
        return;
    registerWithLoop();
    step();
}

void TaskStateBase::scheduleStep()
{
#if QAIO_INTROSPECTION
    readySince = future->loop->recentTime();
    readyMarked = true;
#endif
    // A pending task is kept alive by the loop's registry, so the raw pointer is safe:
    // only step() itself can finish the task.
    future->loop->callSoonDetached([this] { step(); }, future->where, true);
}

// Inlined into step(), its only caller: it runs after every step of every task, so the
// part that usually does nothing (slow steps, traces) is a cold call of its own.
[[gnu::always_inline]] inline void TaskStateBase::noteStepEnd(TimePoint begin, TimePoint end,
                                                              std::uint64_t wokenBy) noexcept
{
#if QAIO_INTROSPECTION
    LoopCore *loop = future->loop;
    const Duration took = end - begin;
    stepDurations.add(took);
    loop->setRecentTime(end);
    if (waitingOn) {
        waitingSince = end;
    } else if (readyMarked) {
        readySince = end; // rescheduled itself: ready from the end of this step
    }
    if (took >= loop->m_slowCallbackDuration || loop->m_traceSteps) [[unlikely]] {
        [&]() __attribute__((noinline, cold)) {
            if (took >= loop->m_slowCallbackDuration && loop->m_introspection)
                loop->m_introspection->slowStep(*this, took);
            if (loop->m_traceSteps)
                loop->m_introspection->stepRan(*this, begin, end, wokenBy);
        }();
    }
#else
    (void)begin;
    (void)end;
    (void)wokenBy;
#endif
}

void TaskStateBase::step()
{
    if (future->status != FutureStatus::Pending || !root)
        return;
    if (running) {
        // A nested Qt event loop inside this task's step: never re-enter the coroutine.
        scheduleStep();
        return;
    }
    LoopCore *loop = future->loop;
    const TimePoint begin = loop->takeStepStamp();
#if QAIO_INTROSPECTION
    if (!readyMarked)
        readySince = begin; // woken by a done callback that runs the step itself
    readyMarked = false;
    if (waitingOn)
        waitTime += readySince - waitingSince;
    readyTime += begin - readySince;
    loop->setRecentTime(begin);
    const std::uint64_t wokenBy = loop->m_traceSteps && waitingOn && waitingOn->task ? waitingOn->task->id : 0;
#else
    const std::uint64_t wokenBy = 0;
#endif
    if (waitingOn) {
        waitingOn->deref();
        waitingOn = nullptr;
    }
    if (mustCancel) {
        mustCancel = false;
        if (!started) {
            // Cancelled before its first step: the body never runs (asyncio throws into
            // the unstarted coroutine, which ends it at once).
            future->cancelFuture(cancelMessage);
            root.destroy();
            root = {};
            if (loop->m_introspection)
                loop->m_introspection->taskFinished(*this, false);
            unregisterFromLoop();
            return;
        }
        throwCancelOnResume = true;
    }
    started = true;
    running = true;
    ++steps;
    TaskStateBase *previous = t_currentTask;
    t_currentTask = this;
    resumePoint.resume();
    t_currentTask = previous;
    running = false;
    if (!root.done()) {
        const TimePoint end = loop->time();
        runTime += end - begin;
        loop->setStepStamp(end);
        noteStepEnd(begin, end, wokenBy);
        return;
    }
    completeRoot();
    const TimePoint end = loop->time();
    runTime += end - begin;
    // Dropping the last reference may call the exception handler: that is no bookkeeping.
    const bool deletesTask = future->soleOwner();
    noteStepEnd(begin, end, wokenBy);
    if (loop->m_introspection)
        loop->m_introspection->taskFinished(*this, deletesTask && !future->callbacks.size() && !wasAwaited());
    unregisterFromLoop(); // may delete this
    if (!deletesTask)
        loop->setStepStamp(end);
}

bool TaskStateBase::wasAwaited() const noexcept
{
#if QAIO_INTROSPECTION
    return awaitedByTask;
#else
    return true;
#endif
}

void TaskStateBase::completeRoot()
{
    throwCancelOnResume = false;
    try {
        storeRootResult();
        if (mustCancel) {
            // Cancelled right before the coroutine returned.
            mustCancel = false;
            future->cancelFuture(cancelMessage);
        } else {
            future->finishWithValue();
        }
    } catch (const CancelledError &e) {
        future->cancelFuture(e.message());
    } catch (...) {
        future->finishWithException(std::current_exception());
    }
    root.destroy();
    root = {};
}

bool TaskStateBase::cancel(const QString &message)
{
    future->logTraceback = false;
    if (future->isDone())
        return false;
    if (cancelPropagating)
        return false; // an await cycle led the request back here: see below
    ++cancelRequests;
    cancelMessage = message; // the latest request's, as the inspector shows it
    if (waitingOn) {
        cancelPropagating = true;
        const bool passedOn = waitingOn->cancel(message);
        cancelPropagating = false;
        if (passedOn)
            return true;
        if (waitingOn->task && waitingOn->task->cancelPropagating) {
            // This task awaits one that (through others) awaits it: a deadlock, which
            // asyncio would recurse on until RecursionError. Nothing in the cycle can
            // finish, so this task stops waiting and takes the cancellation itself.
            mustCancel = true;
            cancelMessage = message;
            stopWaiting();
            scheduleStep();
            return true;
        }
    }
    mustCancel = true;
    cancelMessage = message;
    return true;
}

void TaskStateBase::stopWaiting() noexcept
{
    if (!waitingOn)
        return;
    if (waitingOn->waitingTask == this)
        waitingOn->waitingTask = nullptr;
    else
        waitingOn->removeDoneCallbacksByKey(this);
    waitingOn->deref();
    waitingOn = nullptr;
}

int TaskStateBase::uncancel()
{
    if (cancelRequests > 0) {
        --cancelRequests;
        if (cancelRequests == 0)
            mustCancel = false;
    }
    return cancelRequests;
}

void TaskStateBase::suspendOn(FutureStateBase *awaited, std::coroutine_handle<> point, int ownRefs)
{
    if (awaited == future)
        throw RuntimeError(QStringLiteral("Task cannot await on itself: %1").arg(future->describe()));
    if (awaited->loop != future->loop)
        throw RuntimeError(QStringLiteral("Task %1 got Future %2 attached to a different loop")
                               .arg(displayName(), awaited->describe()));
    if (!awaited->waitingTask && !awaited->isDone()) {
        awaited->requireLoop();
        awaited->waitingTask = this;
        awaited->waitingTaskPosition = awaited->callbacks.size();
    } else {
        // Another task waits on it too: a done callback of its own.
        awaited->addDoneCallback([this](FutureStateBase &) { step(); }, this);
    }
    resumePoint = point;
    waitingOn = awaited;
    awaited->ref();
#if QAIO_INTROSPECTION
    ownRefsOnAwaited = static_cast<std::uint8_t>(ownRefs > 0 ? ownRefs + 1 : 0); // + waitingOn's
    if (awaited->task)
        awaited->task->awaitedByTask = true;
#else
    (void)ownRefs;
#endif
    if (mustCancel && awaited->cancel(cancelMessage))
        mustCancel = false;
}

void TaskStateBase::suspendYield(std::coroutine_handle<> point)
{
#if QAIO_INTROSPECTION
    ++yields;
#endif
    resumePoint = point;
    scheduleStep();
}

void TaskStateBase::destroyPending() noexcept
{
    stopWaiting();
    if (root) {
        root.destroy();
        root = {};
    }
    future->status = FutureStatus::Cancelled;
    future->cancelMessage = QStringLiteral("event loop destroyed");
    future->callbacks.clear();
    unregisterFromLoop(); // may delete this
}

TaskInfo TaskStateBase::info() const
{
    TaskInfo info;
    info.id = id;
    info.parentId = parentId;
    info.name = displayName();
    info.createdAt = future->where;
    info.steps = steps;
    info.runTime = runTime;
    info.cancelling = cancelRequests;
    switch (future->status) {
    case FutureStatus::Cancelled:
        info.state = TaskInfo::State::Cancelled;
        break;
    case FutureStatus::Finished:
        info.state = future->exception ? TaskInfo::State::Failed : TaskInfo::State::Finished;
        break;
    case FutureStatus::Pending:
        if (running) {
            info.state = TaskInfo::State::Running;
        } else if (waitingOn) {
            info.state = TaskInfo::State::Waiting;
            info.awaiting = waitingOn->describe();
        } else {
            info.state = TaskInfo::State::Scheduled;
        }
        break;
    }
    return info;
}

void startTask(LoopCore &loop, TaskBase &task)
{
    if (const TaskFactory &factory = loop.getTaskFactory())
        factory(loop.eventLoop(), task);
    if (!task.isStarted())
        task.scheduleStart();
}

} // namespace detail
} // namespace qaio
