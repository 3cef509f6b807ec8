// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file syncprimitive.h
    SyncPrimitive: what Lock, Event, Semaphore, Condition, Barrier and the queues share.

    Each has a name and a creation site, like a task, so messages, logs and the inspector
    can tell them apart; describe() is asyncio's repr(). A primitive belongs to the loop
    of the first task that had to wait on it (asyncio's _LoopBoundMixin) and may be
    created anywhere, before any loop runs; using it from another loop throws
    RuntimeError("<describe()> is bound to a different event loop"). Destroying one while
    tasks wait is safe: they keep waiting until cancelled, as in asyncio.

    \code
    qaio::Lock lock(QStringLiteral("settings"));
    qDebug() << lock.describe();   // "<Lock 'settings' [unlocked] created at main.cpp:12>"
    \endcode
*/

#include <qaio/base/qaioglobal.h>

#include <QtCore/QString>

namespace qaio {

namespace detail {
class PrimitiveState;
}

/*!
    \class qaio::SyncPrimitive
    The base of the synchronization primitives and queues; not used on its own.
*/
class QAIO_EXPORT SyncPrimitive
{
public:
    SyncPrimitive(const SyncPrimitive &) = delete;
    SyncPrimitive &operator=(const SyncPrimitive &) = delete;

    /*! The name given at construction (may be empty). */
    QString name() const;
    /*! Where the primitive was created. */
    SourceLocation where() const;
    /*! Tasks waiting now (cancelled ones that have not left yet included). */
    qsizetype waiterCount() const noexcept;
    /*! asyncio's repr(), e.g. "<Semaphore 'pool' [locked, value:0, waiters:2] created at f.cpp:12>". */
    QString describe() const;

protected:
    /*! \a state is owned by the derived class (its typed `d`), which outlives this base. */
    explicit SyncPrimitive(const detail::PrimitiveState *state) noexcept : m_state(state) {}
    ~SyncPrimitive();

private:
    const detail::PrimitiveState *m_state;
};

} // namespace qaio
