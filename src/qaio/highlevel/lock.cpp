// Copyright (c) qaio authors. Licensed under the MIT license.
// asyncio.Lock (Lib/asyncio/locks.py): FIFO waiters, a cancelled waiter never loses the lock.
#include <qaio/highlevel/lock.h>

#include <qaio/highlevel/detail/lockstate_p.h>
#include <qaio/tasks/task.h>

namespace qaio {

namespace detail {

void LockState::release()
{
    if (!locked)
        throw RuntimeError("Lock is not acquired.");
    locked = false;
    holder = 0;
    wakeUpFirst();
}

void LockState::take() noexcept
{
    locked = true;
    const TaskStateBase *task = currentTaskSlot();
    holder = task ? task->id : 0;
}

void LockState::wakeUpFirst()
{
    // asyncio's _wake_up_first(): only the first in line; it takes the lock when it runs.
    if (!waiters.empty() && !waiters.front().done())
        waiters.front().setResult();
}

QString LockState::describe() const
{
    return describePrimitive("Lock", name, locked ? QStringLiteral("locked") : QStringLiteral("unlocked"),
                             qsizetype(waiters.size()), where);
}

Coro<void> acquireLock(std::shared_ptr<LockState> s)
{
    if (!s->locked && !hasLiveWaiter(s->waiters)) {
        s->take();
        co_return;
    }
    std::exception_ptr cancelled;
    {
        WaitingPlace place = s->joinLine(AwaitEdge::Kind::Lock, "Lock.acquire");
        cancelled = co_await place.waitForTurn();
    }
    if (cancelled) {
        // Woken by release() and cancelled before running: the lock is free, pass it on.
        if (!s->locked)
            s->wakeUpFirst();
        std::rethrow_exception(cancelled);
    }
    s->take();
}

} // namespace detail

Lock::Lock(QString name, SourceLocation where) : Lock(std::make_shared<detail::LockState>(std::move(name), where)) {}

Lock::Lock(std::shared_ptr<detail::LockState> state) : SyncPrimitive(state.get()), d(std::move(state)) {}

Lock::~Lock() = default;

Coro<void> Lock::acquire()
{
    return detail::acquireLock(d);
}

Coro<LockGuard> Lock::scoped()
{
    std::shared_ptr<detail::LockState> state = d;
    co_await detail::acquireLock(state);
    co_return LockGuard(std::move(state));
}

void Lock::release()
{
    d->release();
}

bool Lock::locked() const noexcept
{
    return d->locked;
}

} // namespace qaio
