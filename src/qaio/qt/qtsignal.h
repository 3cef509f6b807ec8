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
template <class Signal>
struct SignalTraits;
template <class All, class Indices>
struct SignalValue;
template <class Signal>
using SignalIndices = std::make_index_sequence<SignalTraits<Signal>::count>;
template <class Signal>
using SignalResult = typename SignalValue<typename SignalTraits<Signal>::All, SignalIndices<Signal>>::type;
} // namespace detail

/*!
    A future completed by the next emission of \a signal by \a sender: void, the argument,
    or a std::tuple of the arguments. See the file documentation above.
*/
template <class Sender, class Signal>
Future<detail::SignalResult<Signal>> signal(Sender *sender, Signal signal);

/*!
    As signal(sender, signal), but the future fails with TimeoutError if the signal was not
    emitted within \a timeout (zero or negative: in the next tick).
*/
template <class Sender, class Signal>
Future<detail::SignalResult<Signal>> signal(Sender *sender, Signal signal, Delay timeout);

} // namespace qaio

#include <qaio/qt/detail/qtsignal_impl.h>
