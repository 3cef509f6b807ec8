// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file semaphore.h
    Semaphore and BoundedSemaphore: a counter of available slots, as asyncio.Semaphore and
    asyncio.BoundedSemaphore.

    acquire() takes a slot at once when one is free and nobody waits, else waits in line
    (FIFO): a fast acquire() never overtakes earlier waiters. release() gives a slot back
    and wakes the first waiter. A waiter cancelled after release() woke it gives its slot
    back and wakes the next, so cancellations never lose slots (CPython's rules). Waiting
    suspends the task, never the Qt thread.

    A Semaphore belongs to the loop of the first task that had to wait on it (asyncio's
    _LoopBoundMixin); create it anywhere. Destroying it while tasks wait is safe: they keep
    waiting until cancelled.

    Errors: the constructor throws ValueError("Semaphore initial value must be >= 0");
    BoundedSemaphore::release() throws ValueError("BoundedSemaphore released too many
    times") when every slot is already free; acquire() throws RuntimeError("... is bound
    to a different event loop") from another loop, and CancelledError when its task is
    cancelled while it waits.

    \code
    qaio::Semaphore downloads(4, QStringLiteral("downloads"));   // at most 4 at a time

    qaio::Coro<QByteArray> fetch(QUrl url)
    {
        qaio::LockGuard slot = co_await downloads.scoped();   // given back on every path
        co_return co_await get(url);
    }
    \endcode
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/highlevel/lockguard.h>
#include <qaio/highlevel/syncprimitive.h>
#include <qaio/tasks/coro.h>

#include <QtCore/QString>

#include <memory>

namespace qaio {

namespace detail {
struct SemaphoreState;
}

/*!
    \class qaio::Semaphore
    asyncio.Semaphore. See the file documentation above.
*/
class QAIO_EXPORT Semaphore : public SyncPrimitive
{
public:
    /*! A semaphore with \a value free slots. Throws ValueError if \a value is negative. */
    explicit Semaphore(qsizetype value = 1, QString name = {}, SourceLocation where = SourceLocation::current());
    ~Semaphore();

    /*! Takes a slot, waiting in line if none is free or others wait. */
    Coro<void> acquire();
    /*! acquire(), then a guard that gives the slot back when it goes out of scope. */
    Coro<LockGuard> scoped();
    /*! Gives a slot back and wakes the first waiter. */
    void release();
    /*! Whether acquire() would wait now. */
    bool locked() const noexcept;
    /*! Free slots (asyncio's _value). */
    qsizetype value() const noexcept;

protected:
    explicit Semaphore(std::shared_ptr<detail::SemaphoreState> state);

private:
    std::shared_ptr<detail::SemaphoreState> d;
};

/*!
    \class qaio::BoundedSemaphore
    asyncio.BoundedSemaphore: a Semaphore whose release() refuses to free more slots than
    it started with.
*/
class QAIO_EXPORT BoundedSemaphore : public Semaphore
{
public:
    /*! Throws ValueError if \a value is negative. */
    explicit BoundedSemaphore(qsizetype value = 1, QString name = {},
                              SourceLocation where = SourceLocation::current());
};

} // namespace qaio
