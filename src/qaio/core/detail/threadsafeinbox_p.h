// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/handle.h>

#include <QtCore/QObject>

#include <atomic>
#include <mutex>
#include <vector>

namespace qaio::detail {

/*!
    Where other threads hand callbacks to a loop: callSoonThreadsafe() and executor
    results. Shared (std::shared_ptr) so that a worker finishing after the loop died
    finds a closed inbox instead of a dangling loop. One posted Qt event per batch of
    pushes: the wake is coalesced until the loop drains the inbox.
*/
class ThreadsafeInbox
{
public:
    ThreadsafeInbox(QObject *driver, int wakeEventType) : m_driver(driver), m_wakeEventType(wakeEventType) {}

    /*! Queues \a h (taking over one reference). False once closed. */
    bool push(HandleImpl *h);
    /*! Marks the parked handle \a h ready. False once closed. */
    bool release(HandleImpl *h);
    bool hasWork() const noexcept { return m_hasWork.load(std::memory_order_acquire); }
    /*! The flag behind hasWork(), for the loop's inline fast path. */
    const std::atomic<bool> *hasWorkFlag() const noexcept { return &m_hasWork; }
    /*! Moves everything queued into \a pushed and \a released (loop thread). */
    void drain(std::vector<HandleImpl *> &pushed, std::vector<HandleImpl *> &released);
    /*! Refuses further pushes; returns the handles still queued (loop thread). */
    std::vector<HandleImpl *> close();

private:
    void wakeLocked();

    std::mutex m_mutex;
    std::vector<HandleImpl *> m_pushed;
    std::vector<HandleImpl *> m_released;
    QObject *m_driver;
    int m_wakeEventType;
    std::atomic<bool> m_hasWork{false};
    bool m_closed = false;
    bool m_wakePosted = false;
};

} // namespace qaio::detail
