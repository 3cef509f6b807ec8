// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/detail/fdwatcher_p.h>

#include <qaio/core/loopcore.h>

#include <QtCore/QEvent>

namespace qaio::detail {

// Intercepts the activation event itself instead of connecting to activated(): one
// virtual call per readiness event instead of a signal emission.
class FdWatcher::Notifier final : public QSocketNotifier
{
public:
    Notifier(FdWatcher *owner, Type type)
        : QSocketNotifier(owner->m_fd, type), m_owner(owner), m_direction(type == Read ? &owner->m_read : &owner->m_write)
    {
    }

protected:
    bool event(QEvent *e) override
    {
        if (e->type() == QEvent::SockAct) {
            // The direction is known here: QSocketNotifier::type() is an out-of-line call.
            m_owner->dispatch(*m_direction);
            return true;
        }
        return QSocketNotifier::event(e);
    }

private:
    FdWatcher *m_owner;
    Direction *m_direction;
};

FdWatcher::FdWatcher(LoopCore *loop, qintptr fd) : m_loop(loop), m_fd(fd) {}

FdWatcher::~FdWatcher() = default;

void FdWatcher::set(Direction &d, QSocketNotifier::Type type, Callback callback)
{
    if (d.dispatching)
        d.next = std::move(callback);
    else
        d.current = std::move(callback);
    if (!d.notifier)
        d.notifier = std::make_unique<Notifier>(this, type);
    else if (!d.notifier->isEnabled())
        d.notifier->setEnabled(true);
}

bool FdWatcher::clear(Direction &d)
{
    if (!d.registered())
        return false;
    d.notifier->setEnabled(false);
    if (d.dispatching)
        d.next = Callback();
    else
        d.current = nullptr;
    return true;
}

void FdWatcher::dispatch(Direction &d)
{
    if (!d.registered())
        return;
    if (d.dispatching) {
        // A nested Qt loop opened by the running callback (QDialog::exec()) reports the
        // descriptor again: it stays ready until that callback returns and consumes it, so
        // the level-triggered notifier would fire on every pass of the nested loop.
        d.notifier->setEnabled(false);
        d.mutedWhileDispatching = true;
        return;
    }
    d.dispatching = true;
    m_loop->runIoCallback(d.current);
    d.dispatching = false;
    if (d.next) {
        d.current = std::move(*d.next);
        d.next.reset();
    }
    if (d.mutedWhileDispatching) {
        d.mutedWhileDispatching = false;
        if (d.registered() && !d.notifier->isEnabled())
            d.notifier->setEnabled(true);
    }
    // A callback that removed the last registration could not drop this watcher while it
    // ran (removeWatcher() keeps a dispatching one); drop it now, or it would stay in the
    // loop's map for good. This deletes `this` and the notifier whose event() called us:
    // nothing touches either after the return, and Qt's dispatchers allow a notifier to be
    // unregistered while they deliver its activation.
    if (isIdle() && !isDispatching() && !m_loop->isClosed()) {
        const auto it = m_loop->m_fdWatchers.find(m_fd);
        if (it != m_loop->m_fdWatchers.end() && it->second.get() == this)
            m_loop->m_fdWatchers.erase(it);
    }
}

} // namespace qaio::detail
