// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/detail/fdwatcher_p.h>

#include <qaio/core/loopcore.h>

namespace qaio::detail {

FdWatcher::FdWatcher(LoopCore *loop, qintptr fd) : m_loop(loop), m_fd(fd) {}

FdWatcher::~FdWatcher()
{
    if (m_slot.watched || m_slot.notifiers)
        m_loop->m_reactor->forget(*this);
}

void FdWatcher::set(Direction &d, Callback callback)
{
    // Replacing a callback re-checks the registration with the kernel: the descriptor
    // number may belong to a new file since the first one was registered.
    const bool replacing = d.registered();
    if (d.dispatching) {
        std::optional<Callback> previous = std::move(d.next);
        d.next = std::move(callback);
        try {
            updateInterest(replacing);
        } catch (...) {
            d.next = std::move(previous);
            throw;
        }
    } else {
        Callback previous = std::move(d.current);
        d.current = std::move(callback);
        try {
            updateInterest(replacing);
        } catch (...) {
            d.current = std::move(previous);
            throw;
        }
    }
}

bool FdWatcher::clear(Direction &d)
{
    if (!d.registered())
        return false;
    if (d.dispatching)
        d.next = Callback();
    else
        d.current = nullptr;
    updateInterest();
    return true;
}

void FdWatcher::updateInterest(bool revalidate)
{
    const unsigned wanted = interest();
    if (wanted != m_slot.watched || (revalidate && wanted))
        m_loop->m_reactor->watch(*this, wanted, revalidate);
}

void FdWatcher::dispatch(unsigned ready)
{
    // asyncio's order (_process_events): the reader's callback before the writer's.
    if (ready & sys::Readable)
        run(m_read);
    if (ready & sys::Writable)
        run(m_write);
    if (isIdle())
        dropIfIdle();
}

void FdWatcher::run(Direction &d)
{
    if (!d.registered())
        return;
    if (d.dispatching) {
        // A nested Qt loop opened by the running callback (QDialog::exec()) reports the
        // descriptor again: it stays ready until that callback returns and consumes it, so
        // a level-triggered back-end would report it on every pass of the nested loop.
        if (!d.muted) {
            d.muted = true;
            updateInterest();
        }
        return;
    }
    d.dispatching = true;
    m_loop->runIoCallback(d.current);
    d.dispatching = false;
    if (d.next) {
        d.current = std::move(*d.next);
        d.next.reset();
    }
    if (d.muted) {
        d.muted = false;
        try {
            updateInterest();
        } catch (...) {
            // The callback closed the descriptor without removing itself.
            LoopError error;
            error.message = QStringLiteral("File descriptor %1 can no longer be watched").arg(m_fd);
            error.exception = std::current_exception();
            error.socket = m_fd;
            m_loop->reportLoopError(error);
        }
    }
}

void FdWatcher::dropIfIdle()
{
    // A callback that removed the last registration could not drop this watcher while it
    // ran (removeWatcher() keeps a dispatching one); drop it now, or it would stay in the
    // loop's map for good. This deletes `this` (and, with Qt's back-end, the notifier whose
    // event() called dispatch(): nothing touches either after the return, and Qt's
    // dispatchers allow a notifier to be unregistered while they deliver its activation).
    if (!isIdle() || isDispatching() || m_loop->isClosed())
        return;
    const auto it = m_loop->m_fdWatchers.find(m_fd);
    if (it != m_loop->m_fdWatchers.end() && it->second.get() == this)
        m_loop->m_fdWatchers.erase(it);
}

} // namespace qaio::detail
