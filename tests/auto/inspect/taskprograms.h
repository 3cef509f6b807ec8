// Copyright (c) qaio authors. Licensed under the MIT license.
// The small task bodies the inspector's suites watch: each waits on one kind of thing.
#pragma once

#include <qaio/qaio.h>

namespace taskprograms {

inline qaio::Coro<void> sleepFor(qaio::Duration d)
{
    co_await qaio::sleep(d);
}

inline qaio::Coro<void> awaitFuture(qaio::Future<int> f)
{
    (void)co_await f;
}

/*! Awaits the task \a other resolves to (two tasks can so await each other). */
inline qaio::Coro<void> awaitTask(qaio::Future<qaio::TaskBase> other)
{
    qaio::TaskBase t = co_await other;
    co_await t;
}

} // namespace taskprograms
