// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file lock.h
    Lock: mutual exclusion between tasks of one loop, as asyncio.Lock.

    acquire() takes the lock at once when it is free and nobody waits, else waits in line:
    waiters get the lock in the order they came (FIFO). A waiter cancelled while it waits
    leaves the line; one cancelled after release() woke it passes the lock on to the next
    (CPython's rules), so a cancellation never loses the lock. Waiting suspends the task,
    never the Qt thread. The lock is not reentrant and has no owner: any task may
    release() it.

    A Lock belongs to the loop of the first task that had to wait on it (asyncio's
    _LoopBoundMixin); it may be created anywhere, before any loop runs. Destroying it while
    tasks wait is safe: they keep waiting until cancelled, as in asyncio.

    Errors: release() throws RuntimeError("Lock is not acquired.") on a free lock;
    acquire() throws RuntimeError("... is bound to a different event loop") from another
    loop, and CancelledError when its task is cancelled while it waits.

    \code
    qaio::Lock lock(QStringLiteral("config file"));

    qaio::Coro<void> save(QByteArray data)
    {
        qaio::LockGuard guard = co_await lock.scoped();   // released when guard goes
        co_await writeFile(data);
    }
    \endcode
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/highlevel/syncprimitive.h>
#include <qaio/highlevel/lockguard.h>
#include <qaio/tasks/coro.h>

#include <QtCore/QString>

#include <memory>

namespace qaio {

class Condition;

namespace detail {
struct LockState;
}

/*!
    \class qaio::Lock
    asyncio.Lock. See the file documentation above.
*/
class QAIO_EXPORT Lock : public SyncPrimitive
{
public:
    /*! A free lock; \a name and the creation site show up in messages and the inspector. */
    explicit Lock(QString name = {}, SourceLocation where = SourceLocation::current());
    ~Lock();

    /*! Takes the lock, waiting in line if it is held or others wait. */
    Coro<void> acquire();
    /*! acquire(), then a guard that releases the lock when it goes out of scope. */
    Coro<LockGuard> scoped();
    /*! Frees the lock and wakes the first waiter. Throws RuntimeError("Lock is not
        acquired.") if the lock is free. */
    void release();
    /*! Whether the lock is held. */
    bool locked() const noexcept;

private:
    explicit Lock(std::shared_ptr<detail::LockState> state);
    friend class Condition;
    std::shared_ptr<detail::LockState> d;
};

} // namespace qaio
