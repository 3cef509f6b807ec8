// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file lockguard.h
    LockGuard: what `async with` does in asyncio, for Lock, Semaphore and Condition.

    scoped() of those primitives acquires, then returns a guard that releases when it goes
    out of scope (or at unlock()). The guard keeps the primitive's state alive, so it may
    outlive the primitive object. A release that fails in the destructor (someone else
    released a Lock the guard held, a BoundedSemaphore released too often) cannot throw:
    it is logged as a warning on the category "qaio".

    \code
    qaio::Semaphore downloads(4);

    qaio::Coro<QByteArray> fetch(QUrl url)
    {
        qaio::LockGuard slot = co_await downloads.scoped();   // released on every path
        co_return co_await get(url);
    }
    \endcode
*/

#include <qaio/base/qaioglobal.h>

#include <memory>

namespace qaio {

namespace detail {
class AcquirableState;
}

/*!
    \class qaio::LockGuard
    Holds a Lock, a Semaphore slot or a Condition's lock acquired with scoped() and
    releases it when destroyed (or at unlock()). Movable, not copyable.
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

    /*! Releases now (a no-op if this guard no longer holds anything). */
    void unlock() noexcept;
    /*! Whether this guard still holds what it acquired. */
    bool ownsLock() const noexcept { return m_state != nullptr; }

    /*! Adopts \a state, which the caller has just acquired (for the primitives' scoped()). */
    explicit LockGuard(std::shared_ptr<detail::AcquirableState> state) noexcept : m_state(std::move(state)) {}

private:
    std::shared_ptr<detail::AcquirableState> m_state;
};

} // namespace qaio
