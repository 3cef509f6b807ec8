// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file tothread.h
    toThread(): run a blocking function on the default executor and await its result, as
    asyncio.to_thread().

    \c{co_await qaio::toThread(fn, args...)} calls \c{fn(args...)} on a thread of the
    running loop's default executor (EventLoop::defaultExecutor()), and the awaiting task
    resumes on the loop's thread with the result, or the exception \c fn threw. The Qt
    thread keeps processing events meanwhile. Like asyncio's coroutine, nothing runs until
    the result is awaited (or the Coro made a task). Cancelling the awaiting task does
    not stop a call that already started: it runs to its end and its result is dropped.

    Errors: RuntimeError("no running event loop") when awaited outside a loop;
    RuntimeError("Executor shutdown has been called") after shutdownDefaultExecutor();
    whatever \c fn throws.

    \code
    qaio::Coro<QImage> thumbnail(QString path)
    {
        // Made in a statement of its own, then awaited (g++ 12: docs/toolchains.md).
        qaio::Coro<QImage> scaling = qaio::toThread([path] { return QImage(path).scaled(256, 256); });
        co_return co_await std::move(scaling);
    }
    \endcode
*/

#include <qaio/loop/eventloop.h>

#include <functional>
#include <tuple>
#include <type_traits>

namespace qaio {

/*! Calls \a fn with \a args on the default executor; see the file documentation above. */
template <class F, class... Args>
auto toThread(F fn, Args... args) -> Coro<std::invoke_result_t<F &, Args &...>>
{
    using R = std::invoke_result_t<F &, Args &...>;
    auto call = [fn = std::move(fn), arguments = std::make_tuple(std::move(args)...)]() mutable -> R {
        return std::apply(fn, arguments);
    };
    Future<R> running = getRunningLoop().runInExecutor(nullptr, std::move(call));
    co_return co_await std::move(running);
}

} // namespace qaio
