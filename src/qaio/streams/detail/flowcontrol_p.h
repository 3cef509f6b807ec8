// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// FlowControl: asyncio's FlowControlMixin (streams.py), the write-side state a stream
// protocol shares with its StreamWriter: whether the transport paused writing, the
// drain() calls waiting for it to resume, whether the connection is lost, and the
// future that completes when it is (asyncio's _get_close_waiter()).
//
// It lives apart from the protocol because the writer may outlive it (the transport
// owns the protocol and can replace it), and a shared object keeps both sides simple.

#include <qaio/tasks/coro.h>
#include <qaio/tasks/future.h>

#include <exception>
#include <vector>

namespace qaio {
class EventLoop;
}

namespace qaio::detail {

class FlowControl
{
public:
    explicit FlowControl(EventLoop &loop);
    ~FlowControl();
    FlowControl(const FlowControl &) = delete;
    FlowControl &operator=(const FlowControl &) = delete;

    void pauseWriting();
    void resumeWriting();
    /*! The connection is lost: wakes drain() waiters (with \a error, if any) and
        completes the closed future. Idempotent. */
    void connectionLost(std::exception_ptr error);

    /*! asyncio's _drain_helper(): throws ConnectionResetError("Connection lost") once the
        connection is lost; waits while writing is paused. */
    Coro<void> drainHelper();

    EventLoop &loop() const noexcept { return m_loop; }
    bool paused() const noexcept { return m_paused; }
    bool isConnectionLost() const noexcept { return m_connectionLost; }
    /*! Done once the connection is lost: with its error, or a null result. */
    Future<void> closed() const { return m_closed; }

private:
    EventLoop &m_loop;
    bool m_paused = false;
    bool m_connectionLost = false;
    std::vector<Future<void>> m_drainWaiters;
    Future<void> m_closed;
};

} // namespace qaio::detail
