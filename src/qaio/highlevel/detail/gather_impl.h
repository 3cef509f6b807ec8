// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// The implementation of qaio::gather(), included at the end of highlevel/gather.h.

namespace qaio {

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
        this->tagAwait(AwaitEdge::Kind::Gather, "gather");
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
        this->tagAwait(AwaitEdge::Kind::Gather, "gather");
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

// ---- the public functions, declared and documented in gather.h ------------------------

template <Awaitable... A>
auto gather(A &&...awaitables)
{
    return detail::gatherTuple<false>(std::forward<A>(awaitables)...);
}

template <Awaitable... A>
auto gather(ReturnExceptionsTag, A &&...awaitables)
{
    return detail::gatherTuple<true>(std::forward<A>(awaitables)...);
}

template <TypedFuture F>
auto gather(const std::vector<F> &futures, SourceLocation where)
{
    return detail::gatherFutures<false>(futures, where);
}

template <TypedFuture F>
auto gather(ReturnExceptionsTag, const std::vector<F> &futures,
            SourceLocation where)
{
    return detail::gatherFutures<true>(futures, where);
}

template <class T>
auto gather(std::vector<Coro<T>> coros, SourceLocation where)
{
    return detail::gatherCoros<false>(std::move(coros), where);
}

template <class T>
auto gather(ReturnExceptionsTag, std::vector<Coro<T>> coros,
            SourceLocation where)
{
    return detail::gatherCoros<true>(std::move(coros), where);
}

} // namespace qaio
