// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/detail/notifierreactor_p.h>

#include <qaio/core/detail/fdwatcher_p.h>
#include <qaio/platform/oserror.h>
#include <qaio/platform/socketops_p.h>

#include <QtCore/QEvent>
#include <QtCore/QSocketNotifier>

namespace qaio::detail {

namespace {

// Intercepts the activation event itself instead of connecting to activated(): one
// virtual call per readiness event instead of a signal emission.
class DirectionNotifier final : public QSocketNotifier
{
public:
    DirectionNotifier(FdWatcher *watcher, unsigned bit, NotifierReactor *reactor)
        : QSocketNotifier(watcher->fd(), bit == sys::Readable ? Read : Write), m_watcher(watcher), m_bit(bit),
          m_reactor(reactor)
    {
    }

protected:
    bool event(QEvent *e) override
    {
        if (e->type() == QEvent::SockAct) {
            m_reactor->dispatch(*m_watcher, m_bit); // may delete this notifier
            return true;
        }
        return QSocketNotifier::event(e);
    }

private:
    FdWatcher *m_watcher;
    unsigned m_bit;
    NotifierReactor *m_reactor;
};

} // namespace

struct FdNotifiers
{
    std::unique_ptr<DirectionNotifier> read;
    std::unique_ptr<DirectionNotifier> write;
};

ReactorSlot::ReactorSlot() = default;
ReactorSlot::~ReactorSlot() = default;

void NotifierReactor::watch(FdWatcher &watcher, unsigned interest, bool revalidate)
{
    if (m_shutDown)
        return;
    ReactorSlot &slot = watcher.reactorSlot();
    const unsigned before = slot.watched;
    if (!slot.notifiers) {
        // asyncio's selectors refuse a closed descriptor at registration; Qt would only
        // warn later, from its dispatcher.
        if (const int error = sys::checkDescriptor(watcher.fd()))
            throwOSError(error, QStringLiteral("cannot watch file descriptor %1").arg(watcher.fd()));
        slot.notifiers = std::make_unique<FdNotifiers>();
    } else if (revalidate && interest) {
        if (const int error = sys::checkDescriptor(watcher.fd()))
            throwOSError(error, QStringLiteral("cannot watch file descriptor %1").arg(watcher.fd()));
    }
    const auto apply = [&](std::unique_ptr<DirectionNotifier> &notifier, unsigned bit) {
        const bool on = interest & bit;
        if (!notifier) {
            if (on) {
                notifier = std::make_unique<DirectionNotifier>(&watcher, bit, this);
                ++m_changes;
            }
        } else if (notifier->isEnabled() != on) {
            notifier->setEnabled(on);
            ++m_changes;
        }
    };
    apply(slot.notifiers->read, sys::Readable);
    apply(slot.notifiers->write, sys::Writable);
    slot.watched = interest;
    if (!before && interest)
        ++m_watched;
    else if (before && !interest)
        --m_watched;
}

void NotifierReactor::dispatch(FdWatcher &watcher, unsigned ready) noexcept
{
    ++m_events;
    LoopCore *const previous = beginBatch();
    watcher.dispatch(ready);
    endBatch(previous);
}

void NotifierReactor::forget(FdWatcher &watcher) noexcept
{
    ReactorSlot &slot = watcher.reactorSlot();
    if (slot.watched && !m_shutDown)
        --m_watched;
    slot.watched = 0;
    slot.notifiers.reset();
}

void NotifierReactor::shutDown() noexcept
{
    // The watchers delete their notifiers when the loop drops them, right after.
    m_shutDown = true;
    m_watched = 0;
}

ReactorStats NotifierReactor::stats() const noexcept
{
    ReactorStats s;
    s.backend = ReactorBackend::Qt;
    s.watchedDescriptors = m_watched;
    s.wakeups = m_events;
    s.eventsDispatched = m_events;
    s.interestChanges = m_changes;
    return s;
}

} // namespace qaio::detail
