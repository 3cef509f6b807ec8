// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// Small coroutines shared by the high-level suites (gather, wait, timeout, TaskGroup,
// shield). All timing runs on a VirtualClock: delays are exact and instant.
//
// Inline coroutines carry QAIO_CORO_NO_SANITIZE_FUNCTION (clang + UBSan backend bug).
//
// Qt Test's QVERIFY/QCOMPARE `return` on failure, which a coroutine cannot do, and they
// put their argument in an `if` condition (docs/toolchains.md). So coroutines
// only record what happened; the test function checks it after the loop ran.

#include <qaio/qaio.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace hl {

using namespace std::chrono_literals;

/*! A few ticks, enough for woken tasks to run (CPython's test_utils.run_briefly()). */
inline void runBriefly(qaio::EventLoop &loop)
{
    for (int i = 0; i < 5; ++i)
        loop.runOnce();
}

/*! Milliseconds of virtual time since \a start. */
inline long long msSince(qaio::EventLoop &loop, qaio::TimePoint start)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(loop.time() - start).count();
}

QAIO_CORO_NO_SANITIZE_FUNCTION inline qaio::Coro<int> valueAfter(qaio::Duration d, int value, std::vector<int> *finished = nullptr)
{
    co_await qaio::sleep(d);
    if (finished)
        finished->push_back(value);
    co_return value;
}

QAIO_CORO_NO_SANITIZE_FUNCTION inline qaio::Coro<void> sleepFor(qaio::Duration d, bool *done = nullptr)
{
    co_await qaio::sleep(d);
    if (done)
        *done = true;
}

QAIO_CORO_NO_SANITIZE_FUNCTION inline qaio::Coro<int> failAfter(qaio::Duration d, std::string message)
{
    co_await qaio::sleep(d);
    throw std::runtime_error(message);
}

/*! Sets *flag when destroyed: proves a coroutine's cleanup ran. */
struct SetOnExit
{
    bool *flag;
    ~SetOnExit() { *flag = true; }
};

/*! Sleeps \a d; records when it was cancelled (cleanup) and rethrows. */
QAIO_CORO_NO_SANITIZE_FUNCTION inline qaio::Coro<int> cancellable(qaio::Duration d, int value, bool *cleanedUp, bool *sawCancel = nullptr)
{
    SetOnExit guard{cleanedUp};
    try {
        co_await qaio::sleep(d);
    } catch (const qaio::CancelledError &) {
        if (sawCancel)
            *sawCancel = true;
        throw;
    }
    co_return value;
}

/*! The message of a std::exception held by \a e, or "" for anything else. */
inline std::string messageOf(const std::exception_ptr &e)
{
    try {
        std::rethrow_exception(e);
    } catch (const std::exception &x) {
        return x.what();
    } catch (...) {
        return {};
    }
}

} // namespace hl
