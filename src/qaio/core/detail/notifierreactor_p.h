// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/detail/reactor_p.h>

namespace qaio::detail {

/*!
    The portable back-end (ReactorBackend::Qt): one QSocketNotifier per descriptor and
    direction, created on first use and then only enabled or disabled (re-creating a
    notifier costs a dispatcher registration each time). Activation calls the watcher
    directly: no signal emission, no hop through the ready queue. Qt's dispatchers scan
    every notifier on every wake-up, which is what the kernel-set back-end avoids; this one
    serves Windows, platforms without a kernel set, and the descriptors such a set refuses.
*/
class NotifierReactor final : public Reactor
{
public:
    explicit NotifierReactor(LoopCore *loop) : Reactor(loop) {}

    void watch(FdWatcher &watcher, unsigned interest, bool revalidate = false) override;
    void forget(FdWatcher &watcher) noexcept override;
    void shutDown() noexcept override;
    ReactorStats stats() const noexcept override;
    /*! One notifier's activation: one event, dispatched as a batch of the loop. */
    void dispatch(FdWatcher &watcher, unsigned ready) noexcept;

private:
    std::size_t m_watched = 0;
    std::uint64_t m_events = 0;
    std::uint64_t m_changes = 0;
    bool m_shutDown = false;
};

} // namespace qaio::detail
