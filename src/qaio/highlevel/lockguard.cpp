// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/highlevel/lockguard.h>

#include <qaio/highlevel/detail/primitivestate.h>

#include <exception>

namespace qaio {

LockGuard::LockGuard(LockGuard &&other) noexcept : m_state(std::move(other.m_state)) {}

LockGuard &LockGuard::operator=(LockGuard &&other) noexcept
{
    if (this != &other) {
        unlock();
        m_state = std::move(other.m_state);
    }
    return *this;
}

LockGuard::~LockGuard()
{
    unlock();
}

void LockGuard::unlock() noexcept
{
    std::shared_ptr<detail::AcquirableState> state = std::move(m_state);
    if (!state)
        return;
    try {
        state->release();
    } catch (...) {
        // asyncio's `async with` would raise from __aexit__; a destructor cannot.
        try {
            qCWarning(lcQaio).noquote() << QStringLiteral("LockGuard: releasing %1 failed: %2")
                                               .arg(state->describe(), describeException(std::current_exception()));
        } catch (...) {
            // Logging failed (out of memory): nothing else to do in a destructor.
        }
    }
}

} // namespace qaio
