// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file condition.h
    Condition: a condition variable for tasks, as asyncio.Condition.

    A Condition pairs a Lock (its own, or one given to the constructor and shared with
    it) with a line of waiting tasks. wait() must be called with the lock held: it
    releases the lock, waits until notify() or notifyAll() wakes it, and takes the lock
    again before returning, also when the wait is cancelled, so the caller always holds
    the lock afterwards (asyncio's rules; the lock is re-taken even if the task is
    cancelled again meanwhile). A woken waiter that fails to return normally wakes
    another one instead, so a notify() is never lost (Python 3.13). waitFor(predicate)
    loops on wait() until the predicate holds. Waiting suspends the task, never the Qt
    thread.

    Errors: wait() throws RuntimeError("cannot wait on un-acquired lock") and notify()
    RuntimeError("cannot notify on un-acquired lock") when the lock is not held;
    release() throws RuntimeError("Lock is not acquired.") on a free lock; wait() throws
    CancelledError when its task is cancelled (with the lock held again).

    \code
    qaio::Condition changed(QStringLiteral("inbox"));
    std::deque<Message> inbox;

    qaio::Coro<Message> next()
    {
        qaio::LockGuard held = co_await changed.scoped();
        auto notEmpty = [] { return !inbox.empty(); };   // named: see docs/toolchains.md
        co_await changed.waitFor(notEmpty);
        Message m = std::move(inbox.front());
        inbox.pop_front();
        co_return m;
    }

    qaio::Coro<void> deliver(Message m)
    {
        qaio::LockGuard held = co_await changed.scoped();
        inbox.push_back(std::move(m));
        changed.notify();
    }
    \endcode
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/highlevel/lockguard.h>
#include <qaio/highlevel/syncprimitive.h>
#include <qaio/tasks/coro.h>

#include <QtCore/QString>

#include <memory>
#include <type_traits>

namespace qaio {

class Lock;

namespace detail {
struct ConditionState;
}

/*!
    \class qaio::Condition
    asyncio.Condition. See the file documentation above.
*/
class QAIO_EXPORT Condition : public SyncPrimitive
{
public:
    /*! A condition over a lock of its own. */
    explicit Condition(QString name = {}, SourceLocation where = SourceLocation::current());
    /*! A condition over \a lock, shared with it (the condition keeps the lock's state
        alive, so \a lock may be destroyed first). */
    explicit Condition(Lock &lock, QString name = {}, SourceLocation where = SourceLocation::current());
    ~Condition();

    /*! Takes the underlying lock (Lock::acquire()). */
    Coro<void> acquire();
    /*! acquire(), then a guard that releases the lock when it goes out of scope. */
    Coro<LockGuard> scoped();
    /*! Releases the underlying lock. */
    void release();
    /*! Whether the underlying lock is held. */
    bool locked() const noexcept;

    /*! Releases the lock, waits to be notified, takes the lock again. */
    Coro<void> wait();
    /*! Waits until \a predicate() is true (checked first, then after each wake-up, with
        the lock held) and returns its last value. */
    template <class Predicate>
    Coro<std::decay_t<std::invoke_result_t<Predicate &>>> waitFor(Predicate predicate);
    /*! Wakes up to \a n waiting tasks (in the order they came). The lock must be held. */
    void notify(qsizetype n = 1);
    /*! Wakes every waiting task. The lock must be held. */
    void notifyAll();

private:
    explicit Condition(std::shared_ptr<detail::ConditionState> state);
    std::shared_ptr<detail::ConditionState> d;
};

template <class Predicate>
Coro<std::decay_t<std::invoke_result_t<Predicate &>>> Condition::waitFor(Predicate predicate)
{
    auto result = predicate();
    while (!result) {
        co_await wait();
        result = predicate();
    }
    co_return result;
}

} // namespace qaio
