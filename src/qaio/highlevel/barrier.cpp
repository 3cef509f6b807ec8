// Copyright (c) qaio authors. Licensed under the MIT license.
// asyncio.Barrier (Lib/asyncio/locks.py, 3.11+): filling, draining, resetting, broken.
#include <qaio/highlevel/barrier.h>

#include <qaio/highlevel/condition.h>
#include <qaio/highlevel/detail/primitivestate.h>

namespace qaio {

namespace detail {

enum class BarrierPhase { Filling, Draining, Resetting, Broken };

struct BarrierState final : PrimitiveState
{
    BarrierState(qsizetype parties, QString name, SourceLocation where)
        : PrimitiveState(std::move(name), where), parties(parties), changed(QString(), where)
    {
        if (parties < 1)
            throw ValueError("parties must be > 0");
    }

    QString describe() const override
    {
        static const char *const phases[] = {"filling", "draining", "resetting", "broken"};
        const QString state = QLatin1String(phases[int(phase)]) +
                              QStringLiteral(", waiters:%1/%2").arg(nWaiting()).arg(parties);
        return describePrimitive("Barrier", name, state, 0, where);
    }
    qsizetype waiterCount() const noexcept override { return changed.waiterCount(); }

    qsizetype nWaiting() const { return phase == BarrierPhase::Filling ? count : 0; }
    bool releasing() const { return phase == BarrierPhase::Draining || phase == BarrierPhase::Resetting; }

    // asyncio's _exit(): the last task out ends the draining or resetting.
    void leave()
    {
        --count;
        if (count == 0) {
            if (releasing())
                phase = BarrierPhase::Filling;
            changed.notifyAll();
        }
    }

    const qsizetype parties;
    qsizetype count = 0; // tasks inside wait(), past the draining check
    BarrierPhase phase = BarrierPhase::Filling;
    Condition changed; // notified at every change of phase
};

namespace {
Coro<qsizetype> waitAtBarrier(std::shared_ptr<BarrierState> s)
{
    BarrierState *const barrier = s.get();
    LockGuard held = co_await barrier->changed.scoped();
    // Tasks of the previous round are still leaving: wait for them.
    auto notReleasing = [barrier] { return !barrier->releasing(); };
    Coro<bool> drained = barrier->changed.waitFor(notReleasing);
    co_await std::move(drained);
    if (barrier->phase == BarrierPhase::Broken)
        throw BrokenBarrierError("Barrier aborted");
    const qsizetype index = barrier->count++;
    std::exception_ptr failure;
    try {
        if (index + 1 == barrier->parties) {
            barrier->phase = BarrierPhase::Draining;
            barrier->changed.notifyAll();
        } else {
            auto notFilling = [barrier] { return barrier->phase != BarrierPhase::Filling; };
            Coro<bool> released = barrier->changed.waitFor(notFilling);
            co_await std::move(released);
            if (barrier->phase == BarrierPhase::Broken || barrier->phase == BarrierPhase::Resetting)
                throw BrokenBarrierError("Abort or reset of barrier");
        }
    } catch (...) {
        failure = std::current_exception();
    }
    barrier->leave();
    if (failure)
        std::rethrow_exception(failure);
    co_return index;
}

Coro<void> resetBarrier(std::shared_ptr<BarrierState> s)
{
    LockGuard held = co_await s->changed.scoped();
    if (s->count > 0)
        s->phase = BarrierPhase::Resetting; // the tasks inside get BrokenBarrierError
    else
        s->phase = BarrierPhase::Filling;
    s->changed.notifyAll();
}

Coro<void> abortBarrier(std::shared_ptr<BarrierState> s)
{
    LockGuard held = co_await s->changed.scoped();
    s->phase = BarrierPhase::Broken;
    s->changed.notifyAll();
}
} // namespace

} // namespace detail

Barrier::Barrier(qsizetype parties, QString name, SourceLocation where)
    : Barrier(std::make_shared<detail::BarrierState>(parties, std::move(name), where))
{
}

Barrier::Barrier(std::shared_ptr<detail::BarrierState> state) : SyncPrimitive(state.get()), d(std::move(state)) {}

Barrier::~Barrier() = default;

Coro<qsizetype> Barrier::wait()
{
    return detail::waitAtBarrier(d);
}

Coro<void> Barrier::reset()
{
    return detail::resetBarrier(d);
}

Coro<void> Barrier::abort()
{
    return detail::abortBarrier(d);
}

qsizetype Barrier::parties() const noexcept
{
    return d->parties;
}

qsizetype Barrier::nWaiting() const noexcept
{
    return d->nWaiting();
}

bool Barrier::broken() const noexcept
{
    return d->phase == detail::BarrierPhase::Broken;
}

} // namespace qaio
