// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file awaitedge.h
    AwaitEdge: one edge of the await graph, what a waiting task waits on. The inspector
    (inspect/inspector.h) builds these when it takes a snapshot; the layers that make
    futures (sleep, descriptors, Qt signals, streams, subprocesses, locks and queues) tag
    their futures with a kind and, where there is more to say, an AwaitTarget that
    describes the target on demand. Nothing is computed until a snapshot asks.

    \code
    for (const qaio::TaskSnapshot &task : inspector.snapshot().tasks)
        if (task.awaits && task.awaits->kind == qaio::AwaitEdge::Kind::Sleep)
            qDebug() << task.name << "sleeps until" << task.awaits->deadline.time_since_epoch().count();
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/base/qaioglobal.h>

#include <QtCore/QString>

#include <cstdint>

namespace qaio {

struct AwaitEdge
{
    /*! What kind of thing is awaited. Future is a plain future made by createFuture(). */
    enum class Kind : std::uint8_t {
        Future,
        Task,
        Sleep,
        Fd,
        Signal,
        QFuture,
        StreamRead,
        StreamDrain,
        Subprocess,
        Lock,
        Event,
        Condition,
        Semaphore,
        Barrier,
        Queue,
        Gather,
        Connection, // connecting, TLS handshake, connectionMade
        Server,
        Other,
    };

    Kind kind = Kind::Future;
    QString label;                      // the future's label: "sleep", "Lock.acquire", ...
    QString detail;                     // what the target says of itself: "fd 7 readable"
    std::uint64_t taskId = 0;           // Kind::Task: the awaited task
    SourceLocation futureCreatedAt;     // where the awaited future (or task) was made
    std::uint64_t futureCreatedByTask = 0; // the task that made it; 0: outside any task
    TimePoint deadline{};               // Kind::Sleep (and timeouts): when it ends
    qintptr fd = -1;                    // Kind::Fd
    qint64 pid = 0;                     // Kind::Subprocess
    std::uint64_t resourceId = 0;       // the transport or server involved, if any
    std::uint64_t holderTaskId = 0;     // Kind::Lock: the task holding the lock; 0: none or not a task

    static QString kindName(Kind kind);
};

namespace detail {
/*!
    Implemented by what owns a future's target (an awaiter in the coroutine frame, a
    signal's connection state): fills the details of an AwaitEdge when a snapshot is taken.
    The owner clears FutureStateBase::awaitTarget before it goes away.
*/
class AwaitTarget
{
public:
    virtual void describeAwait(AwaitEdge &edge) const = 0;

protected:
    ~AwaitTarget() = default;
};
} // namespace detail

} // namespace qaio
