// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/highlevel/timeout.h>

#include <qaio/core/loopcore.h>

namespace qaio {

namespace {
QString stateName(Timeout::State s)
{
    switch (s) {
    case Timeout::State::Created:
        return QStringLiteral("created");
    case Timeout::State::Entered:
        return QStringLiteral("active");
    case Timeout::State::Expiring:
        return QStringLiteral("expiring");
    case Timeout::State::Expired:
        return QStringLiteral("expired");
    case Timeout::State::Exited:
        return QStringLiteral("finished");
    }
    return {};
}
} // namespace

Timeout::~Timeout()
{
    // The handler captures this object: it must never run after the block is gone.
    m_handler.cancel();
}

void Timeout::enter(std::optional<Duration> delay)
{
    if (m_state != State::Created)
        throw RuntimeError("Timeout has already been entered");
    TaskBase task = currentTask();
    if (!task.isValid())
        throw RuntimeError("Timeout should be used inside a task");
    m_state = State::Entered;
    m_task = task;
    m_cancelling = m_task.cancelling();
    if (delay)
        m_when = deadlineAfter(detail::loopOf(m_task).time(), *delay);
    reschedule(m_when);
}

void Timeout::reschedule(std::optional<TimePoint> when)
{
    if (m_state != State::Entered) {
        if (m_state == State::Created)
            throw RuntimeError("Timeout has not been entered");
        throw RuntimeError(QStringLiteral("Cannot change state of %1 Timeout").arg(stateName(m_state)));
    }
    m_when = when;
    m_handler.cancel();
    m_handler = Handle();
    if (!when)
        return;
    LoopCore &loop = detail::loopOf(m_task);
    if (*when <= loop.time())
        m_handler = loop.callSoon([this] { onTimeout(); });
    else
        m_handler = loop.callAt(*when, [this] { onTimeout(); });
}

void Timeout::onTimeout()
{
    m_task.cancel();
    m_state = State::Expiring;
    m_handler = Handle(); // the handle is running now; nothing left to cancel
}

bool Timeout::exit(bool endedWithCancelledError)
{
    m_handler.cancel();
    m_handler = Handle();
    if (m_state == State::Expiring) {
        m_state = State::Expired;
        // Only when no cancellation other than ours is pending is the CancelledError ours
        // to turn into TimeoutError; otherwise it belongs to whoever cancelled the task.
        if (m_task.uncancel() <= m_cancelling && endedWithCancelledError)
            return true;
    } else if (m_state == State::Entered) {
        m_state = State::Exited;
    }
    return false;
}

} // namespace qaio
