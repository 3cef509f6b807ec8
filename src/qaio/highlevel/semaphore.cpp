// Copyright (c) qaio authors. Licensed under the MIT license.
// asyncio.Semaphore and BoundedSemaphore (Lib/asyncio/locks.py, 3.11+): FIFO, no slot
// lost to a cancellation.
#include <qaio/highlevel/semaphore.h>

#include <qaio/base/errors.h>
#include <qaio/core/loopcore.h>
#include <qaio/highlevel/detail/syncprimitive.h>
#include <qaio/tasks/future.h>

#include <algorithm>
#include <list>
#include <optional>

namespace qaio {

namespace detail {

struct SemaphoreState
{
    QString name;
    SourceLocation where;
    LoopBinding binding;
    std::list<Future<void>> waiters; // in arrival order; each leaves the list itself
    qsizetype value = 1;
    std::optional<qsizetype> bound; // BoundedSemaphore's initial value

    bool locked() const
    {
        return value == 0 ||
               std::any_of(waiters.begin(), waiters.end(), [](const Future<void> &w) { return !w.cancelled(); });
    }
    // asyncio's _wake_up_next(): the first waiter not woken yet gets a slot reserved.
    bool wakeUpNext()
    {
        for (Future<void> &waiter : waiters) {
            if (!waiter.done()) {
                --value;
                waiter.setResult();
                return true;
            }
        }
        return false;
    }
    QString describe() const
    {
        const QString state = (locked() ? QStringLiteral("locked") : QStringLiteral("unlocked")) +
                              QStringLiteral(", value:%1").arg(value);
        return describePrimitive(bound ? "BoundedSemaphore" : "Semaphore", name, state, qsizetype(waiters.size()),
                                 where);
    }
};

namespace {
Coro<void> acquireSlot(std::shared_ptr<SemaphoreState> s)
{
    if (!s->locked()) {
        --s->value;
        co_return;
    }
    Future<void> waiter = s->binding.loop([&s] { return s->describe(); }).createFuture<void>();
    waiter.state()->label = "Semaphore.acquire";
    const auto place = s->waiters.insert(s->waiters.end(), waiter);
    std::exception_ptr failure;
    try {
        co_await waiter;
    } catch (...) {
        failure = std::current_exception();
    }
    s->waiters.erase(place);
    // Woken (a slot reserved for us) but cancelled before running: give the slot back.
    if (failure && waiter.done() && !waiter.cancelled())
        ++s->value;
    // Newcomers may have queued behind us (FIFO): wake as many as there are free slots.
    while (s->value > 0 && s->wakeUpNext()) {
    }
    if (failure)
        std::rethrow_exception(failure);
}
} // namespace

} // namespace detail

Semaphore::Semaphore(qsizetype value, QString name, SourceLocation where)
    : Semaphore(value, -1, std::move(name), where)
{
}

Semaphore::Semaphore(qsizetype value, qsizetype bound, QString name, SourceLocation where)
    : d(std::make_shared<detail::SemaphoreState>())
{
    if (value < 0)
        throw ValueError("Semaphore initial value must be >= 0");
    d->value = value;
    if (bound >= 0)
        d->bound = bound;
    d->name = std::move(name);
    d->where = where;
}

Semaphore::~Semaphore() = default;

Coro<void> Semaphore::acquire()
{
    return detail::acquireSlot(d);
}

void Semaphore::release()
{
    if (d->bound && d->value >= *d->bound)
        throw ValueError("BoundedSemaphore released too many times");
    ++d->value;
    d->wakeUpNext();
}

bool Semaphore::locked() const noexcept
{
    return d->locked();
}

qsizetype Semaphore::value() const noexcept
{
    return d->value;
}

qsizetype Semaphore::waiterCount() const noexcept
{
    return qsizetype(d->waiters.size());
}

QString Semaphore::name() const
{
    return d->name;
}

SourceLocation Semaphore::where() const
{
    return d->where;
}

QString Semaphore::describe() const
{
    return d->describe();
}

BoundedSemaphore::BoundedSemaphore(qsizetype value, QString name, SourceLocation where)
    : Semaphore(value, value, std::move(name), where)
{
}

} // namespace qaio
