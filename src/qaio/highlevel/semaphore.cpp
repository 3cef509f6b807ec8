// Copyright (c) qaio authors. Licensed under the MIT license.
// asyncio.Semaphore and BoundedSemaphore (Lib/asyncio/locks.py, 3.11+): FIFO, no slot
// lost to a cancellation.
#include <qaio/highlevel/semaphore.h>

#include <qaio/highlevel/detail/primitivestate.h>

#include <optional>

namespace qaio {

namespace detail {

struct SemaphoreState final : AcquirableState
{
    SemaphoreState(qsizetype value, std::optional<qsizetype> bound, QString name, SourceLocation where)
        : AcquirableState(std::move(name), where), value(value), bound(bound)
    {
        if (value < 0)
            throw ValueError("Semaphore initial value must be >= 0");
    }

    bool locked() const { return value == 0 || hasLiveWaiter(waiters); }

    // asyncio's _wake_up_next(): the first waiter not woken yet gets a slot reserved.
    bool wakeUpNext()
    {
        if (!wakeFirstPending(waiters))
            return false;
        --value;
        return true;
    }

    void release() override
    {
        if (bound && value >= *bound)
            throw ValueError("BoundedSemaphore released too many times");
        ++value;
        wakeUpNext();
    }

    QString describe() const override
    {
        const QString state = (locked() ? QStringLiteral("locked") : QStringLiteral("unlocked")) +
                              QStringLiteral(", value:%1").arg(value);
        return describePrimitive(bound ? "BoundedSemaphore" : "Semaphore", name, state, qsizetype(waiters.size()),
                                 where);
    }

    qsizetype value;
    std::optional<qsizetype> bound; // BoundedSemaphore's initial value
};

namespace {
Coro<void> acquireSlot(std::shared_ptr<SemaphoreState> s)
{
    if (!s->locked()) {
        --s->value;
        co_return;
    }
    std::exception_ptr failure;
    {
        WaitingPlace place = s->joinLine(AwaitEdge::Kind::Semaphore, "Semaphore.acquire");
        failure = co_await place.waitForTurn();
        // Woken (a slot reserved for us) but cancelled before running: give it back.
        if (failure && place.woken())
            ++s->value;
    }
    // Newcomers may have queued behind us (FIFO): wake as many as there are free slots.
    while (s->value > 0 && s->wakeUpNext()) {
    }
    if (failure)
        std::rethrow_exception(failure);
}

Coro<LockGuard> acquireScoped(std::shared_ptr<SemaphoreState> s)
{
    co_await acquireSlot(s);
    co_return LockGuard(std::move(s));
}
} // namespace

} // namespace detail

Semaphore::Semaphore(qsizetype value, QString name, SourceLocation where)
    : Semaphore(std::make_shared<detail::SemaphoreState>(value, std::nullopt, std::move(name), where))
{
}

Semaphore::Semaphore(std::shared_ptr<detail::SemaphoreState> state) : SyncPrimitive(state.get()), d(std::move(state)) {}

Semaphore::~Semaphore() = default;

Coro<void> Semaphore::acquire()
{
    return detail::acquireSlot(d);
}

Coro<LockGuard> Semaphore::scoped()
{
    return detail::acquireScoped(d);
}

void Semaphore::release()
{
    d->release();
}

bool Semaphore::locked() const noexcept
{
    return d->locked();
}

qsizetype Semaphore::value() const noexcept
{
    return d->value;
}

BoundedSemaphore::BoundedSemaphore(qsizetype value, QString name, SourceLocation where)
    : Semaphore(std::make_shared<detail::SemaphoreState>(value, value, std::move(name), where))
{
}

} // namespace qaio
