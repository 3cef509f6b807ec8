// Copyright (c) qaio authors. Licensed under the MIT license.
// asyncio.Condition (Lib/asyncio/locks.py, 3.13): the lock is held again after every
// wait(), cancelled or not; a woken waiter that fails passes its wake-up on.
#include <qaio/highlevel/condition.h>

#include <qaio/highlevel/detail/lockstate_p.h>
#include <qaio/highlevel/lock.h>

namespace qaio {

namespace detail {

struct ConditionState final : AcquirableState
{
    ConditionState(std::shared_ptr<LockState> lock, QString name, SourceLocation where)
        : AcquirableState(std::move(name), where), lock(std::move(lock))
    {
    }

    void release() override { lock->release(); }

    QString describe() const override
    {
        return describePrimitive("Condition", name, lock->locked ? QStringLiteral("locked") : QStringLiteral("unlocked"),
                                 qsizetype(waiters.size()), where);
    }

    std::shared_ptr<LockState> lock;
};

namespace {
Coro<void> waitOnCondition(std::shared_ptr<ConditionState> s)
{
    if (!s->lock->locked)
        throw RuntimeError("cannot wait on un-acquired lock");
    s->binding.loop([&s] { return s->describe(); }); // a wrong loop is refused with the lock still held
    s->lock->release();
    std::exception_ptr failure;
    {
        WaitingPlace place = s->joinLine(AwaitEdge::Kind::Condition, "Condition.wait");
        failure = co_await place.waitForTurn();
    }
    // The lock must be held again on every path, even if the task is cancelled meanwhile.
    for (;;) {
        try {
            co_await acquireLock(s->lock);
            break;
        } catch (const CancelledError &) {
            failure = std::current_exception();
        } catch (...) {
            failure = std::current_exception();
            break;
        }
    }
    if (failure) {
        // We may have been notified before failing: wake another waiter instead.
        wakePending(s->waiters, 1);
        std::rethrow_exception(failure);
    }
}

Coro<LockGuard> acquireScoped(std::shared_ptr<ConditionState> s)
{
    co_await acquireLock(s->lock);
    co_return LockGuard(std::move(s));
}
} // namespace

} // namespace detail

Condition::Condition(QString name, SourceLocation where)
    : Condition(std::make_shared<detail::ConditionState>(std::make_shared<detail::LockState>(QString(), where),
                                                         std::move(name), where))
{
}

Condition::Condition(Lock &lock, QString name, SourceLocation where)
    : Condition(std::make_shared<detail::ConditionState>(lock.d, std::move(name), where))
{
}

Condition::Condition(std::shared_ptr<detail::ConditionState> state) : SyncPrimitive(state.get()), d(std::move(state)) {}

Condition::~Condition() = default;

Coro<void> Condition::acquire()
{
    return detail::acquireLock(d->lock);
}

Coro<LockGuard> Condition::scoped()
{
    return detail::acquireScoped(d);
}

void Condition::release()
{
    d->release();
}

bool Condition::locked() const noexcept
{
    return d->lock->locked;
}

Coro<void> Condition::wait()
{
    return detail::waitOnCondition(d);
}

void Condition::notify(qsizetype n)
{
    if (!d->lock->locked)
        throw RuntimeError("cannot notify on un-acquired lock");
    detail::wakePending(d->waiters, n);
}

void Condition::notifyAll()
{
    notify(qsizetype(d->waiters.size()));
}

} // namespace qaio
