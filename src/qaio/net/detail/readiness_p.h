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
class ReadinessAwaiter
{
public:
    enum class Direction { Read, Write };

    ReadinessAwaiter(LoopCore &loop, qintptr fd, Direction direction) : m_loop(loop), m_fd(fd), m_direction(direction) {}
    ReadinessAwaiter(const ReadinessAwaiter &) = delete;
    ~ReadinessAwaiter() { unregister(); }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h)
    {
        m_future = m_loop.createFuture<void>();
        m_future.state()->label = m_direction == Direction::Read ? "fd readable" : "fd writable";
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
