// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/detail/pollerreactor_p.h>

#include <qaio/base/errors.h>
#include <qaio/core/detail/fdwatcher_p.h>
#include <qaio/platform/oserror.h>

#include <QtCore/QEvent>
#include <QtCore/QLoggingCategory>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace qaio::detail {

namespace {
constexpr int kBatchSize = 256;
constexpr std::uint64_t kFdMask = 0xffffffffu;
} // namespace

class PollerReactor::Activation final : public QSocketNotifier
{
public:
    Activation(PollerReactor *reactor, qintptr handle) : QSocketNotifier(handle, Read), m_reactor(reactor) {}

protected:
    bool event(QEvent *e) override
    {
        if (e->type() == QEvent::SockAct) {
            m_reactor->dispatchReady();
            return true;
        }
        return QSocketNotifier::event(e);
    }

private:
    PollerReactor *m_reactor;
};

PollerReactor::PollerReactor(LoopCore *loop, ReactorBackend backend)
    : Reactor(loop), m_backend(backend), m_refused(loop)
{
}

PollerReactor::~PollerReactor() = default;

int PollerReactor::open() noexcept
{
    if (const int error = m_poller.open())
        return error;
    m_activation = std::make_unique<Activation>(this, m_poller.handle());
    return 0;
}

void PollerReactor::watch(FdWatcher &watcher, unsigned interest, bool revalidate)
{
    if (m_shutDown)
        return;
    ReactorSlot &slot = watcher.reactorSlot();
    if (slot.viaNotifiers) {
        m_refused.watch(watcher, interest, revalidate);
        return;
    }
    const qintptr fd = watcher.fd();
    const unsigned before = slot.watched;
    const bool growing = (interest & ~before) != 0;
    std::uint64_t token = slot.token;
    if (!before)
        token = (std::uint64_t(++m_generation) << 32) | (std::uint64_t(fd) & kFdMask);
    ++m_changes;
    const int error = before == interest ? m_poller.confirm(fd, interest, token) : m_poller.change(fd, before, interest, token);
    if (error == 0) {
        record(watcher, interest, token);
        return;
    }
    if (error == ECHILD) {
        record(watcher, 0, 0);
        if (interest)
            throw RuntimeError(QStringLiteral("cannot watch file descriptor %1: this event loop was created before "
                                              "fork(); create a new loop in the child process")
                                   .arg(fd));
        return;
    }
    if (error == EPERM && !before) {
        // A regular file (or another descriptor epoll cannot poll): Qt's notifier reports
        // it always ready, as asyncio's selectors do.
        slot.viaNotifiers = true;
        try {
            m_refused.watch(watcher, interest, revalidate);
        } catch (...) {
            slot.viaNotifiers = false;
            throw;
        }
        return;
    }
    if (before && (error == ENOENT || error == EBADF)) {
        // Closed while watched (the set dropped it), its number maybe reused since.
        warnClosedBehindBack(fd);
        rememberOrphan(token);
        record(watcher, 0, 0);
        if (interest)
            watch(watcher, interest); // registers whatever the number is now, or throws
        return;
    }
    if (!before && error == EEXIST) {
        // The set still holds this file under a registration we forgot: take it over.
        if (const int again = m_poller.confirm(fd, interest, token); again == 0) {
            record(watcher, interest, token);
            return;
        }
    }
    if (growing || revalidate)
        throwOSError(error, QStringLiteral("cannot watch file descriptor %1").arg(fd));
    qCWarning(lcQaio, "could not stop watching file descriptor %lld: %s", qlonglong(fd), strerror(error));
    rememberOrphan(token);
    record(watcher, 0, 0);
}

void PollerReactor::rememberOrphan(std::uint64_t token)
{
    // Bounded: a program that keeps closing watched descriptors is warned each time; the
    // oldest orphans are the likeliest to be gone with their files.
    constexpr std::size_t kMaxOrphans = 64;
    if (m_orphans.size() == kMaxOrphans)
        m_orphans.erase(m_orphans.begin());
    m_orphans.push_back(token);
}

void PollerReactor::rebuildSet() noexcept
{
    sys::ReadinessPoller fresh;
    if (fresh.open() != 0)
        return;
    qCWarning(lcQaio, "%s kept reporting a descriptor closed while watched (its file is still open elsewhere); "
              "rebuilt the set of %zu descriptors",
              sys::ReadinessPoller::mechanism(), m_watched);
    for (std::size_t fd = 0; fd < m_byFd.size(); ++fd) {
        FdWatcher *watcher = m_byFd[fd];
        if (!watcher)
            continue;
        ReactorSlot &slot = watcher->reactorSlot();
        const std::uint64_t token = (std::uint64_t(++m_generation) << 32) | (std::uint64_t(fd) & kFdMask);
        ++m_changes;
        if (fresh.change(qintptr(fd), sys::NotWatched, slot.watched, token) == 0) {
            slot.token = token;
        } else {
            warnClosedBehindBack(qintptr(fd));
            record(*watcher, 0, 0);
        }
    }
    m_orphans.clear();
    m_poller.swap(fresh); // `fresh` closes the old set
    // This may run inside the old notifier's event(): retire it, delete it later.
    m_activation->setEnabled(false);
    m_retiredActivation = std::move(m_activation);
    m_activation = std::make_unique<Activation>(this, m_poller.handle());
}

void PollerReactor::record(FdWatcher &watcher, unsigned interest, std::uint64_t token) noexcept
{
    ReactorSlot &slot = watcher.reactorSlot();
    const std::size_t fd = std::size_t(watcher.fd());
    if (!slot.watched && interest) {
        if (fd >= m_byFd.size())
            m_byFd.resize(std::max(fd + 1, m_byFd.size() * 2), nullptr);
        m_byFd[fd] = &watcher;
        ++m_watched;
    } else if (slot.watched && !interest) {
        if (fd < m_byFd.size() && m_byFd[fd] == &watcher)
            m_byFd[fd] = nullptr;
        --m_watched;
    }
    slot.watched = interest;
    slot.token = token;
}

void PollerReactor::warnClosedBehindBack(qintptr fd) const
{
    qCWarning(lcQaio,
              "file descriptor %lld was closed while the event loop watched it; call removeReader() and "
              "removeWriter() before closing it",
              qlonglong(fd));
}

void PollerReactor::forget(FdWatcher &watcher) noexcept
{
    ReactorSlot &slot = watcher.reactorSlot();
    if (slot.viaNotifiers) {
        m_refused.forget(watcher);
        slot.viaNotifiers = false;
        return;
    }
    if (!slot.watched)
        return;
    if (!m_shutDown) {
        ++m_changes;
        const int error = m_poller.change(watcher.fd(), slot.watched, 0, slot.token);
        if (error == EBADF || error == ENOENT) {
            warnClosedBehindBack(watcher.fd());
            rememberOrphan(slot.token);
        }
    }
    record(watcher, 0, 0);
}

void PollerReactor::shutDown() noexcept
{
    // Closing the set drops every registration at once; the watchers forget theirs after.
    m_shutDown = true;
    m_refused.shutDown();
    m_activation.reset();
    m_retiredActivation.reset();
    m_poller.close();
    m_byFd.clear();
    m_watched = 0;
}

ReactorStats PollerReactor::stats() const noexcept
{
    const ReactorStats refused = m_refused.stats();
    ReactorStats s;
    s.backend = m_backend;
    s.watchedDescriptors = m_watched + refused.watchedDescriptors;
    s.fallbackDescriptors = refused.watchedDescriptors;
    s.wakeups = m_wakeups + refused.wakeups;
    s.eventsDispatched = m_events + refused.eventsDispatched;
    s.interestChanges = m_changes + refused.interestChanges;
    return s;
}

void PollerReactor::dispatchReady() noexcept
{
    if (m_poller.inheritedByFork()) {
        // A forked child running the parent's loop: the set is the parent's.
        m_activation->setEnabled(false);
        return;
    }
    ++m_wakeups;
    m_retiredActivation.reset(); // not the notifier delivering now: that is m_activation
    bool orphanReported = false;
    LoopCore *const previous = beginBatch();
    TimePoint firstFullBatchDone{}; // the clock is read only when a batch comes back full
    sys::ReadyDescriptor ready[kBatchSize];
    for (;;) {
        const int n = m_poller.poll(ready, kBatchSize);
        if (n < 0) {
            qCWarning(lcQaio, "%s: %s", sys::ReadinessPoller::mechanism(), strerror(-n));
            break;
        }
        for (int i = 0; i < n && !m_shutDown; ++i) {
            const std::size_t fd = std::size_t(ready[i].token & kFdMask);
            FdWatcher *watcher = fd < m_byFd.size() ? m_byFd[fd] : nullptr;
            // Removed, or replaced on a reused number, by a callback earlier in this batch.
            if (!watcher || watcher->reactorSlot().token != ready[i].token) {
                if (!m_orphans.empty()
                    && std::find(m_orphans.begin(), m_orphans.end(), ready[i].token) != m_orphans.end())
                    orphanReported = true;
                continue;
            }
            ++m_events;
            watcher->dispatch(ready[i].ready);
        }
        if (n < kBatchSize || m_shutDown)
            break;
        const TimePoint now = steadyNow();
        if (firstFullBatchDone == TimePoint{})
            firstFullBatchDone = now;
        else if (now - firstFullBatchDone > kDispatchTimeSlice)
            break;
    }
    if (orphanReported && !m_shutDown)
        rebuildSet();
    endBatch(previous);
}

} // namespace qaio::detail
