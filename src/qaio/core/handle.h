// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file handle.h
    Handle and TimerHandle: what EventLoop::callSoon(), callLater() and callAt() return.

    A handle refers to a scheduled callback. cancel() prevents it from running (a no-op
    once it ran). Handles are cheap to copy (reference counted) and may outlive the
    callback. Use them from the loop's thread.

    \code
    qaio::TimerHandle h = loop.callLater(std::chrono::seconds(5), [] { qDebug() << "late"; });
    h.cancel();                    // it will not run
    Q_ASSERT(h.cancelled());
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/base/detail/smallblocks.h>
#include <qaio/base/qaioglobal.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <utility>

namespace qaio {

class LoopCore;

namespace detail {

/*! The shared state of a scheduled callback. Owned by reference count: the loop's
    queues hold one reference while the callback is scheduled. */
class QAIO_EXPORT HandleImpl
{
public:
    QAIO_SMALL_BLOCK_ALLOCATED

    HandleImpl(LoopCore *loop, const SourceLocation &where) noexcept : loop(loop), where(where) {}
    HandleImpl(const HandleImpl &) = delete;
    HandleImpl &operator=(const HandleImpl &) = delete;
    virtual ~HandleImpl();

    virtual void invoke() = 0;
    /*! Drops the callable and what it captured (asyncio clears a cancelled handle's callback). */
    virtual void releaseCallback() noexcept = 0;

    void ref() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
    void deref() noexcept
    {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
            delete this;
    }

    LoopCore *loop;
    SourceLocation where;
    TimePoint when{};
    std::uint64_t sequence = 0; // ties between equal deadlines run in scheduling order
    std::atomic<std::uint32_t> refs{1};
    bool cancelled = false;
    bool running = false;
    bool isTimer = false;
    bool inTimerHeap = false;
    bool isTaskStep = false; // runs TaskStateBase::step() and nothing else (see LoopCore::takeStepStamp())
};

template <class F>
class CallbackHandle final : public HandleImpl
{
public:
    template <class G>
    CallbackHandle(LoopCore *loop, const SourceLocation &where, G &&fn)
        : HandleImpl(loop, where), m_fn(std::in_place, std::forward<G>(fn))
    {
    }
    void invoke() override
    {
        if (m_fn)
            (*m_fn)();
    }
    void releaseCallback() noexcept override
    {
        if (!running)
            m_fn.reset();
    }

private:
    std::optional<F> m_fn;
};

} // namespace detail

/*!
    \class qaio::Handle
    A callback scheduled by EventLoop::callSoon() or callSoonThreadsafe().
*/
class QAIO_EXPORT Handle
{
public:
    Handle() noexcept = default;
    explicit Handle(detail::HandleImpl *adopted) noexcept : d(adopted) {}
    Handle(const Handle &other) noexcept : d(other.d)
    {
        if (d)
            d->ref();
    }
    Handle(Handle &&other) noexcept : d(std::exchange(other.d, nullptr)) {}
    Handle &operator=(Handle other) noexcept
    {
        std::swap(d, other.d);
        return *this;
    }
    ~Handle()
    {
        if (d)
            d->deref();
    }

    /*! Prevents the callback from running; releases what it captured. No-op if it already ran. */
    void cancel();
    /*! True once cancel() was called. */
    bool cancelled() const noexcept { return d && d->cancelled; }
    /*! True for a handle returned by the loop (false for a default-constructed one). */
    bool isValid() const noexcept { return d != nullptr; }
    /*! Where the callback was scheduled (shown in debug-mode reports). */
    SourceLocation createdAt() const noexcept { return d ? d->where : SourceLocation(); }
    /*! "file:line (function)" of createdAt(). */
    QString describe() const;

    detail::HandleImpl *impl() const noexcept { return d; }

    /*! A handle equals only itself (and its copies), as in asyncio. */
    friend bool operator==(const Handle &a, const Handle &b) noexcept { return a.d == b.d; }

protected:
    detail::HandleImpl *d = nullptr;
};

/*!
    \class qaio::TimerHandle
    A callback scheduled by EventLoop::callLater() or callAt(). when() is the scheduled
    time; it never changes.
*/
class QAIO_EXPORT TimerHandle : public Handle
{
public:
    using Handle::Handle;
    TimePoint when() const noexcept { return d ? d->when : TimePoint{}; }

    // asyncio's TimerHandle ordering: by when(); <= and >= also hold for the same handle.
    friend bool operator<(const TimerHandle &a, const TimerHandle &b) noexcept { return a.when() < b.when(); }
    friend bool operator>(const TimerHandle &a, const TimerHandle &b) noexcept { return a.when() > b.when(); }
    friend bool operator<=(const TimerHandle &a, const TimerHandle &b) noexcept { return a < b || a == b; }
    friend bool operator>=(const TimerHandle &a, const TimerHandle &b) noexcept { return a > b || a == b; }
};

} // namespace qaio
