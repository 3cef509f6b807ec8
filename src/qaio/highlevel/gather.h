// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file gather.h
    gather(): run awaitables concurrently and collect their results (asyncio.gather()).

    Two shapes:
    \list
    \li \c{gather(a, b, c)} over any mix of Future<T>, Task<T> and Coro<T> returns a
        Future<std::tuple<A, B, C>>; a void result becomes std::monostate.
    \li \c{gather(std::vector<Task<T>>)} (or a vector of Future<T>, or of Coro<T> passed by
        value) returns a Future<std::vector<T>>, or Future<void> when T is void.
    \endlist
    Coroutines are wrapped in tasks (ensureFuture()) on the loop of the first future
    argument, else the running loop. The results keep the argument order.

    Rules, as asyncio's:
    \list
    \li The first child that fails makes the gather future fail with that exception at
        once; the other children are \e not cancelled and keep running. Their later
        exceptions are marked retrieved (never reported as "never retrieved").
    \li A child that is cancelled makes the gather future end with CancelledError.
    \li Cancelling the gather future (or the task awaiting it) cancels every child that is
        still pending; the gather future then ends cancelled once they are done, even with
        returnExceptions.
    \li If every child is already done, the gather future is done when gather() returns.
    \li \c{gather()} with no awaitables returns a future that is already done.
    \endlist

    returnExceptions: pass qaio::returnExceptions first and every child's result comes back
    as an Outcome<T> (value or exception, see outcome.h); no child's failure or
    cancellation fails the gather future.

    One documented difference from asyncio: where asyncio sets a CancelledError \e exception
    on the gathering future, qaio marks it \e cancelled (cancelled() is true). Awaiting it
    throws CancelledError either way; a cancelled future is never reported as an
    unretrieved exception.

    Cost: one future and one bookkeeping block per gather, plus one done callback per child
    that stays inside std::function's small buffer (no allocation per child).

    Errors: ValueError if a future is invalid or bound to a different loop than the first
    one; RuntimeError from task creation (closed loop, wrong thread). A result type that is
    move-only is moved out of the child futures.

    \code
    auto [user, prefs] = co_await qaio::gather(fetchUser(id), fetchPrefs(id));

    std::vector<qaio::Task<int>> jobs = ...;
    std::vector<int> values = co_await qaio::gather(jobs);

    std::vector<qaio::Outcome<int>> outcomes = co_await qaio::gather(qaio::returnExceptions, jobs);
    \endcode
*/

#include <qaio/tasks/coro.h>
#include <qaio/highlevel/ensurefuture.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/future.h>
#include <qaio/highlevel/outcome.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/tasks/task.h>

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace qaio {

/*! The type of qaio::returnExceptions. */
struct ReturnExceptionsTag
{
    explicit ReturnExceptionsTag() = default;
};
/*! Passed first to gather(): collect every child's Outcome instead of failing. */
inline constexpr ReturnExceptionsTag returnExceptions{};

namespace detail {

/*! The result-type independent half of a gathering future: children, counting, the
    asyncio rules. The typed half (GatherState below) stores the results. */
class QAIO_EXPORT GatherCore
{
public:
    GatherCore(FutureStateBase *outer, bool returnExceptions) noexcept
        : m_outer(outer), m_returnExceptions(returnExceptions)
    {
    }
    GatherCore(const GatherCore &) = delete;
    GatherCore &operator=(const GatherCore &) = delete;
    virtual ~GatherCore();

    void reserve(std::size_t n) { m_children.reserve(n); }
    /*! Appends \a child (room must have been reserved) and takes a reference to it. */
    void addChild(FutureStateBase *child) noexcept
    {
        child->ref();
        m_children.push_back(child);
    }
    /*! Subscribes to the pending children and accounts for the finished ones. */
    void start();
    /*! The gathering future's cancel(): cancels the children (asyncio's _GatheringFuture). */
    bool cancelChildren(const QString &message);
    /*! One child is done. */
    void childDone(FutureStateBase &child);

protected:
    /*! Fills the outer future's value slot from the children, all finished. */
    virtual void storeResults() = 0;
    FutureStateBase *child(std::size_t i) const noexcept { return m_children[i]; }
    std::size_t childCount() const noexcept { return m_children.size(); }

private:
    void process(FutureStateBase &child);

    FutureStateBase *m_outer;
    std::vector<FutureStateBase *> m_children; // each holds a reference
    std::size_t m_finished = 0;
    std::size_t m_callbacksPending = 0;
    bool m_returnExceptions;
    bool m_cancelRequested = false;
};

template <class T>
using GatherSlot = typename StoredValue<T>::type;

/*! The value of a finished child: moved out when nobody else can see it, else copied. */
template <class T>
GatherSlot<T> takeChildValue(FutureStateBase *s)
{
    auto *typed = static_cast<FutureState<T> *>(s);
    if constexpr (std::is_copy_constructible_v<GatherSlot<T>>) {
        if (!s->soleOwner())
            return *typed->value;
    }
    return std::move(*typed->value);
}

/*! A finished child as an Outcome; marks its exception retrieved. */
template <class T>
Outcome<T> takeChildOutcome(FutureStateBase *s)
{
    if (s->status == FutureStatus::Cancelled)
        return Outcome<T>::fromError(std::make_exception_ptr(CancelledError(s->cancelMessage)));
    if (s->exception) {
        s->logTraceback = false;
        return Outcome<T>::fromError(s->exception);
    }
    if constexpr (std::is_void_v<T>)
        return Outcome<T>::fromValue();
    else
        return Outcome<T>::fromValue(takeChildValue<T>(s));
}

template <bool ReturnExceptions, class T>
using GatherItem = std::conditional_t<ReturnExceptions, Outcome<T>, GatherSlot<T>>;

template <bool ReturnExceptions, class T>
GatherItem<ReturnExceptions, T> takeChildItem(FutureStateBase *s)
{
    if constexpr (ReturnExceptions)
        return takeChildOutcome<T>(s);
    else
        return takeChildValue<T>(s);
}

template <bool ReturnExceptions, class... T>
class TupleGatherState final : public FutureState<std::tuple<GatherItem<ReturnExceptions, T>...>>, public GatherCore
{
public:
    using Result = std::tuple<GatherItem<ReturnExceptions, T>...>;
    TupleGatherState(LoopCore *loop, const SourceLocation &where)
        : FutureState<Result>(loop, where), GatherCore(this, ReturnExceptions)
    {
        this->label = "gather";
    }
    bool cancel(const QString &message) override { return cancelChildren(message); }

protected:
    void storeResults() override { store(std::index_sequence_for<T...>()); }

private:
    template <std::size_t... I>
    void store(std::index_sequence<I...>)
    {
        this->value.emplace(takeChildItem<ReturnExceptions, T>(child(I))...);
    }
};

template <bool ReturnExceptions, class T>
using GatherVectorResult =
    std::conditional_t<ReturnExceptions, std::vector<Outcome<T>>,
                       std::conditional_t<std::is_void_v<T>, void, std::vector<GatherSlot<T>>>>;

template <bool ReturnExceptions, class T>
class VectorGatherState final : public FutureState<GatherVectorResult<ReturnExceptions, T>>, public GatherCore
{
public:
    using Result = GatherVectorResult<ReturnExceptions, T>;
    VectorGatherState(LoopCore *loop, const SourceLocation &where)
        : FutureState<Result>(loop, where), GatherCore(this, ReturnExceptions)
    {
        this->label = "gather";
    }
    bool cancel(const QString &message) override { return cancelChildren(message); }

protected:
    void storeResults() override
    {
        if constexpr (std::is_void_v<Result>) {
            this->value.emplace();
        } else {
            Result results;
            results.reserve(childCount());
            for (std::size_t i = 0; i < childCount(); ++i)
                results.push_back(takeChildItem<ReturnExceptions, T>(child(i)));
            this->value.emplace(std::move(results));
        }
    }
};

/*! Creates a gathering state on \a loop, registered like any future of the loop. */
template <class State>
State *newGatherState(LoopCore &loop, const SourceLocation &where)
{
    requireUsableLoop(loop);
    auto *state = new State(&loop, where);
    registerFuture(&loop, state);
    return state;
}

/*! The loop of the first future among \a args, or nullptr. */
template <class... A>
LoopCore *firstFutureLoop(const A &...args)
{
    LoopCore *loop = nullptr;
    [[maybe_unused]] auto visit = [&loop](const auto &arg) {
        if constexpr (TypedFuture<decltype(arg)>) {
            if (!loop) {
                if (!arg.isValid())
                    throw ValueError("gather(): a future argument is invalid (default-constructed)");
                loop = &detail::loopOf(arg);
            }
        }
    };
    (visit(args), ...);
    return loop;
}

/*! Adds \a arg as the next child of \a core: a future as is, a coroutine as a new task. */
template <class A>
void addGatherChild(GatherCore &core, LoopCore &loop, A &&arg)
{
    if constexpr (TypedFuture<A>) {
        if (!arg.isValid())
            throw ValueError("gather(): a future argument is invalid (default-constructed)");
        if (&detail::loopOf(arg) != &loop)
            throw ValueError("gather(): a future belongs to a different loop than the other awaitables");
        core.addChild(arg.state());
    } else {
        static_assert(!std::is_lvalue_reference_v<A>, "pass coroutines to gather() as rvalues (std::move)");
        if (!arg.isValid())
            throw ValueError("gather(): a coroutine argument is empty (moved-from or default-constructed)");
        Task<AwaitResult<A>> task = loop.createTask(std::move(arg));
        core.addChild(task.state());
    }
}

template <bool ReturnExceptions, class... A>
Future<std::tuple<GatherItem<ReturnExceptions, AwaitResult<A>>...>> gatherTuple(A &&...args)
{
    using State = TupleGatherState<ReturnExceptions, AwaitResult<A>...>;
    LoopCore *first = firstFutureLoop(args...);
    LoopCore &loop = first ? *first : defaultLoop();
    State *state = newGatherState<State>(loop, SourceLocation::current());
    Future<typename State::Result> outer(state);
    state->reserve(sizeof...(A));
    (addGatherChild(*state, loop, std::forward<A>(args)), ...);
    state->start();
    return outer;
}

template <bool ReturnExceptions, TypedFuture F>
Future<GatherVectorResult<ReturnExceptions, typename F::value_type>> gatherFutures(const std::vector<F> &futures,
                                                                                  const SourceLocation &where)
{
    using State = VectorGatherState<ReturnExceptions, typename F::value_type>;
    if (!futures.empty() && !futures.front().isValid())
        throw ValueError("gather(): a future in futures is invalid (default-constructed)");
    LoopCore &loop = futures.empty() ? defaultLoop() : detail::loopOf(futures.front());
    State *state = newGatherState<State>(loop, where);
    Future<typename State::Result> outer(state);
    state->reserve(futures.size());
    for (const F &f : futures)
        addGatherChild(*state, loop, f);
    state->start();
    return outer;
}

template <bool ReturnExceptions, class T>
Future<GatherVectorResult<ReturnExceptions, T>> gatherCoros(std::vector<Coro<T>> coros,
                                                           const SourceLocation &where)
{
    using State = VectorGatherState<ReturnExceptions, T>;
    LoopCore &loop = defaultLoop();
    State *state = newGatherState<State>(loop, where);
    Future<typename State::Result> outer(state);
    state->reserve(coros.size());
    for (Coro<T> &c : coros) {
        if (!c.isValid())
            throw ValueError("gather(): a coroutine in coros is empty (moved-from or default-constructed)");
        Task<T> task = loop.createTask(std::move(c), QString(), where);
        state->addChild(task.state());
    }
    state->start();
    return outer;
}

} // namespace detail

/*! Gathers the results of \a awaitables into a tuple, in argument order. */
template <Awaitable... A>
auto gather(A &&...awaitables)
{
    return detail::gatherTuple<false>(std::forward<A>(awaitables)...);
}

/*! Gathers an Outcome per awaitable; failures and cancellations do not fail the gather. */
template <Awaitable... A>
auto gather(ReturnExceptionsTag, A &&...awaitables)
{
    return detail::gatherTuple<true>(std::forward<A>(awaitables)...);
}

/*! Gathers \a futures (Future<T> or Task<T>) into a std::vector<T> (Future<void> if T is void). */
template <TypedFuture F>
auto gather(const std::vector<F> &futures, SourceLocation where = SourceLocation::current())
{
    return detail::gatherFutures<false>(futures, where);
}

/*! Gathers an Outcome per future of \a futures. */
template <TypedFuture F>
auto gather(ReturnExceptionsTag, const std::vector<F> &futures,
            SourceLocation where = SourceLocation::current())
{
    return detail::gatherFutures<true>(futures, where);
}

/*! Wraps each of \a coros in a task and gathers their results. */
template <class T>
auto gather(std::vector<Coro<T>> coros, SourceLocation where = SourceLocation::current())
{
    return detail::gatherCoros<false>(std::move(coros), where);
}

/*! Wraps each of \a coros in a task and gathers an Outcome per task. */
template <class T>
auto gather(ReturnExceptionsTag, std::vector<Coro<T>> coros,
            SourceLocation where = SourceLocation::current())
{
    return detail::gatherCoros<true>(std::move(coros), where);
}

} // namespace qaio
