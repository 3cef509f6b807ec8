// Copyright (c) qaio authors. Licensed under the MIT license.
// asyncio.Event (Lib/asyncio/locks.py).
#include <qaio/highlevel/event.h>

#include <qaio/highlevel/detail/primitivestate.h>

namespace qaio {

namespace detail {

struct EventState final : PrimitiveState
{
    using PrimitiveState::PrimitiveState;

    QString describe() const override
    {
        return describePrimitive("Event", name, value ? QStringLiteral("set") : QStringLiteral("unset"),
                                 qsizetype(waiters.size()), where);
    }

    bool value = false;
};

namespace {
Coro<void> waitForEvent(std::shared_ptr<EventState> s)
{
    if (s->value)
        co_return;
    WaitingPlace place = s->joinLine(AwaitEdge::Kind::Event, "Event.wait");
    co_await place.future();
}
} // namespace

} // namespace detail

Event::Event(QString name, SourceLocation where) : Event(std::make_shared<detail::EventState>(std::move(name), where)) {}

Event::Event(std::shared_ptr<detail::EventState> state) : SyncPrimitive(state.get()), d(std::move(state)) {}

Event::~Event() = default;

Coro<void> Event::wait()
{
    return detail::waitForEvent(d);
}

void Event::set()
{
    if (d->value)
        return;
    d->value = true;
    detail::wakePending(d->waiters, qsizetype(d->waiters.size()));
}

void Event::clear() noexcept
{
    d->value = false;
}

bool Event::isSet() const noexcept
{
    return d->value;
}

} // namespace qaio
