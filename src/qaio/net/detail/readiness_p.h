// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/loopcore.h>
#include <qaio/tasks/future.h>

#include <coroutine>

namespace qaio::detail {

/*!
    Suspends the current task until a descriptor is readable (or writable). The reader
    (writer) is registered only while suspended and removed when the task resumes or the
    awaiter is destroyed, so a cancelled sock* call leaves nothing registered on the fd.
*/
class ReadinessAwaiter final : public AwaitTarget
{
public:
    enum class Direction { Read, Write };

    ReadinessAwaiter(LoopCore &loop, qintptr fd, Direction direction) : m_loop(loop), m_fd(fd), m_direction(direction) {}
    ReadinessAwaiter(const ReadinessAwaiter &) = delete;
    /*! Only before it is awaited (Coro's await_transform passes temporaries on by value). */
    ReadinessAwaiter(ReadinessAwaiter &&other) noexcept
        : m_loop(other.m_loop), m_fd(other.m_fd), m_direction(other.m_direction), m_future(std::move(other.m_future)),
          m_registered(std::exchange(other.m_registered, false))
    {
    }
    ~ReadinessAwaiter()
    {
        if (m_future.isValid())
            m_future.state()->awaitTarget = nullptr;
        unregister();
    }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h)
    {
        m_future = m_loop.createFuture<void>();
        m_future.state()->tagAwait(AwaitEdge::Kind::Fd, m_direction == Direction::Read ? "fd readable" : "fd writable", this);
        auto ready = [future = m_future]() mutable {
            if (!future.done())
                future.setResult();
        };
        if (m_direction == Direction::Read)
            m_loop.addReader(m_fd, ready);
        else
            m_loop.addWriter(m_fd, ready);
        m_registered = true;
        suspendCurrentTaskOn(m_future.state(), h);
    }
    void await_resume()
    {
        unregister();
        throwIfCancelRequested();
        m_future.result();
    }

    void describeAwait(AwaitEdge &edge) const override
    {
        edge.fd = m_fd;
        edge.detail = QStringLiteral("fd %1 %2").arg(m_fd).arg(m_direction == Direction::Read ? QLatin1String("readable")
                                                                                              : QLatin1String("writable"));
    }

private:
    void unregister() noexcept
    {
        if (!m_registered)
            return;
        m_registered = false;
        if (m_loop.isClosed())
            return;
        if (m_direction == Direction::Read)
            m_loop.removeReader(m_fd);
        else
            m_loop.removeWriter(m_fd);
    }

    LoopCore &m_loop;
    qintptr m_fd;
    Direction m_direction;
    Future<void> m_future;
    bool m_registered = false;
};

} // namespace qaio::detail
