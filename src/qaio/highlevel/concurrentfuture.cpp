// Copyright (c) qaio authors. Licensed under the MIT license.
// asyncio.run_coroutine_threadsafe() (Lib/asyncio/tasks.py) and the chaining of an
// asyncio future to a concurrent.futures.Future (futures._chain_future).
#include <qaio/highlevel/concurrentfuture.h>

namespace qaio::detail {

ConcurrentStateBase::~ConcurrentStateBase() = default;

bool ConcurrentStateBase::done() const
{
    std::lock_guard lock(m_mutex);
    return m_status != Status::Pending;
}

bool ConcurrentStateBase::cancelled() const
{
    std::lock_guard lock(m_mutex);
    return m_status == Status::Cancelled;
}

bool ConcurrentStateBase::cancel()
{
    {
        std::lock_guard lock(m_mutex);
        if (m_status != Status::Pending)
            return false;
        m_status = Status::Cancelled;
        m_changed.notify_all();
        // The loop cannot go away meanwhile: destroying the task's coroutine needs this
        // mutex to detach() first.
        if (m_loop) {
            try {
                m_loop->callSoonThreadsafe([self = shared_from_this()] { self->cancelTask(); });
            } catch (const RuntimeError &) {
                // The loop is closing: the task goes with it.
            }
        }
        // Not started yet: the starter sees the status and cancels the task it creates.
    }
    settleQFuture();
    return true;
}

bool ConcurrentStateBase::waitDone(std::unique_lock<std::mutex> &lock, std::optional<std::chrono::nanoseconds> timeout) const
{
    lock = std::unique_lock(m_mutex);
    if (m_status != Status::Pending)
        return true;
    if (currentThreadTag() == m_loopThread)
        throw RuntimeError("ConcurrentFuture: waiting on the loop's own thread would block the loop that must "
                           "complete it; co_await the task instead");
    const auto isDone = [this] { return m_status != Status::Pending; };
    if (!timeout) {
        m_changed.wait(lock, isDone);
        return true;
    }
    return m_changed.wait_for(lock, *timeout, isDone);
}

void ConcurrentStateBase::throwIfFailed() const
{
    if (m_status == Status::Cancelled)
        throw CancelledError();
    if (m_error)
        std::rethrow_exception(m_error);
}

void ConcurrentStateBase::attach(LoopCore &loop, FutureStateBase *task)
{
    std::lock_guard lock(m_mutex);
    m_loop = &loop;
    m_task = task;
}

void ConcurrentStateBase::detach()
{
    std::lock_guard lock(m_mutex);
    m_loop = nullptr;
    m_task = nullptr;
}

void ConcurrentStateBase::cancelTask()
{
    FutureBase task;
    {
        std::lock_guard lock(m_mutex);
        task = FutureBase::fromState(m_task); // a reference taken on the loop's thread
    }
    if (task.isValid())
        task.cancel();
}

void ConcurrentStateBase::fail(std::exception_ptr error)
{
    std::unique_lock lock(m_mutex);
    if (m_status != Status::Pending)
        return;
    if (holds<CancelledError>(error)) {
        m_status = Status::Cancelled;
        m_changed.notify_all();
        lock.unlock();
        settleQFuture();
        return;
    }
    m_error = std::move(error);
    markFinished(lock);
}

void ConcurrentStateBase::markFinished(std::unique_lock<std::mutex> &lock)
{
    m_status = Status::Finished;
    m_changed.notify_all();
    lock.unlock();
    settleQFuture();
}

} // namespace qaio::detail
