// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/detail/notifierreactor_p.h>
#include <qaio/core/detail/reactor_p.h>
#include <qaio/platform/readinesspoller_p.h>

#include <QtCore/QSocketNotifier>

#include <memory>
#include <vector>

namespace qaio::detail {

/*!
    The kernel-set back-end (ReactorBackend::Epoll, ReactorBackend::Kqueue): every watched
    descriptor sits in one level-triggered kernel set (sys::ReadinessPoller), and ONE
    QSocketNotifier watches the set's descriptor. On activation it takes the ready
    descriptors without blocking, a fixed-size batch at a time, and dispatches them; a full
    batch is followed by more for up to kDispatchTimeSlice, then Qt gets its turn (the set
    stays readable, so Qt activates it again).

    Each registration carries a token, a generation number above the descriptor number: an
    event of a batch whose watcher was removed, or replaced by a newer one on a reused
    descriptor number, earlier in the same batch no longer matches and is dropped.
    Descriptors the set refuses (EPERM: regular files) are watched by a NotifierReactor.

    epoll tracks open files, not descriptor numbers: a descriptor closed while watched
    stays in the set if a duplicate (another process's, after fork()) keeps its file open,
    and then can no longer be removed by number. Its token is remembered as an orphan when
    the removal fails; an orphan's event makes the reactor rebuild the set from its table,
    which ends what would otherwise be a busy loop on a level-triggered ready file.
*/
class PollerReactor final : public Reactor
{
public:
    PollerReactor(LoopCore *loop, ReactorBackend backend);
    ~PollerReactor() override;

    /*! Opens the kernel set and its notifier. Returns 0 or an errno value. */
    int open() noexcept;

    void watch(FdWatcher &watcher, unsigned interest, bool revalidate = false) override;
    void forget(FdWatcher &watcher) noexcept override;
    void shutDown() noexcept override;
    ReactorStats stats() const noexcept override;

private:
    class Activation;
    void dispatchReady() noexcept;
    void record(FdWatcher &watcher, unsigned interest, std::uint64_t token) noexcept;
    void warnClosedBehindBack(qintptr fd) const;
    /*! The kernel may still hold \a token's registration, which no longer has a number. */
    void rememberOrphan(std::uint64_t token);
    /*! A new set holding exactly the registrations of the table (see the class comment). */
    void rebuildSet() noexcept;

    ReactorBackend m_backend;
    sys::ReadinessPoller m_poller;
    std::unique_ptr<Activation> m_activation;
    std::unique_ptr<Activation> m_retiredActivation; // replaced while it was delivering
    std::vector<std::uint64_t> m_orphans;             // see rememberOrphan()
    NotifierReactor m_refused;        // descriptors the kernel set does not take
    std::vector<FdWatcher *> m_byFd;  // the watcher registered for each descriptor number
    std::uint32_t m_generation = 0;
    std::size_t m_watched = 0;
    std::uint64_t m_wakeups = 0;
    std::uint64_t m_events = 0;
    std::uint64_t m_changes = 0;
    bool m_shutDown = false;
};

} // namespace qaio::detail
