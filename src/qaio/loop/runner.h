// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file runner.h
    qaio::run() and Runner: run coroutines on a loop of their own and clean up after
    them, as asyncio.run() and asyncio.Runner.

    run(coro) makes a new EventLoop, makes it the thread's current loop, runs \a coro as
    its main task to completion and returns its result (or throws its exception); then,
    whatever happened, it cancels every task still pending and waits for them, closes the
    async generators left (shutdownAsyncgens()), shuts the default executor down waiting
    for its threads (shutdownDefaultExecutor(), at most 300 s as asyncio), unsets the
    current loop and closes the loop. A remaining task that failed with an exception other
    than cancellation is reported to the loop's exception handler ("unhandled exception
    during qaio::run() shutdown"). A Runner does the same for several run() calls on one
    loop, cleaning up in close() (or its destructor).

    A QCoreApplication (or QGuiApplication) must exist: the loop runs on Qt's event loop.
    Ctrl+C, as asyncio.Runner: on the main thread, when SIGINT has its default disposition,
    run() handles it while the main task runs: the first Ctrl+C cancels the main task, and
    if the task lets the cancellation through, run() throws KeyboardInterrupt (base/errors.h);
    the default disposition is back from that first Ctrl+C on, so a second one ends the
    process even if the program is stuck. A SIGINT handler of the application's own
    (addSignalHandler() or sigaction()) is left alone.

    Errors: RuntimeError("qaio::run() cannot be called from a running event loop") and
    RuntimeError("Runner::run() cannot be called from a running event loop") inside a
    running loop; RuntimeError("Runner is closed") after close(); ValueError for an empty
    Coro.

    \code
    int main(int argc, char **argv)
    {
        QCoreApplication app(argc, argv);
        return qaio::run(mainTask());   // mainTask() returns qaio::Coro<int>
    }

    qaio::Runner runner;
    runner.run(connect());              // same loop for both calls
    QByteArray data = runner.run(download());
    \endcode
*/

#include <qaio/base/errors.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/loop/eventloop.h>

#include <functional>
#include <memory>
#include <optional>

namespace qaio {

/*!
    \class qaio::Runner
    asyncio.Runner. See the file documentation above.
*/
class QAIO_EXPORT Runner
{
public:
    using LoopFactory = std::function<std::unique_ptr<EventLoop>()>;

    /*! \a debug sets the loop's debug mode (default: QAIO_DEBUG); \a loopFactory makes the
        loop (default: a plain EventLoop). The loop is made at the first run(). */
    explicit Runner(std::optional<bool> debug = std::nullopt, LoopFactory loopFactory = {});
    ~Runner();
    Runner(const Runner &) = delete;
    Runner &operator=(const Runner &) = delete;

    /*! Runs \a coro on the runner's loop to completion and returns its result. */
    template <class T>
    T run(Coro<T> coro, SourceLocation where = SourceLocation::current());
    /*! Cancels the tasks left, shuts generators and the executor down, closes the loop.
        Closing twice is fine. */
    void close();
    /*! The runner's loop (made now if needed). Throws RuntimeError if closed. */
    EventLoop &loop();

private:
    /*! Ctrl+C while run() waits for its main task (see the file documentation). */
    class InterruptHandling
    {
    public:
        QAIO_EXPORT InterruptHandling(EventLoop &loop, TaskBase mainTask);
        QAIO_EXPORT ~InterruptHandling();
        InterruptHandling(const InterruptHandling &) = delete;
        InterruptHandling &operator=(const InterruptHandling &) = delete;
        bool interrupted() const noexcept { return m_interrupts > 0; }

    private:
        EventLoop &m_loop;
        int m_interrupts = 0;
        bool m_installed = false;
    };

    /*! The loop, made on first use; throws if closed or called from a running loop. */
    EventLoop &loopForRun(const char *caller);
    /*! Unsets the current loop if this runner set it. */
    void restoreCurrentLoop() noexcept;

    std::optional<bool> m_debug;
    LoopFactory m_loopFactory;
    std::unique_ptr<EventLoop> m_loop;
    bool m_closed = false;
    bool m_setCurrentLoop = false;
};

/*! asyncio.run(): see the file documentation above. */
template <class T>
T run(Coro<T> coro, SourceLocation where = SourceLocation::current());

// ---- template definitions -------------------------------------------------------------

template <class T>
T Runner::run(Coro<T> coro, SourceLocation where)
{
    if (!coro.isValid())
        throw ValueError("Runner::run(): coro is empty (moved-from or default-constructed)");
    EventLoop &loop = loopForRun("Runner::run()");
    Task<T> task = loop.createTask(std::move(coro), QString(), where);
    InterruptHandling interrupt(loop, task);
    try {
        return loop.runUntilComplete(Future<T>(task));
    } catch (const CancelledError &) {
        // asyncio: a cancellation that Ctrl+C asked for, and nobody else, is an interrupt.
        if (interrupt.interrupted() && task.uncancel() == 0)
            throw KeyboardInterrupt();
        throw;
    }
}

template <class T>
T run(Coro<T> coro, SourceLocation where)
{
    if (runningLoopOrNull())
        throw RuntimeError("qaio::run() cannot be called from a running event loop");
    Runner runner;
    return runner.run(std::move(coro), where);
}

} // namespace qaio
