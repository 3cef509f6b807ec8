// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop's own part: lifetime, executors, the task registry's views, the exception
// handler. The scheduler underneath is core/loopcore.cpp.
#include <qaio/loop/eventloop.h>

#include <qaio/highlevel/asyncgenerator.h>

#include <thread>

namespace qaio {

EventLoop::EventLoop() : LoopCore(this, ReactorBackend::Default)
{
    serveInspectorFromEnvironment();
}

EventLoop::EventLoop(ReactorBackend reactor) : LoopCore(this, reactor)
{
    serveInspectorFromEnvironment();
}

EventLoop::~EventLoop()
{
    dropInspector();
    forgetRunning();
    m_runDepth = 0;
    m_batchDepth = 0;
    close();
    while (m_tasksHead) {
        detail::TaskStateBase *task = m_tasksHead;
        ExceptionContext context;
        context.message = QStringLiteral("Task was destroyed but it is pending!");
        context.objectDescription = task->future->describe();
        context.sourceLocation = task->future->where;
        callExceptionHandler(context);
        task->destroyPending();
    }
    for (detail::AsyncGenBase *gen : m_asyncgens)
        gen->detachFromLoop();
    m_asyncgens.clear();
    for (detail::FutureStateBase *f = m_futures; f;) {
        detail::FutureStateBase *next = f->nextInLoop;
        f->detachFromLoop();
        f = next;
    }
    m_futures = nullptr;
}

void EventLoop::close()
{
    if (isRunning())
        throw RuntimeError("Cannot close a running event loop");
    if (isClosed())
        return;
    // Open transports and servers close their descriptors (no callbacks) and drop the
    // self-references that kept them alive; the executor stops without waiting.
    closeCore();
    if (m_defaultExecutor)
        m_defaultExecutor->shutdown(false);
}

void EventLoop::setDefaultExecutor(std::unique_ptr<Executor> executor)
{
    if (!executor)
        throw ValueError("setDefaultExecutor(): executor is null");
    m_defaultExecutor = std::move(executor);
    m_executorShutdown = false;
}

Executor &EventLoop::defaultExecutor()
{
    requireOpen();
    if (m_executorShutdown)
        throw RuntimeError("Executor shutdown has been called");
    if (!m_defaultExecutor)
        m_defaultExecutor = std::make_unique<ThreadPoolExecutor>();
    return *m_defaultExecutor;
}

Coro<void> EventLoop::shutdownDefaultExecutor(std::optional<Delay> timeoutArg)
{
    const std::optional<Duration> timeout = detail::checkedDelay(timeoutArg, "timeout");
    m_executorShutdown = true;
    if (!m_defaultExecutor)
        co_return;
    std::shared_ptr<Executor> executor(std::move(m_defaultExecutor));
    Future<bool> finished = createFuture<bool>();
    auto *deliver = new detail::CallbackHandle<std::function<void()>>(this, SourceLocation::current(),
                                                                       [finished]() mutable {
        if (!finished.done())
            finished.setResult(true);
    });
    parkHandle(deliver);
    std::thread([executor, box = inbox(), deliver] {
        executor->shutdown(true);
        detail::releaseParked(box, deliver);
    }).detach();
    TimerHandle timer;
    if (timeout)
        timer = callLater(*timeout, [finished]() mutable {
            if (!finished.done())
                finished.setResult(false);
        });
    const bool joined = co_await finished;
    timer.cancel();
    if (!joined)
        qCWarning(lcQaio).noquote() << QStringLiteral("The executor did not finish joining its threads within %1 seconds.")
                                           .arg(std::chrono::duration<double>(*timeout).count());
}

std::vector<TaskBase> EventLoop::allTasks() const
{
    std::vector<TaskBase> tasks;
    tasks.reserve(m_pendingTasks);
    for (detail::TaskStateBase *t = m_tasksHead; t; t = t->nextTask)
        tasks.push_back(TaskBase::fromState(t->future));
    return tasks;
}

std::vector<TaskInfo> EventLoop::taskInfos() const
{
    std::vector<TaskInfo> infos;
    infos.reserve(m_pendingTasks);
    for (detail::TaskStateBase *t = m_tasksHead; t; t = t->nextTask)
        infos.push_back(t->info());
    return infos;
}

void EventLoop::reportException(const ExceptionContext &context) noexcept
{
    if (!m_exceptionHandler || m_inHandler) {
        defaultExceptionHandler(context);
        return;
    }
    m_inHandler = true;
    try {
        m_exceptionHandler(*this, context);
    } catch (...) {
        ExceptionContext failure;
        failure.message = QStringLiteral("Unhandled error in exception handler");
        failure.exception = std::current_exception();
        failure.extra.insert(QStringLiteral("context"), context.toString());
        defaultExceptionHandler(failure);
    }
    m_inHandler = false;
}

void EventLoop::reportLoopError(const detail::LoopError &error) noexcept
{
    ExceptionContext context;
    context.message = error.message;
    context.exception = error.exception;
    if (error.handle) {
        error.handle->ref();
        context.handle = Handle(error.handle);
        context.sourceLocation = error.handle->where;
    }
    context.transport = error.transport;
    context.protocol = error.protocol;
    context.socket = error.socket;
    reportException(context);
}

void EventLoop::defaultExceptionHandler(const ExceptionContext &context) noexcept
{
    try {
        qCCritical(lcQaio).noquote() << context.toString();
    } catch (...) {
        // Logging itself failed (out of memory): nothing sensible is left to do.
    }
}

EventLoop &getRunningLoop()
{
    return detail::requireRunningLoop().eventLoop();
}

EventLoop *runningLoopOrNull() noexcept
{
    LoopCore *loop = detail::runningLoopCore();
    return loop ? &loop->eventLoop() : nullptr;
}

} // namespace qaio
