// Copyright (c) qaio authors. Licensed under the MIT license.
//
// qaio-demo: asyncio's documentation examples for the event loop, ported to qaio and run
// on a plain QCoreApplication. Works headless; exits 0 when every example did its work.
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QThread>

#include <cstdio>

using namespace std::chrono_literals;

namespace {

void say(const QString &line)
{
    std::printf("%s\n", qPrintable(line));
    std::fflush(stdout);
}

// asyncio docs, "Hello World with call_soon()".
void helloWorld(qaio::EventLoop &loop)
{
    say(QStringLiteral("== Hello World with callSoon()"));
    loop.callSoon([&loop] {
        say(QStringLiteral("Hello World"));
        loop.stop();
    });
    loop.runForever();
}

// asyncio docs, "Display the current date with call_later()" (every 100 ms, 3 times).
void displayDate(qaio::EventLoop &loop)
{
    say(QStringLiteral("== Display the current date with callLater()"));
    const qaio::TimePoint endTime = loop.time() + 250ms;
    std::function<void()> show = [&loop, &show, endTime] {
        say(QDateTime::currentDateTime().toString(Qt::ISODateWithMs));
        if (loop.time() + 100ms < endTime)
            loop.callLater(100ms, show);
        else
            loop.stop();
    };
    loop.callSoon(show);
    loop.runForever();
}

// asyncio tutorial: two coroutines running concurrently as tasks.
qaio::Coro<QString> sayAfter(std::chrono::milliseconds delay, QString what)
{
    co_await qaio::sleep(delay);
    say(what);
    co_return what;
}

qaio::Coro<int> concurrentTasks()
{
    say(QStringLiteral("== Tasks running concurrently"));
    const qaio::TimePoint started = qaio::getRunningLoop().time();
    qaio::Task<QString> first = qaio::createTask(sayAfter(100ms, QStringLiteral("hello")), QStringLiteral("hello"));
    qaio::Task<QString> second = qaio::createTask(sayAfter(200ms, QStringLiteral("world")), QStringLiteral("world"));
    say(QStringLiteral("%1 tasks pending").arg(qaio::getRunningLoop().allTasks().size()));
    const QString a = co_await first;
    const QString b = co_await second;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(qaio::getRunningLoop().time() - started);
    say(QStringLiteral("finished '%1 %2' in about %3 ms (sequential would be 300 ms)").arg(a, b).arg(elapsed.count()));
    co_return int(a.size() + b.size());
}

// A blocking function moved off the Qt thread with runInExecutor().
qaio::Coro<bool> blockingWork()
{
    say(QStringLiteral("== Blocking work in the default executor"));
    const QThread *loopThread = QThread::currentThread();
    qaio::Future<bool> result = qaio::getRunningLoop().runInExecutor([loopThread] {
        // Runs on a pool thread while the loop stays responsive.
        return QThread::currentThread() != loopThread;
    });
    const bool offThread = co_await result;
    say(QStringLiteral("ran on a worker thread: %1").arg(offThread ? "yes" : "no"));
    co_return offThread;
}

// Cancellation: a task cancelled while sleeping sees CancelledError at its co_await.
qaio::Coro<bool> cancellation()
{
    say(QStringLiteral("== Cancelling a task"));
    bool cleanedUp = false;
    auto worker = [&cleanedUp]() -> qaio::Coro<void> {
        try {
            co_await qaio::sleep(1h);
        } catch (const qaio::CancelledError &e) {
            cleanedUp = true;
            say(QStringLiteral("worker cancelled: %1").arg(e.message()));
            throw;
        }
    };
    qaio::Task<void> task = qaio::createTask(worker());
    co_await qaio::sleep(0);
    task.cancel(QStringLiteral("no longer needed"));
    try {
        co_await task;
    } catch (const qaio::CancelledError &) {
        say(QStringLiteral("task.cancelled() = %1").arg(task.cancelled() ? "true" : "false"));
    }
    co_return cleanedUp && task.cancelled();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    qaio::EventLoop &loop = qaio::getEventLoop();

    helloWorld(loop);
    displayDate(loop);
    const int letters = loop.runUntilComplete(concurrentTasks());
    const bool offThread = loop.runUntilComplete(blockingWork());
    const bool cancelled = loop.runUntilComplete(cancellation());
    loop.runUntilComplete(loop.shutdownDefaultExecutor());

    const bool ok = letters == 10 && offThread && cancelled;
    say(ok ? QStringLiteral("== all examples completed") : QStringLiteral("== an example FAILED"));
    return ok ? 0 : 1;
}
