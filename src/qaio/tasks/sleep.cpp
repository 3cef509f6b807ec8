// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/tasks/sleep.h>

#include <qaio/core/loopcore.h>
#include <qaio/tasks/task.h>

namespace qaio::detail {

void SleepAwaiter::release() noexcept
{
    m_timer.cancel();
    if (m_future) {
        m_future->awaitTarget = nullptr;
        m_future->deref();
    }
}

void SleepAwaiter::await_suspend(std::coroutine_handle<> h)
{
    TaskStateBase *task = currentTaskSlot();
    if (!task)
        throw RuntimeError("qaio::sleep() awaited outside a qaio task");
    if (m_delay <= Duration::zero()) {
        task->suspendYield(h);
        return;
    }
    LoopCore &loop = *task->future->loop;
    Future<void> future = loop.createFuture<void>();
    future.state()->tagAwait(AwaitEdge::Kind::Sleep, "sleep", this);
    TimerHandle timer = loop.callLater(m_delay, [future]() mutable {
        if (!future.done())
            future.setResult();
    });
    m_deadline = timer.when();
    m_timer = std::move(timer);
    m_future = future.state();
    m_future->ref();
    suspendCurrentTaskOn(m_future, h);
}

void SleepAwaiter::describeAwait(AwaitEdge &edge) const
{
    edge.deadline = m_deadline;
}

void SleepAwaiter::await_resume()
{
    m_timer.cancel();
    throwIfCancelRequested();
    if (m_future)
        m_future->throwUnlessValue();
}

} // namespace qaio::detail
