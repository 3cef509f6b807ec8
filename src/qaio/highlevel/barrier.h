// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file barrier.h
    Barrier: tasks wait until a number of them (the parties) have arrived, as
    asyncio.Barrier.

    wait() blocks until \c parties tasks are waiting, then releases them all; each gets
    its arrival index (0 .. parties - 1). Tasks that arrive while a released barrier is
    still draining wait for the next round. reset() sends the barrier back to its empty
    state: tasks waiting in it get BrokenBarrierError. abort() breaks it: waiting and
    future callers of wait() get BrokenBarrierError until reset(). A task cancelled
    while it waits simply leaves (n_waiting drops by one; the barrier is not broken),
    as in asyncio. Waiting suspends the task, never the Qt thread.

    Errors: the constructor throws ValueError("parties must be > 0"); wait() throws
    BrokenBarrierError("Barrier aborted") on a broken barrier, BrokenBarrierError("Abort
    or reset of barrier") when that happens while it waits, and CancelledError when its
    task is cancelled.

    \code
    qaio::Barrier loaded(3, QStringLiteral("assets"));

    qaio::Coro<void> loadPart(int part)
    {
        co_await load(part);
        qsizetype index = co_await loaded.wait();   // the three parts are in
        if (index == 0)
            announceReady();                        // one of them announces it
    }
    \endcode
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/highlevel/syncprimitive.h>
#include <qaio/tasks/coro.h>

#include <QtCore/QString>

#include <memory>

namespace qaio {

namespace detail {
struct BarrierState;
}

/*!
    \class qaio::Barrier
    asyncio.Barrier. See the file documentation above.
*/
class QAIO_EXPORT Barrier : public SyncPrimitive
{
public:
    /*! A barrier for \a parties tasks. Throws ValueError if \a parties < 1. */
    explicit Barrier(qsizetype parties, QString name = {}, SourceLocation where = SourceLocation::current());
    ~Barrier();

    /*! Waits until \a parties tasks wait; returns this task's arrival index. */
    Coro<qsizetype> wait();
    /*! Back to the empty state; tasks waiting now get BrokenBarrierError. */
    Coro<void> reset();
    /*! Breaks the barrier: waiting and later wait() calls get BrokenBarrierError. */
    Coro<void> abort();

    qsizetype parties() const noexcept;
    /*! Tasks waiting for the barrier to fill (0 while it drains, resets or is broken). */
    qsizetype nWaiting() const noexcept;
    bool broken() const noexcept;

private:
    explicit Barrier(std::shared_ptr<detail::BarrierState> state);
    std::shared_ptr<detail::BarrierState> d;
};

} // namespace qaio
