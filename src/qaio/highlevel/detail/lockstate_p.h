// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/highlevel/detail/primitivestate.h>
#include <qaio/tasks/coro.h>

#include <memory>

namespace qaio::detail {

/*! Lock's state; Condition shares it with the Lock it was given. */
struct LockState final : AcquirableState
{
    using AcquirableState::AcquirableState;

    void release() override;
    QString describe() const override;
    std::uint64_t holderTaskId() const noexcept override { return holder; }
    void wakeUpFirst();
    /*! Marks the lock taken by the running task (asyncio's locks have no owner: this is
        only what the inspector shows). */
    void take() noexcept;

    bool locked = false;
    std::uint64_t holder = 0; // the id of the task that took it; 0: outside any task
};

/*! Lock::acquire(). */
Coro<void> acquireLock(std::shared_ptr<LockState> s);

} // namespace qaio::detail
