// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/streams/detail/flowcontrol_p.h>

#include <qaio/loop/eventloop.h>
#include <qaio/platform/oserror.h>

#include <algorithm>

namespace qaio::detail {

FlowControl::FlowControl(EventLoop &loop) : m_loop(loop), m_closed(loop.createFuture<void>()) {}

FlowControl::~FlowControl()
{
    // Nobody may ever wait for the close: the error was delivered to the reader already.
    if (m_closed.done() && !m_closed.cancelled())
        (void)m_closed.exception();
}

void FlowControl::pauseWriting()
{
    m_paused = true;
}

void FlowControl::resumeWriting()
{
    m_paused = false;
    // A copy: a woken drain() may not run before this returns, but stay safe anyway.
    const std::vector<Future<void>> waiters = m_drainWaiters;
    for (Future<void> waiter : waiters) {
        if (!waiter.done())
            waiter.setResult();
    }
}

void FlowControl::connectionLost(std::exception_ptr error)
{
    if (m_connectionLost)
        return;
    m_connectionLost = true;
    if (!m_closed.done()) {
        if (error) {
            m_closed.setException(error);
            // The same error reaches the reader; waitClosed() still throws it, but an
            // unawaited close must not be reported as an unretrieved exception.
            (void)m_closed.exception();
        } else {
            m_closed.setResult();
        }
    }
    if (!m_paused)
        return;
    const std::vector<Future<void>> waiters = m_drainWaiters;
    for (Future<void> waiter : waiters) {
        if (waiter.done())
            continue;
        if (error)
            waiter.setException(error);
        else
            waiter.setResult();
    }
}

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<void> FlowControl::drainHelper()
{
    if (m_connectionLost)
        throw ConnectionResetError(QStringLiteral("Connection lost"));
    if (!m_paused)
        co_return;
    Future<void> waiter = m_loop.createFuture<void>();
    waiter.state()->tagAwait(AwaitEdge::Kind::StreamDrain, "drain");
    m_drainWaiters.push_back(waiter);
    try {
        co_await waiter;
    } catch (...) {
        std::erase(m_drainWaiters, waiter);
        throw;
    }
    std::erase(m_drainWaiters, waiter);
}

} // namespace qaio::detail
