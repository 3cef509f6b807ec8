// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// The implementation of qaio::signal(), included at the end of qt/qtsignal.h.

namespace qaio {

namespace detail {

// The injected-class-name of a QPrivateSignal tag names itself; any other type has no
// member of that name (the tag is private to its class, so it cannot be named directly).
template <class T, class = void>
inline constexpr bool isQPrivateSignalTag = false;
template <class T>
inline constexpr bool isQPrivateSignalTag<T, std::enable_if_t<std::is_class_v<class T::QPrivateSignal>>> = true;

template <class All>
constexpr bool endsWithQPrivateSignalTag()
{
    constexpr std::size_t total = std::tuple_size_v<All>;
    if constexpr (total == 0)
        return false;
    else
        return isQPrivateSignalTag<std::tuple_element_t<total - 1, All>>;
}

template <class... A>
struct SignalArguments
{
    using All = std::tuple<std::decay_t<A>...>;
    static constexpr std::size_t count = sizeof...(A) - (endsWithQPrivateSignalTag<All>() ? 1 : 0);
};

template <class R, class C, class... A>
struct SignalTraits<R (C::*)(A...)> : SignalArguments<A...>
{
    using Class = C;
};
template <class R, class C, class... A>
struct SignalTraits<R (C::*)(A...) const> : SignalArguments<A...>
{
    using Class = C;
};

template <class All>
struct SignalValue<All, std::index_sequence<>>
{
    using type = void;
};
template <class All, std::size_t I>
struct SignalValue<All, std::index_sequence<I>>
{
    using type = std::tuple_element_t<I, All>;
};
template <class All, std::size_t... I>
struct SignalValue<All, std::index_sequence<I...>>
{
    using type = std::tuple<std::tuple_element_t<I, All>...>;
};


/*! One pending signal(): owned by the Qt connections' slot objects, so it lives until
    they are disconnected (or the loop's context object dies with the loop). */
template <class R>
struct SignalWait final : AwaitTarget
{
    Future<R> future;
    QMetaObject::Connection emitted;
    QMetaObject::Connection destroyed;
    TimerHandle timeout;
    QByteArray signature;
    const QObject *sender = nullptr; // valid while pending: its destruction fails the wait

    SignalWait() = default;
    SignalWait(const SignalWait &) = delete;
    ~SignalWait()
    {
        if (future.isValid())
            future.state()->awaitTarget = nullptr;
    }

    void describeAwait(AwaitEdge &edge) const override
    {
        if (future.done() || !sender)
            return;
        const QString objectName = sender->objectName();
        edge.detail = QStringLiteral("%1%2 %3")
                          .arg(QLatin1String(sender->metaObject()->className()),
                               objectName.isEmpty() ? QString() : QStringLiteral(" '%1'").arg(objectName),
                               QString::fromLatin1(signature));
        edge.deadline = timeout.when();
    }

    void disconnect()
    {
        QObject::disconnect(emitted);
        QObject::disconnect(destroyed);
        timeout.cancel();
    }

    template <class... A>
    void complete(const A &...args)
    {
        if (future.done())
            return; // a queued emission that crossed the disconnection
        disconnect();
        if constexpr (std::is_void_v<R>)
            future.setResult();
        else if constexpr (sizeof...(A) == 1)
            future.setResult(args...);
        else
            future.setResult(R(args...));
    }

    void fail(std::exception_ptr error)
    {
        if (future.done())
            return;
        disconnect();
        future.setException(std::move(error));
    }
};

template <class R, class All, class Indices>
struct SignalSlot;
template <class R, class All, std::size_t... I>
struct SignalSlot<R, All, std::index_sequence<I...>>
{
    std::shared_ptr<SignalWait<R>> wait;
    void operator()(const std::tuple_element_t<I, All> &...args) const
    {
        const std::shared_ptr<SignalWait<R>> keep = wait; // disconnecting may free this slot object
        keep->complete(args...);
    }
};

template <class Sender, class Signal>
Future<SignalResult<Signal>> connectSignal(Sender *sender, Signal signal, std::optional<Duration> timeout)
{
    using Traits = SignalTraits<Signal>;
    using R = SignalResult<Signal>;
    static_assert(std::is_base_of_v<typename Traits::Class, Sender>,
                  "qaio::signal(): the signal is not a member of the sender's class");
    if (!sender)
        throw ValueError("qaio::signal(): sender is null");
    if (!signal)
        throw ValueError("qaio::signal(): signal is null");
    const QMetaMethod method = QMetaMethod::fromSignal(signal);
    if (!method.isValid())
        throw ValueError("qaio::signal(): signal is not a signal of the sender's class");

    LoopCore &loop = detail::currentLoopCore();
    auto wait = std::make_shared<SignalWait<R>>();
    wait->future = loop.createFuture<R>();
    wait->future.state()->tagAwait(AwaitEdge::Kind::Signal, "signal", wait.get());
    wait->signature = method.methodSignature();
    wait->sender = sender;
    QObject *context = loop.qtContext();

    wait->emitted = QObject::connect(sender, signal, context,
                                     SignalSlot<R, typename Traits::All, SignalIndices<Signal>>{wait},
                                     Qt::SingleShotConnection);
    if (!wait->emitted)
        throw ValueError(QStringLiteral("qaio::signal(): cannot connect to %1")
                             .arg(QString::fromLatin1(wait->signature)));
    wait->destroyed = QObject::connect(sender, &QObject::destroyed, context, [wait] {
        const std::shared_ptr<SignalWait<R>> keep = wait;
        keep->fail(std::make_exception_ptr(RuntimeError(
            QStringLiteral("qaio::signal(): sender destroyed before emitting %1").arg(QString::fromLatin1(keep->signature)))));
    });
    if (timeout) {
        std::weak_ptr<SignalWait<R>> weak = wait;
        wait->timeout = loop.callLater(*timeout, [weak] {
            if (const std::shared_ptr<SignalWait<R>> live = weak.lock())
                live->fail(std::make_exception_ptr(TimeoutError(
                    QStringLiteral("qaio::signal(): %1 was not emitted in time").arg(QString::fromLatin1(live->signature)))));
        });
    }
    // Cancelled (or completed) from the qaio side: drop the connections now. Weak, so that
    // the future's own callback list does not keep the wait (and itself) alive.
    std::weak_ptr<SignalWait<R>> weak = wait;
    wait->future.addDoneCallback([weak](const FutureBase &) {
        if (const std::shared_ptr<SignalWait<R>> live = weak.lock())
            live->disconnect();
    });
    return wait->future;
}

} // namespace detail

// ---- the public functions, declared and documented in qtsignal.h -----------------------

template <class Sender, class Signal>
Future<detail::SignalResult<Signal>> signal(Sender *sender, Signal signal)
{
    return detail::connectSignal(sender, signal, std::nullopt);
}

template <class Sender, class Signal>
Future<detail::SignalResult<Signal>> signal(Sender *sender, Signal signal, Delay timeout)
{
    return detail::connectSignal(sender, signal, std::optional<Duration>(timeout.toDuration("timeout")));
}

} // namespace qaio
