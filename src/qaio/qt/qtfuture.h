// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file qtfuture.h
    qaio::qfuture(): a qaio Future that follows a QFuture, as asyncio.wrap_future() does
    for concurrent.futures.

    \c{co_await qaio::qfuture(qtFuture)} suspends the task until the QFuture finishes
    (QtConcurrent::run(), QPromise, QFutureInterface, QFuture::then() chains ...) and gives
    its result: the first result for a QFuture that reports several. The QFuture is watched
    by a QFutureWatcher on the loop's thread, so the qaio future always completes there,
    whichever thread finished the computation.

    Outcomes:
    \list
    \li a result: the future's result (moved out with takeResult() for move-only types);
    \li an exception: rethrown as QFuture::result() would: a QException subclass (if it
        overrides clone() and raise()) as itself, anything else as QUnhandledException,
        whose exception() holds the original std::exception_ptr;
    \li a cancelled QFuture: the qaio future is cancelled (CancelledError when awaited), as
        soon as the cancellation is reported, without waiting for the computation to end;
    \li finished without any result: RuntimeError.
    \endlist
    Cancelling the returned future (e.g. cancelling the task awaiting it) calls
    QFuture::cancel(), as asyncio cancels the wrapped concurrent future. Computations that
    do not check for cancellation (a plain QtConcurrent::run() function) still run to their
    end.

    The loop is getEventLoop(): call qfuture() on the loop's thread.

    With g++ 12, make the future in a statement of its own, as below, rather than inside
    the \c co_await expression (docs/toolchains.md).

    \code
    qaio::Coro<QByteArray> digest(QByteArray data)
    {
        qaio::Future<QByteArray> hashing = qaio::qfuture(QtConcurrent::run([data] {
            return QCryptographicHash::hash(data, QCryptographicHash::Sha256);
        }));
        QByteArray hash = co_await hashing;
        co_return hash;
    }
    \endcode
*/

#include <qaio/base/errors.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/future.h>

#include <QtCore/QFuture>
#include <QtCore/QFutureWatcher>
#include <QtCore/QPointer>

#include <exception>
#include <type_traits>

namespace qaio {

namespace detail {

/*! Settles \a target from the finished (or cancelled) \a source. */
template <class T>
void settleFromQFuture(Future<T> &target, QFuture<T> &source)
{
    if (target.done())
        return;
    if (QFutureInterfaceBase::get(source).hasException()) {
        try {
            source.waitForFinished(); // finished already: rethrows the stored exception
        } catch (...) {
            target.setException(std::current_exception());
            return;
        }
    }
    if (source.isCanceled()) {
        target.cancel();
        return;
    }
    if constexpr (std::is_void_v<T>) {
        target.setResult();
    } else {
        if (source.resultCount() < 1) {
            target.setException(RuntimeError("qaio::qfuture(): the QFuture finished without a result"));
            return;
        }
        if constexpr (std::is_copy_constructible_v<T>)
            target.setResult(source.result());
        else
            target.setResult(source.takeResult());
    }
}

} // namespace detail

/*!
    A future that completes with \a future's outcome. See the file documentation above.
*/
template <class T>
Future<T> qfuture(QFuture<T> future)
{
    LoopCore &loop = detail::currentLoopCore();
    Future<T> result = loop.createFuture<T>();
    result.state()->tagAwait(AwaitEdge::Kind::QFuture, "QFuture");
    // Parented to the loop's context object: destroyed with the loop at the latest.
    auto *watcher = new QFutureWatcher<T>(loop.qtContext());
    QObject::connect(watcher, &QFutureWatcherBase::canceled, watcher, [result, future]() mutable {
        // An exception also marks a QFuture cancelled: that outcome comes with finished().
        if (!result.done() && !QFutureInterfaceBase::get(future).hasException())
            result.cancel();
    });
    QObject::connect(watcher, &QFutureWatcherBase::finished, watcher, [result, future]() mutable {
        detail::settleFromQFuture(result, future);
    });
    // Runs through the loop, never inside the watcher's own signal: deleting it is safe here.
    result.addDoneCallback([guard = QPointer<QFutureWatcher<T>>(watcher), future](const FutureBase &done) mutable {
        if (done.cancelled())
            future.cancel();
        delete guard.data();
    });
    watcher->setFuture(future);
    return result;
}

} // namespace qaio
