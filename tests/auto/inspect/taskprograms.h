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

/*! Two tasks, A and B, that await each other once started: a deadlock. */
struct AwaitCycle
{
    qaio::Task<void> a;
    qaio::Task<void> b;
};

inline AwaitCycle startAwaitCycle(qaio::EventLoop &loop)
{
    qaio::Future<qaio::TaskBase> toB = loop.createFuture<qaio::TaskBase>();
    qaio::Future<qaio::TaskBase> toA = loop.createFuture<qaio::TaskBase>();
    AwaitCycle cycle{loop.createTask(awaitTask(toB), "A"), loop.createTask(awaitTask(toA), "B")};
    toB.setResult(cycle.b);
    toA.setResult(cycle.a);
    return cycle;
}

/*! Runs ticks while callbacks are ready (the virtual clock does not jump meanwhile). */
inline void runReady(qaio::EventLoop &loop)
{
    while (loop.inspector().snapshot().loop.readyCallbacks > 0)
        loop.runOnce();
}

} // namespace taskprograms
