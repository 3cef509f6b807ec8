// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QSocketNotifier>

#include <functional>
#include <memory>
#include <optional>

namespace qaio {
class LoopCore;
}

namespace qaio::detail {

/*!
    Readiness of one descriptor, for EventLoop::addReader()/addWriter() and the transports.
    One QSocketNotifier per direction, created on first use and then only enabled or
    disabled (re-creating notifiers per event costs a dispatcher registration each time).
    Activation calls the callback directly: no signal emission, no hop through the ready
    queue, so a transport reads the moment the descriptor is readable.

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
    void setReader(Callback callback) { set(m_read, QSocketNotifier::Read, std::move(callback)); }
    void setWriter(Callback callback) { set(m_write, QSocketNotifier::Write, std::move(callback)); }
    /*! Returns whether a reader was registered. */
    bool clearReader() { return clear(m_read); }
    bool clearWriter() { return clear(m_write); }
    bool hasReader() const noexcept { return m_read.registered(); }
    bool hasWriter() const noexcept { return m_write.registered(); }
    bool isIdle() const noexcept { return !hasReader() && !hasWriter(); }
    bool isDispatching() const noexcept { return m_read.dispatching || m_write.dispatching; }

private:
    class Notifier;
    struct Direction
    {
        Callback current;
        std::optional<Callback> next; // set while `current` runs
        std::unique_ptr<Notifier> notifier;
        bool dispatching = false;
        bool mutedWhileDispatching = false; // notifier disabled by a re-entrant activation
        bool registered() const noexcept { return next ? bool(*next) : bool(current); }
    };
    void set(Direction &d, QSocketNotifier::Type type, Callback callback);
    bool clear(Direction &d);
    void dispatch(Direction &d);

    LoopCore *m_loop;
    qintptr m_fd;
    Direction m_read;
    Direction m_write;
};

} // namespace qaio::detail
