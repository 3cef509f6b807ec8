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
    void wakeUpFirst();

    bool locked = false;
};

/*! Lock::acquire(). */
Coro<void> acquireLock(std::shared_ptr<LockState> s);

} // namespace qaio::detail
