// Copyright (c) qaio authors. Licensed under the MIT license.
// The loop's add_reader()/add_writer() family: one FdWatcher per descriptor.
#include <qaio/core/loopcore.h>

#include <qaio/base/errors.h>

#include <qaio/core/detail/fdwatcher_p.h>
#include <qaio/core/detail/reactor_p.h>
#include <qaio/core/transports.h>

namespace qaio {

detail::FdWatcher &LoopCore::watcherFor(qintptr fd, const char *operation)
{
    if (fd < 0)
        throw ValueError(QStringLiteral("%1(): fd: invalid file descriptor %2").arg(QLatin1String(operation)).arg(fd));
    requireOpen();
    requireOwnerThread();
    auto it = m_fdWatchers.find(fd);
    if (it == m_fdWatchers.end())
        it = m_fdWatchers.emplace(fd, std::make_unique<detail::FdWatcher>(this, fd)).first;
    return *it->second;
}

void LoopCore::requireNoTransport(qintptr fd, const char *operation) const
{
    const auto it = m_transportFds.find(fd);
    if (it != m_transportFds.end() && !it->second->isClosing())
        throw RuntimeError(QStringLiteral("%1(): file descriptor %2 is used by a transport; use the transport's "
                                          "pauseReading()/resumeReading() instead")
                               .arg(QLatin1String(operation))
                               .arg(fd));
}

void LoopCore::claimTransportFd(qintptr fd, const BaseTransport *transport)
{
    m_transportFds[fd] = transport;
}

void LoopCore::releaseTransportFd(qintptr fd, const BaseTransport *transport) noexcept
{
    // Only its own claim: the number may already belong to a newer transport.
    const auto it = m_transportFds.find(fd);
    if (it != m_transportFds.end() && it->second == transport)
        m_transportFds.erase(it);
}

void LoopCore::setWatcherCallback(qintptr fd, bool reader, std::function<void()> callback, const char *operation)
{
    if (!callback)
        throw ValueError(QStringLiteral("%1(): callback is empty").arg(QLatin1String(operation)));
    requireNoTransport(fd, operation);
    detail::FdWatcher &watcher = watcherFor(fd, operation);
    try {
        if (reader)
            watcher.setReader(std::move(callback));
        else
            watcher.setWriter(std::move(callback));
    } catch (...) {
        // The reactor refused the descriptor (closed: OSError): leave nothing behind.
        if (watcher.isIdle() && !watcher.isDispatching())
            m_fdWatchers.erase(fd);
        throw;
    }
}

void LoopCore::addReader(qintptr fd, std::function<void()> callback)
{
    setWatcherCallback(fd, true, std::move(callback), "addReader");
}

void LoopCore::addWriter(qintptr fd, std::function<void()> callback)
{
    setWatcherCallback(fd, false, std::move(callback), "addWriter");
}

ReactorStats LoopCore::reactorStats() const noexcept
{
    return m_reactor->stats();
}

bool LoopCore::removeReader(qintptr fd)
{
    requireNoTransport(fd, "removeReader");
    return removeWatcher(fd, true);
}

bool LoopCore::removeWriter(qintptr fd)
{
    requireNoTransport(fd, "removeWriter");
    return removeWatcher(fd, false);
}

bool LoopCore::removeWatcher(qintptr fd, bool reader)
{
    if (m_closed)
        return false;
    requireOwnerThread();
    const auto it = m_fdWatchers.find(fd);
    if (it == m_fdWatchers.end())
        return false;
    detail::FdWatcher &watcher = *it->second;
    const bool removed = reader ? watcher.clearReader() : watcher.clearWriter();
    // A watcher whose callback is running is kept; it is reused or dropped later.
    if (watcher.isIdle() && !watcher.isDispatching())
        m_fdWatchers.erase(it);
    return removed;
}

void LoopCore::runIoCallback(const std::function<void()> &callback) noexcept
{
    // The reactor dispatches inside a batch (Reactor::beginBatch()): the running loop is
    // set and the after-batch work is done once for all its events.
    try {
        callback();
    } catch (...) {
        detail::LoopError error;
        error.message = QStringLiteral("Exception in a file descriptor callback");
        error.exception = std::current_exception();
        reportLoopError(error);
    }
    forgetRecentTime();
}

} // namespace qaio
