// Copyright (c) qaio authors. Licensed under the MIT license.
// asyncio.Event (Lib/asyncio/locks.py).
#include <qaio/highlevel/event.h>

#include <qaio/core/loopcore.h>
#include <qaio/highlevel/detail/syncprimitive.h>
#include <qaio/tasks/future.h>

#include <list>

namespace qaio {

namespace detail {

struct EventState
{
    QString name;
    SourceLocation where;
    LoopBinding binding;
    std::list<Future<void>> waiters; // in arrival order; each leaves the list itself
    bool value = false;

    QString describe() const
    {
        return describePrimitive("Event", name, value ? QStringLiteral("set") : QStringLiteral("unset"), qsizetype(waiters.size()), where);
    }
};

namespace {
Coro<void> waitForEvent(std::shared_ptr<EventState> s)
{
    if (s->value)
        co_return;
    Future<void> waiter = s->binding.loop([&s] { return s->describe(); }).createFuture<void>();
    waiter.state()->label = "Event.wait";
    const auto place = s->waiters.insert(s->waiters.end(), waiter);
    try {
        co_await waiter;
    } catch (...) {
        s->waiters.erase(place);
        throw;
    }
    s->waiters.erase(place);
}
} // namespace

} // namespace detail

Event::Event(QString name, SourceLocation where) : d(std::make_shared<detail::EventState>())
{
    d->name = std::move(name);
    d->where = where;
}

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
    for (Future<void> &waiter : d->waiters) {
        if (!waiter.done())
            waiter.setResult();
    }
}

void Event::clear() noexcept
{
    d->value = false;
}

bool Event::isSet() const noexcept
{
    return d->value;
}

qsizetype Event::waiterCount() const noexcept
{
    return qsizetype(d->waiters.size());
}

QString Event::name() const
{
    return d->name;
}

SourceLocation Event::where() const
{
    return d->where;
}

QString Event::describe() const
{
    return d->describe();
}

} // namespace qaio
