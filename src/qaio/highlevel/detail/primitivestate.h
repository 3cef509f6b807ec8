// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/base/errors.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/future.h>

#include <QtCore/QString>


// What every synchronization primitive (Lock, Event, Semaphore, Condition, Barrier, the
// queues) shares: its loop binding, its lines of waiting tasks, how it describes itself.

namespace qaio::detail {

/*!
    asyncio's _LoopBoundMixin: a synchronization primitive belongs to the loop that first
    makes one of its callers wait, and refuses every other loop.
*/
class QAIO_EXPORT LoopBinding
{
public:
    /*! The running loop, bound on first use. Throws RuntimeError("no running event loop"),
        or RuntimeError("<describe()> is bound to a different event loop"). */
    template <class Describe>
    LoopCore &loop(Describe &&describe)
    {
        if (LoopCore *running = bindRunning())
            return *running;
        throw RuntimeError(describe() + QStringLiteral(" is bound to a different event loop"));
    }

private:
    /*! The running loop if this is (now) bound to it, else nullptr. */
    LoopCore *bindRunning();

    LoopCore *m_loop = nullptr;
};

class WaitingPlace;

/*!
    Tasks waiting on a primitive, in arrival order: an intrusive list of the WaitingPlace
    each waiting coroutine holds in its frame (no allocation per wait). A waiter is woken
    by completing its future; it leaves the line itself, whatever happened.
*/
class WaiterLine
{
public:
    WaiterLine() noexcept = default;
    WaiterLine(const WaiterLine &) = delete;
    WaiterLine &operator=(const WaiterLine &) = delete;

    class iterator
    {
    public:
        explicit iterator(WaitingPlace *at) noexcept : m_at(at) {}
        Future<void> &operator*() const noexcept;
        Future<void> *operator->() const noexcept { return &**this; }
        iterator &operator++() noexcept;
        friend bool operator==(const iterator &a, const iterator &b) noexcept { return a.m_at == b.m_at; }

    private:
        WaitingPlace *m_at;
    };

    iterator begin() const noexcept { return iterator(m_first); }
    iterator end() const noexcept { return iterator(nullptr); }
    bool empty() const noexcept { return m_first == nullptr; }
    qsizetype size() const noexcept { return m_size; }
    Future<void> &front() const noexcept { return *begin(); }

private:
    friend class WaitingPlace;
    WaitingPlace *m_first = nullptr;
    WaitingPlace *m_last = nullptr;
    qsizetype m_size = 0;
};

/*! Wakes the first waiter of \a line not woken or cancelled yet; false if there is none. */
QAIO_EXPORT bool wakeFirstPending(WaiterLine &line);
/*! Wakes up to \a n pending waiters in order (asyncio's Condition._notify). */
QAIO_EXPORT void wakePending(WaiterLine &line, qsizetype n);
/*! Whether some waiter of \a line is not cancelled. */
QAIO_EXPORT bool hasLiveWaiter(const WaiterLine &line);

/*!
    A task's place at the end of a WaiterLine, held across its co_await: joined when built
    (a new future of the bound loop, labelled for the inspector), left when destroyed, on
    every path. woken() tells, after the wait failed, whether a wake-up had been given to
    this waiter first: a primitive then passes it on, so a cancellation never loses one.
*/
class PrimitiveState;

class WaitingPlace final : public AwaitTarget
{
public:
    WaitingPlace(WaiterLine &line, PrimitiveState &owner, AwaitEdge::Kind kind, const char *label);
    ~WaitingPlace()
    {
        m_future.state()->awaitTarget = nullptr;
        (m_prev ? m_prev->m_next : m_line.m_first) = m_next;
        (m_next ? m_next->m_prev : m_line.m_last) = m_prev;
        --m_line.m_size;
    }
    WaitingPlace(const WaitingPlace &) = delete;
    WaitingPlace &operator=(const WaitingPlace &) = delete;

    /*! What the task awaits. */
    Future<void> &future() noexcept { return m_future; }

    /*! The awaiter of waitForTurn(). */
    class TurnAwaiter
    {
    public:
        explicit TurnAwaiter(FutureAwaiter<void> inner) noexcept : m_inner(std::move(inner)) {}
        bool await_ready() const noexcept { return m_inner.await_ready(); }
        void await_suspend(std::coroutine_handle<> h) { m_inner.await_suspend(h); }
        std::exception_ptr await_resume() noexcept
        {
            try {
                m_inner.await_resume();
            } catch (...) {
                return std::current_exception();
            }
            return nullptr;
        }

    private:
        FutureAwaiter<void> m_inner;
    };
    /*! Suspends the task until it is woken; gives the failure (its cancellation) instead
        of throwing it, so that the primitive can pass a wake-up on before rethrowing. */
    TurnAwaiter waitForTurn() { return TurnAwaiter(m_future.operator co_await()); }
    /*! Whether the waiter was woken (its future completed, not cancelled). */
    bool woken() const noexcept { return m_future.done() && !m_future.cancelled(); }

    /*! The inspector sees the primitive: its repr and creation site. */
    void describeAwait(AwaitEdge &edge) const override;

private:
    friend class WaiterLine;
    friend class WaiterLine::iterator;
    Future<void> m_future;
    WaiterLine &m_line;
    const PrimitiveState &m_owner;
    WaitingPlace *m_prev = nullptr;
    WaitingPlace *m_next = nullptr;
};

inline Future<void> &WaiterLine::iterator::operator*() const noexcept
{
    return m_at->m_future;
}

inline WaiterLine::iterator &WaiterLine::iterator::operator++() noexcept
{
    m_at = m_at->m_next;
    return *this;
}

/*! What every primitive's shared state holds: a name and creation site (for messages and
    the inspector), the loop binding and the line of waiting tasks. */
class QAIO_EXPORT PrimitiveState
{
public:
    PrimitiveState(QString name, SourceLocation where) : name(std::move(name)), where(where) {}
    virtual ~PrimitiveState();
    PrimitiveState(const PrimitiveState &) = delete;
    PrimitiveState &operator=(const PrimitiveState &) = delete;

    /*! asyncio's repr(). */
    virtual QString describe() const = 0;
    /*! Tasks waiting on the primitive (a queue has two lines). */
    virtual qsizetype waiterCount() const noexcept { return qsizetype(waiters.size()); }
    /*! The task that holds the primitive, for those one task holds (a Lock); 0 if none.
        The inspector follows it to find deadlocks through locks. */
    virtual std::uint64_t holderTaskId() const noexcept { return 0; }

    /*! Joins the line of waiters (see WaitingPlace); \a label names the wait for the
        inspector ("Lock.acquire"). */
    WaitingPlace joinLine(AwaitEdge::Kind kind, const char *label) { return joinLine(waiters, kind, label); }
    /*! Joins another line of this primitive (a queue's putters). */
    WaitingPlace joinLine(WaiterLine &line, AwaitEdge::Kind kind, const char *label)
    {
        return WaitingPlace(line, *this, kind, label);
    }

    QString name;
    SourceLocation where;
    LoopBinding binding;
    WaiterLine waiters;
};

/*!
    The state of a primitive that tasks acquire and release (Lock, Semaphore, Condition):
    what LockGuard holds, so a guard outlives the object that made it.
*/
class QAIO_EXPORT AcquirableState : public PrimitiveState
{
public:
    using PrimitiveState::PrimitiveState;
    ~AcquirableState() override;

    /*! Gives back what acquire() took; throws as the primitive's release() does. */
    virtual void release() = 0;
};

inline WaitingPlace::WaitingPlace(WaiterLine &line, PrimitiveState &owner, AwaitEdge::Kind kind, const char *label)
    : m_future(owner.binding.loop([&owner] { return owner.describe(); }).template createFuture<void>()),
      m_line(line), m_owner(owner)
{
    m_future.state()->tagAwait(kind, label, this);
    m_prev = line.m_last;
    (m_prev ? m_prev->m_next : line.m_first) = this;
    line.m_last = this;
    ++line.m_size;
}

inline void WaitingPlace::describeAwait(AwaitEdge &edge) const
{
    edge.detail = m_owner.describe();
    edge.futureCreatedAt = m_owner.where;
    edge.holderTaskId = m_owner.holderTaskId();
}

/*! asyncio's repr() of a primitive: "<Lock 'name' [locked, waiters:2] created at f.cpp:12>". */
QAIO_EXPORT QString describePrimitive(const char *kind, const QString &name, const QString &state, qsizetype waiters,
                                      const SourceLocation &where);

} // namespace qaio::detail
