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
#include <qaio/tasks/coro.h>

#include <QtCore/QString>

#include <memory>

namespace qaio {

class Lock;

namespace detail {
struct LockState;
}

/*!
    \class qaio::LockGuard
    Holds a Lock acquired with Lock::scoped() and releases it when destroyed (or at
    unlock()). Movable, not copyable.
*/
class QAIO_EXPORT LockGuard
{
public:
    LockGuard() noexcept = default;
    LockGuard(LockGuard &&other) noexcept;
    LockGuard &operator=(LockGuard &&other) noexcept;
    LockGuard(const LockGuard &) = delete;
    LockGuard &operator=(const LockGuard &) = delete;
    ~LockGuard();

    /*! Releases the lock now (a no-op if this guard no longer holds it). */
    void unlock() noexcept;
    /*! Whether this guard still holds its lock. */
    bool ownsLock() const noexcept { return m_state != nullptr; }

private:
    friend class Lock;
    explicit LockGuard(std::shared_ptr<detail::LockState> state) noexcept : m_state(std::move(state)) {}
    std::shared_ptr<detail::LockState> m_state;
};

/*!
    \class qaio::Lock
    asyncio.Lock. See the file documentation above.
*/
class QAIO_EXPORT Lock
{
public:
    /*! A free lock; \a name and the creation site show up in messages and the inspector. */
    explicit Lock(QString name = {}, SourceLocation where = SourceLocation::current());
    ~Lock();
    Lock(const Lock &) = delete;
    Lock &operator=(const Lock &) = delete;

    /*! Takes the lock, waiting in line if it is held or others wait. */
    Coro<void> acquire();
    /*! acquire(), then a guard that releases the lock when it goes out of scope. */
    Coro<LockGuard> scoped();
    /*! Frees the lock and wakes the first waiter. Throws RuntimeError("Lock is not
        acquired.") if the lock is free. */
    void release();
    /*! Whether the lock is held. */
    bool locked() const noexcept;
    /*! Tasks waiting to acquire (cancelled ones that have not left yet included). */
    qsizetype waiterCount() const noexcept;

    QString name() const;
    SourceLocation where() const;
    /*! "<Lock 'name' [locked, waiters:2] created at file:line>", as asyncio's repr(). */
    QString describe() const;

private:
    std::shared_ptr<detail::LockState> d;
};

} // namespace qaio
