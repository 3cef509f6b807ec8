// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/detail/reactor_p.h>
#include <qaio/platform/readinesspoller_p.h>

#include <QtCore/QtGlobal>

#include <functional>
#include <optional>

namespace qaio {
class LoopCore;
}

namespace qaio::detail {

/*!
    The callbacks watching one descriptor, for EventLoop::addReader()/addWriter(), the
    sock*() waits and the transports. The loop's reactor (reactor_p.h) learns readiness
    and calls dispatch(); this class decides what the descriptor is watched for and tells
    the reactor only when that changes, so a transport that writes at once costs the
    kernel nothing.

    A callback may replace or remove itself (or the other direction) while it runs; the
    running callable is kept alive until it returns. A callback is never re-entered: if it
    opens a nested Qt loop, its direction is muted until it returns.
*/
class FdWatcher
{
public:
    using Callback = std::function<void()>;

    FdWatcher(LoopCore *loop, qintptr fd);
    ~FdWatcher();
    FdWatcher(const FdWatcher &) = delete;
    FdWatcher &operator=(const FdWatcher &) = delete;

    qintptr fd() const noexcept { return m_fd; }
    /*! Registers the reader (writer). Throws OSError, leaving the watcher as it was, if the
        descriptor cannot be watched. */
    void setReader(Callback callback) { set(m_read, std::move(callback)); }
    void setWriter(Callback callback) { set(m_write, std::move(callback)); }
    /*! Returns whether a reader was registered. */
    bool clearReader() { return clear(m_read); }
    bool clearWriter() { return clear(m_write); }
    bool hasReader() const noexcept { return m_read.registered(); }
    bool hasWriter() const noexcept { return m_write.registered(); }
    bool isIdle() const noexcept { return !hasReader() && !hasWriter(); }
    bool isDispatching() const noexcept { return m_read.dispatching || m_write.dispatching; }

    /*! Called by the reactor: runs the reader, then the writer, for the directions of
        \a ready (sys::ReadinessBits) that are registered. May delete this watcher (one
        left idle is dropped from the loop). */
    void dispatch(unsigned ready);

    ReactorSlot &reactorSlot() noexcept { return m_slot; }

private:
    struct Direction
    {
        explicit Direction(unsigned readinessBit) : bit(readinessBit) {}
        Callback current;
        std::optional<Callback> next; // set while `current` runs
        unsigned bit;
        bool dispatching = false;
        bool muted = false; // re-activated by a nested Qt loop while `current` runs
        bool registered() const noexcept { return next ? bool(*next) : bool(current); }
        bool wanted() const noexcept { return registered() && !muted; }
    };
    void set(Direction &d, Callback callback);
    bool clear(Direction &d);
    void run(Direction &d);
    unsigned interest() const noexcept
    {
        return (m_read.wanted() ? sys::Readable : 0u) | (m_write.wanted() ? sys::Writable : 0u);
    }
    /*! Tells the reactor, if what the descriptor is watched for changed. */
    void updateInterest(bool revalidate = false);
    /*! Drops this watcher from the loop if nothing is registered or running any more. */
    void dropIfIdle();

    LoopCore *m_loop;
    qintptr m_fd;
    Direction m_read{sys::Readable};
    Direction m_write{sys::Writable};
    ReactorSlot m_slot;
};

} // namespace qaio::detail
