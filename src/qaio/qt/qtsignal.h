// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file qtsignal.h
    qaio::signal(): a Future completed by the next emission of a Qt signal.

    \c{co_await qaio::signal(sender, &Class::signal)} suspends the task until \a sender emits
    the signal and gives its arguments: nothing for a signal without arguments, the value
    for one argument, a std::tuple for several (decayed types: \c{const QString &} gives
    QString). The trailing QPrivateSignal tag of private signals (QTimer::timeout) is not
    an argument.

    The connection is made when signal() is called, not when the future is awaited, so an
    emission that happens in between is not lost: connect first, then trigger the work.
    It is single-shot and its slot always runs on the loop's thread (the loop's
    EventLoop::qtContext() is the receiver), also when the signal is emitted from another
    thread; then the arguments are copied, so their types need to be known to QMetaType.
    The connection ends when the signal fires, when the sender is destroyed, when the
    timeout expires or when the future is done otherwise: cancelling the task that awaits it
    cancels the future and disconnects.

    The loop is getEventLoop(): call signal() on the loop's thread.

    Errors: the future fails with RuntimeError("qaio::signal(): sender destroyed before
    emitting <signature>") if the sender is destroyed first, and with TimeoutError if a
    timeout was given and expired. signal() throws ValueError if \a sender is null or
    \a signal is not a signal of the sender's class.

    \code
    qaio::Coro<QByteArray> fetch(QNetworkReply *reply)
    {
        qaio::Future<void> finished = qaio::signal(reply, &QNetworkReply::finished); // connect first
        co_await finished;                                                             // no arguments
        co_return reply->readAll();
    }

    qaio::Coro<int> exitCode(QProcess *process)
    {
        auto [code, status] = co_await qaio::signal(process, &QProcess::finished);     // two arguments
        co_return status == QProcess::NormalExit ? code : -1;
    }

    qaio::Coro<void> firstTimeout(QTimer *timer)
    {
        co_await qaio::signal(timer, &QTimer::timeout, std::chrono::seconds(5));       // TimeoutError after 5 s
    }
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/base/errors.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/future.h>
#include <qaio/core/handle.h>

#include <QtCore/QByteArray>
#include <QtCore/QMetaMethod>
#include <QtCore/QObject>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

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

template <class Signal>
struct SignalTraits;
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

template <class All, class Indices>
struct SignalValue;
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

template <class Signal>
using SignalIndices = std::make_index_sequence<SignalTraits<Signal>::count>;
template <class Signal>
using SignalResult = typename SignalValue<typename SignalTraits<Signal>::All, SignalIndices<Signal>>::type;

/*! One pending signal(): owned by the Qt connections' slot objects, so it lives until
    they are disconnected (or the loop's context object dies with the loop). */
template <class R>
struct SignalWait
{
    Future<R> future;
    QMetaObject::Connection emitted;
    QMetaObject::Connection destroyed;
    TimerHandle timeout;
    QByteArray signature;

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
    wait->future.state()->label = "signal";
    wait->signature = method.methodSignature();
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

/*!
    A future completed by the next emission of \a signal by \a sender: void, the argument,
    or a std::tuple of the arguments. See the file documentation above.
*/
template <class Sender, class Signal>
Future<detail::SignalResult<Signal>> signal(Sender *sender, Signal signal)
{
    return detail::connectSignal(sender, signal, std::nullopt);
}

/*!
    As signal(sender, signal), but the future fails with TimeoutError if the signal was not
    emitted within \a timeout (zero or negative: in the next tick).
*/
template <class Sender, class Signal>
Future<detail::SignalResult<Signal>> signal(Sender *sender, Signal signal, Delay timeout)
{
    return detail::connectSignal(sender, signal, std::optional<Duration>(timeout.toDuration("timeout")));
}

} // namespace qaio
