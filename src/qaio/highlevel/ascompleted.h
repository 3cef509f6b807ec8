// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file ascompleted.h
    asCompleted(): results in the order the operations finish (asyncio.as_completed(),
    Python 3.12 form).

    \c{qaio::asCompleted(futures, timeout)} returns an AsCompleted<T>. Each
    \c{co_await ac.next()} gives the result of the next future to finish (or throws its
    exception), size() times in all; asyncio's \c{for f in as_completed(fs): await f}
    becomes \c{while (ac.remaining()) use(co_await ac.next());}. Coroutines are wrapped in
    tasks first; a future listed twice counts once. When \a timeout passes, every next()
    still to come throws TimeoutError; the futures themselves are not cancelled.

    Several next() may be awaited at once (e.g. gathered): they are served in the order
    they started waiting, as asyncio's queue serves its getters.

    Destroying the AsCompleted object stops tracking the futures (they keep running).

    Errors: next() throws TimeoutError after the timeout, the future's exception or
    CancelledError, and InvalidStateError when called more than size() times. ValueError
    for an invalid future or one bound to another loop.

    \code
    auto ac = qaio::asCompleted(std::move(downloads), std::chrono::seconds(10));
    while (ac.remaining()) {
        QByteArray page = co_await ac.next();   // fastest first
        show(page);
    }
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/tasks/coro.h>
#include <qaio/highlevel/ensurefuture.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/future.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/tasks/task.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace qaio {

namespace detail {

/*! The type-erased queue of finished futures behind AsCompleted<T>. */
class QAIO_EXPORT AsCompletedCore : public std::enable_shared_from_this<AsCompletedCore>
{
public:
    explicit AsCompletedCore(LoopCore &loop) : m_loop(&loop) {}
    /*! Subscribes to \a futures (distinct, same loop) and arms the timeout. */
    void start(const std::vector<FutureBase> &futures, std::optional<Duration> timeout);
    /*! Stops tracking: removes the callbacks, cancels the timer. */
    void detach();
    /*! The next finished future, in completion order; an invalid one after the timeout. */
    static Coro<FutureBase> nextDone(std::shared_ptr<AsCompletedCore> self);

private:
    void onCompletion(FutureStateBase &f);
    void onTimeout();
    void put(FutureBase item);

    struct Entry
    {
        FutureBase future;
        DoneCallbackId callback;
    };
    LoopCore *m_loop;
    std::vector<Entry> m_todo;
    std::deque<FutureBase> m_done;
    std::deque<Future<void>> m_getters;
    TimerHandle m_timer;
};

template <class T>
QAIO_CORO_NO_SANITIZE_FUNCTION Coro<T> asCompletedNext(std::shared_ptr<AsCompletedCore> core)
{
    FutureBase f = co_await AsCompletedCore::nextDone(core);
    if (!f.isValid())
        throw TimeoutError();
    f.state()->ref();
    Future<T> typed(static_cast<FutureState<T> *>(f.state()));
    co_return co_await std::move(typed);
}

} // namespace detail

/*!
    \class qaio::AsCompleted
    What asCompleted() returns; see the file documentation.
*/
template <class T>
class AsCompleted
{
public:
    AsCompleted(std::shared_ptr<detail::AsCompletedCore> core, std::size_t count)
        : m_core(std::move(core)), m_size(count), m_remaining(count)
    {
    }
    AsCompleted(AsCompleted &&) noexcept = default;
    AsCompleted &operator=(AsCompleted &&) noexcept = default;
    AsCompleted(const AsCompleted &) = delete;
    AsCompleted &operator=(const AsCompleted &) = delete;
    ~AsCompleted()
    {
        if (m_core)
            m_core->detach();
    }

    /*! How many results next() yields in all (distinct futures). */
    std::size_t size() const noexcept { return m_size; }
    /*! How many next() calls are left. */
    std::size_t remaining() const noexcept { return m_remaining; }

    /*! Awaits the next future to finish and returns its result (or throws). */
    Coro<T> next()
    {
        if (m_remaining == 0)
            throw InvalidStateError("asCompleted: next() called more than size() times");
        --m_remaining;
        return detail::asCompletedNext<T>(m_core);
    }

private:
    std::shared_ptr<detail::AsCompletedCore> m_core;
    std::size_t m_size;
    std::size_t m_remaining;
};

namespace detail {
QAIO_EXPORT std::vector<FutureBase> distinctFutures(std::vector<FutureBase> futures);

template <class T>
AsCompleted<T> makeAsCompleted(LoopCore &loop, std::vector<FutureBase> futures, std::optional<Duration> timeout)
{
    futures = distinctFutures(std::move(futures));
    auto core = std::make_shared<AsCompletedCore>(loop);
    core->start(futures, timeout);
    return AsCompleted<T>(std::move(core), futures.size());
}
} // namespace detail

/*! Yields the results of \a futures (Future<T> or Task<T>) as they finish. */
template <TypedFuture F>
AsCompleted<typename F::value_type> asCompleted(const std::vector<F> &futures,
                                                std::optional<Delay> timeout = std::nullopt)
{
    const std::optional<Duration> checkedTimeout = detail::checkedDelay(timeout, "timeout");
    std::vector<FutureBase> erased;
    erased.reserve(futures.size());
    for (const F &f : futures) {
        if (!f.isValid())
            throw ValueError("asCompleted(): futures holds an invalid (default-constructed) future");
        erased.push_back(f);
    }
    LoopCore &loop = erased.empty() ? detail::defaultLoop() : detail::loopOf(erased.front());
    for (const FutureBase &f : erased) {
        if (&detail::loopOf(f) != &loop)
            throw ValueError("asCompleted(): a future belongs to a different loop than the others");
    }
    return detail::makeAsCompleted<typename F::value_type>(loop, std::move(erased), checkedTimeout);
}

/*! Wraps \a coros in tasks and yields their results as they finish. */
template <class T>
AsCompleted<T> asCompleted(std::vector<Coro<T>> coros, std::optional<Delay> timeout = std::nullopt,
                           SourceLocation where = SourceLocation::current())
{
    const std::optional<Duration> checkedTimeout = detail::checkedDelay(timeout, "timeout");
    LoopCore &loop = detail::defaultLoop();
    std::vector<FutureBase> erased;
    erased.reserve(coros.size());
    for (Coro<T> &c : coros) {
        if (!c.isValid())
            throw ValueError("asCompleted(): a coroutine in coros is empty (moved-from or default-constructed)");
        erased.push_back(loop.createTask(std::move(c), QString(), where));
    }
    return detail::makeAsCompleted<T>(loop, std::move(erased), checkedTimeout);
}

} // namespace qaio
