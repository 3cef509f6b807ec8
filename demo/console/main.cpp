// Copyright (c) qaio authors. Licensed under the MIT license.
//
// qaio-demo: asyncio's documentation examples for the event loop and streams, ported to
// qaio and run on a plain QCoreApplication. Works headless; exits 0 when every example did its work.
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QThread>

#include <cstdio>
#include <vector>

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

// asyncio docs, "TCP echo client/server using streams": one server, three clients at once.
qaio::Coro<QByteArray> echoClient(quint16 port, QByteArray message)
{
    auto [reader, writer] = co_await qaio::openConnection(QStringLiteral("127.0.0.1"), port);
    writer->write(message + '\n');
    const QByteArray reply = co_await reader->readline();
    writer->close();
    co_await writer->waitClosed();
    co_return reply.trimmed();
}

qaio::Coro<bool> streamsEcho()
{
    say(QStringLiteral("== TCP echo with streams, three clients at once"));
    auto serveOne = [](std::shared_ptr<qaio::StreamReader> reader,
                       std::shared_ptr<qaio::StreamWriter> writer) -> qaio::Coro<void> {
        const QByteArray line = co_await reader->readline();
        say(QStringLiteral("server: %1 from %2")
                .arg(QString::fromUtf8(line.trimmed()), qaio::peerAddress(*writer->transport()).toString()));
        writer->write(line);
        co_await writer->drain();
        writer->close();
    };
    auto starting = qaio::startServer(serveOne, QStringLiteral("127.0.0.1"), 0); // port 0: any free port
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);
    const quint16 port = server->sockets().front().localAddress().port();
    say(QStringLiteral("serving on 127.0.0.1:%1").arg(port));
    std::vector<qaio::Task<QByteArray>> clients;
    for (int i = 1; i <= 3; ++i)
        clients.push_back(qaio::createTask(echoClient(port, "hello " + QByteArray::number(i))));
    bool allEchoed = true;
    for (int i = 1; i <= 3; ++i) {
        const QByteArray reply = co_await clients[std::size_t(i - 1)];
        say(QStringLiteral("client %1 got back: %2").arg(i).arg(QString::fromUtf8(reply)));
        allEchoed = allEchoed && reply == "hello " + QByteArray::number(i);
    }
    server->close();
    co_await server->waitClosed();
    co_return allEchoed;
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
    const bool echoed = loop.runUntilComplete(streamsEcho());
    loop.runUntilComplete(loop.shutdownDefaultExecutor());

    const bool ok = letters == 10 && offThread && cancelled && echoed;
    say(ok ? QStringLiteral("== all examples completed") : QStringLiteral("== an example FAILED"));
    return ok ? 0 : 1;
}
