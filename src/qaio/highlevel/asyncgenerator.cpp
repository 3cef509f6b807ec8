// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/highlevel/asyncgenerator.h>

#include <qaio/core/loopcore.h>
#include <qaio/tasks/task.h>


namespace qaio {

namespace detail {

namespace {

// Resumes the body from aclose(); control comes back at its next co_yield or its end.
struct ResumeBody
{
    AsyncGenBase *gen;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) const { return gen->resumeFrom(awaiting); }
    void await_resume() const noexcept {}
};

} // namespace

AsyncGenBase::~AsyncGenBase()
{
    unregister();
}

void AsyncGenBase::requireIdle(const char *operation) const
{
    if (running)
        throw RuntimeError(
            QStringLiteral("%1(): asynchronous generator is already running").arg(QLatin1String(operation)));
}

std::coroutine_handle<> AsyncGenBase::resumeFrom(std::coroutine_handle<> awaiting)
{
    if (!started) {
        started = true;
        registerWithRunningLoop();
    }
    running = true;
    continuation = awaiting;
    return self;
}

std::coroutine_handle<> AsyncGenBase::suspendAtYield() noexcept
{
    running = false;
    if (closing) {
        yieldedWhileClosing = true;
        markFinished();
    }
    return std::exchange(continuation, {});
}

std::coroutine_handle<> AsyncGenBase::suspendAtEnd() noexcept
{
    running = false;
    markFinished();
    return std::exchange(continuation, {});
}

void AsyncGenBase::resumedAtYield()
{
    if (throwExit) {
        throwExit = false;
        throw GeneratorExit();
    }
}

void AsyncGenBase::markFinished() noexcept
{
    finished = true;
    unregister();
}

QString AsyncGenBase::describe() const
{
    return QStringLiteral("AsyncGenerator at 0x%1").arg(quintptr(self.address()), 0, 16);
}

void AsyncGenBase::registerWithRunningLoop()
{
    LoopCore *running = runningLoopCore();
    if (!running)
        return;
    if (running->m_asyncgensShutdownCalled)
        qCWarning(lcQaio).noquote() << QStringLiteral("%1 was scheduled after EventLoop::shutdownAsyncgens() call")
                                           .arg(describe());
    running->m_asyncgens.insert(this);
    loop = running;
}

void AsyncGenBase::unregister() noexcept
{
    if (loop) {
        loop->m_asyncgens.erase(this);
        loop = nullptr;
    }
}

Coro<void> AsyncGenBase::aclose(AsyncGenRef ref)
{
    AsyncGenBase *gen = ref.get();
    if (gen->finished)
        co_return;
    gen->requireIdle("aclose");
    if (!gen->started) {
        // Never started: the body must not run at all (Python marks it closed).
        gen->started = true;
        gen->markFinished();
        co_return;
    }
    gen->throwExit = true;
    gen->closing = true;
    co_await ResumeBody{gen};
    gen->closing = false;
    gen->throwExit = false;
    if (gen->yieldedWhileClosing)
        throw RuntimeError("async generator ignored GeneratorExit");
    std::exception_ptr error = std::exchange(gen->error, nullptr);
    if (error && !holds<GeneratorExit>(error))
        std::rethrow_exception(error);
}

} // namespace detail

} // namespace qaio
