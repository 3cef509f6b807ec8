// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/tasks/task.h>


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

void suspendCurrentTaskOn(FutureStateBase *state, std::coroutine_handle<> resumePoint)
{
    TaskStateBase *task = t_currentTask;
    if (!task)
        throw RuntimeError("co_await on a qaio future outside a qaio task: run the coroutine with "
                           "EventLoop::createTask() or EventLoop::runUntilComplete()");
    task->suspendOn(state, resumePoint);
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
    // A pending task is kept alive by the loop's registry, so the raw pointer is safe:
    // only step() itself can finish the task.
    future->loop->callSoonDetached([this] { step(); }, future->where, true);
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
        const TimePoint end = steadyNow();
        runTime += end - begin;
        loop->setStepStamp(end);
        return;
    }
    completeRoot();
    const TimePoint end = steadyNow();
    runTime += end - begin;
    // Dropping the last reference may call the exception handler: that is no bookkeeping.
    const bool deletesTask = future->soleOwner();
    unregisterFromLoop(); // may delete this
    if (!deletesTask)
        loop->setStepStamp(end);
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
    ++cancelRequests;
    if (waitingOn && waitingOn->cancel(message))
        return true;
    mustCancel = true;
    cancelMessage = message;
    return true;
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

void TaskStateBase::suspendOn(FutureStateBase *awaited, std::coroutine_handle<> point)
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
        awaited->addDoneCallback([this](FutureStateBase &) { step(); });
    }
    resumePoint = point;
    waitingOn = awaited;
    awaited->ref();
    if (mustCancel && awaited->cancel(cancelMessage))
        mustCancel = false;
}

void TaskStateBase::suspendYield(std::coroutine_handle<> point)
{
    resumePoint = point;
    scheduleStep();
}

void TaskStateBase::destroyPending() noexcept
{
    if (waitingOn) {
        if (waitingOn->waitingTask == this)
            waitingOn->waitingTask = nullptr;
        waitingOn->deref();
        waitingOn = nullptr;
    }
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
