// Copyright (c) qaio authors. Licensed under the MIT license.
// asyncio.Lock (Lib/asyncio/locks.py): FIFO waiters, a cancelled waiter never loses the lock.
#include <qaio/highlevel/lock.h>

#include <qaio/base/errors.h>
#include <qaio/core/loopcore.h>
#include <qaio/highlevel/detail/syncprimitive.h>
#include <qaio/tasks/future.h>

#include <algorithm>
#include <list>

namespace qaio {

namespace detail {

struct LockState
{
    QString name;
    SourceLocation where;
    LoopBinding binding;
    std::list<Future<void>> waiters; // in arrival order; each leaves the list itself
    bool locked = false;

    bool onlyCancelledWaiters() const
    {
        return std::all_of(waiters.begin(), waiters.end(), [](const Future<void> &w) { return w.cancelled(); });
    }
    // asyncio's _wake_up_first(): only the first in line; it takes the lock when it runs.
    void wakeUpFirst()
    {
        if (waiters.empty())
            return;
        Future<void> &first = waiters.front();
        if (!first.done())
            first.setResult();
    }
    void release()
    {
        if (!locked)
            throw RuntimeError("Lock is not acquired.");
        locked = false;
        wakeUpFirst();
    }
    QString describe() const
    {
        return describePrimitive("Lock", name, locked ? QStringLiteral("locked") : QStringLiteral("unlocked"),
                                 qsizetype(waiters.size()), where);
    }
};

namespace {
Coro<void> acquireLock(std::shared_ptr<LockState> s)
{
    if (!s->locked && s->onlyCancelledWaiters()) {
        s->locked = true;
        co_return;
    }
    Future<void> waiter = s->binding.loop([&s] { return s->describe(); }).createFuture<void>();
    waiter.state()->label = "Lock.acquire";
    const auto place = s->waiters.insert(s->waiters.end(), waiter);
    try {
        co_await waiter;
    } catch (const CancelledError &) {
        s->waiters.erase(place);
        // Woken by release() and cancelled before running: the lock is free, pass it on.
        if (!s->locked)
            s->wakeUpFirst();
        throw;
    }
    s->waiters.erase(place);
    s->locked = true;
}
} // namespace

} // namespace detail

// ---- LockGuard -------------------------------------------------------------------------

LockGuard::LockGuard(LockGuard &&other) noexcept : m_state(std::move(other.m_state)) {}

LockGuard &LockGuard::operator=(LockGuard &&other) noexcept
{
    if (this != &other) {
        unlock();
        m_state = std::move(other.m_state);
    }
    return *this;
}

LockGuard::~LockGuard()
{
    unlock();
}

void LockGuard::unlock() noexcept
{
    std::shared_ptr<detail::LockState> state = std::move(m_state);
    if (!state)
        return;
    if (!state->locked) {
        // asyncio's `async with` would raise from release(); a destructor cannot.
        try {
            qCWarning(lcQaio).noquote() << QStringLiteral("LockGuard: %1 was released by someone else while the guard held it")
                                               .arg(state->describe());
        } catch (...) {
            // Logging failed (out of memory): nothing else to do in a destructor.
        }
        return;
    }
    state->locked = false;
    state->wakeUpFirst();
}

// ---- Lock ------------------------------------------------------------------------------

Lock::Lock(QString name, SourceLocation where) : d(std::make_shared<detail::LockState>())
{
    d->name = std::move(name);
    d->where = where;
}

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

qsizetype Lock::waiterCount() const noexcept
{
    return qsizetype(d->waiters.size());
}

QString Lock::name() const
{
    return d->name;
}

SourceLocation Lock::where() const
{
    return d->where;
}

QString Lock::describe() const
{
    return d->describe();
}

} // namespace qaio
