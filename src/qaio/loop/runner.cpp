// Copyright (c) qaio authors. Licensed under the MIT license.
// asyncio.Runner and asyncio.run() (Lib/asyncio/runners.py).
#include <qaio/loop/runner.h>

#include <qaio/loop/policy.h>
#include <qaio/tasks/exceptioncontext.h>

#include <chrono>
#include <vector>

namespace qaio {

namespace {

/*! asyncio's THREAD_JOIN_TIMEOUT: how long closing waits for the executor's threads. */
constexpr std::chrono::seconds kThreadJoinTimeout{300};

Coro<void> waitForEach(std::vector<TaskBase> tasks)
{
    for (TaskBase &task : tasks) {
        try {
            co_await task;
        } catch (...) {
            // Outcomes are looked at afterwards, as gather(return_exceptions=True) would.
        }
    }
}

/*! asyncio.runners._cancel_all_tasks(). */
void cancelAllTasks(EventLoop &loop)
{
    std::vector<TaskBase> tasks = loop.allTasks();
    if (tasks.empty())
        return;
    for (TaskBase &task : tasks)
        task.cancel();
    loop.runUntilComplete(waitForEach(tasks));
    for (TaskBase &task : tasks) {
        if (task.cancelled() || !task.exception())
            continue;
        ExceptionContext context;
        context.message = QStringLiteral("unhandled exception during qaio::run() shutdown");
        context.exception = task.exception();
        context.future = task;
        loop.callExceptionHandler(context);
    }
}

} // namespace

Runner::InterruptHandling::InterruptHandling(EventLoop &loop, TaskBase mainTask) : m_loop(loop)
{
    m_installed = detail::handleInterruptOnce(
        loop,
        [this, mainTask]() mutable {
            // asyncio.Runner._on_sigint(); a second Ctrl+C never gets here: the kernel
            // restored the default disposition when it delivered the first.
            if (++m_interrupts == 1 && !mainTask.done())
                mainTask.cancel();
        },
        this);
}

Runner::InterruptHandling::~InterruptHandling()
{
    if (m_installed)
        detail::stopHandlingInterrupt(m_loop, this);
}

Runner::Runner(std::optional<bool> debug, LoopFactory loopFactory)
    : m_debug(debug), m_loopFactory(std::move(loopFactory))
{
}

Runner::~Runner()
{
    try {
        close();
    } catch (...) {
        qCWarning(lcQaio).noquote() << QStringLiteral("qaio::Runner: closing its loop failed: %1")
                                           .arg(describeException(std::current_exception()));
    }
}

EventLoop &Runner::loop()
{
    if (m_closed)
        throw RuntimeError("Runner is closed");
    if (!m_loop) {
        m_loop = m_loopFactory ? m_loopFactory() : std::make_unique<EventLoop>();
        if (!m_loop)
            throw RuntimeError("Runner: the loop factory returned no loop");
        if (!m_loopFactory) {
            setEventLoop(m_loop.get());
            m_setCurrentLoop = true;
        }
        if (m_debug)
            m_loop->setDebug(*m_debug);
    }
    return *m_loop;
}

EventLoop &Runner::loopForRun(const char *caller)
{
    if (runningLoopOrNull())
        throw RuntimeError(QStringLiteral("%1 cannot be called from a running event loop").arg(QLatin1String(caller)));
    return loop();
}

void Runner::restoreCurrentLoop() noexcept
{
    if (m_setCurrentLoop) {
        setEventLoop(nullptr);
        m_setCurrentLoop = false;
    }
}

void Runner::close()
{
    if (!m_loop || m_closed)
        return; // as asyncio: a runner that never made its loop has nothing to close
    std::unique_ptr<EventLoop> loop = std::move(m_loop);
    m_closed = true;
    std::exception_ptr failure;
    try {
        cancelAllTasks(*loop);
        loop->runUntilComplete(loop->shutdownAsyncgens());
        loop->runUntilComplete(loop->shutdownDefaultExecutor(kThreadJoinTimeout));
    } catch (...) {
        failure = std::current_exception();
    }
    restoreCurrentLoop();
    loop->close();
    if (failure)
        std::rethrow_exception(failure);
}

} // namespace qaio
