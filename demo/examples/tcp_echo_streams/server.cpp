// Copyright (c) qaio authors. Licensed under the MIT license.
//
// asyncio's documentation example "TCP echo server using streams", with qaio: every
// client gets a task running handleEcho() with the connection's reader and writer.
// https://docs.python.org/3/library/asyncio-stream.html#tcp-echo-server-using-streams
//
// Usage: qaio-example-tcp-echo-streams-server [port] [--once]
//   port    default 8888 (asyncio's); 0 picks a free one (printed on the first line)
//   --once  exit after the first client is served (what the example test uses)
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QStringList>

#include <cstdio>

qaio::Coro<void> handleEcho(std::shared_ptr<qaio::StreamReader> reader, std::shared_ptr<qaio::StreamWriter> writer)
{
    const QByteArray data = co_await reader->read(100);
    const QString address = writer->extraInfo(QStringLiteral("peername")).value<qaio::SocketAddress>().toString();
    std::printf("Received '%s' from %s\n", data.constData(), qPrintable(address));

    std::printf("Send: '%s'\n", data.constData());
    writer->write(data);
    co_await writer->drain();

    std::printf("Close the connection\n");
    std::fflush(stdout);
    writer->close();
    co_await writer->waitClosed();
}

qaio::Coro<int> serve(quint16 port, bool once)
{
    qaio::EventLoop &loop = qaio::getRunningLoop();
    qaio::Future<void> served = loop.createFuture<void>();

    // The callable stays alive while its tasks run, so a coroutine lambda may use its
    // captures; with --once the first finished client ends the server.
    auto handler = [once, served](std::shared_ptr<qaio::StreamReader> reader,
                                  std::shared_ptr<qaio::StreamWriter> writer) mutable -> qaio::Coro<void> {
        co_await handleEcho(std::move(reader), std::move(writer));
        if (once && !served.done())
            served.setResult();
    };
    // Make the call first, then await it (g++ 12: docs/toolchains.md).
    auto starting = qaio::startServer(handler, QStringLiteral("127.0.0.1"), port);
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);

    QStringList addresses;
    for (const qaio::Socket &socket : server->sockets())
        addresses << socket.localAddress().toString();
    std::printf("Serving on %s\n", qPrintable(addresses.join(QStringLiteral(", "))));
    std::fflush(stdout);

    if (once) {
        co_await served;
        server->close();
        co_await server->waitClosed();
    } else {
        co_await server->serveForever();
    }
    co_return 0;
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    const bool once = args.contains(QStringLiteral("--once"));
    quint16 port = 8888;
    for (const QString &arg : args) {
        if (!arg.startsWith(QLatin1String("--")))
            port = quint16(arg.toUInt());
    }
    return qaio::getEventLoop().runUntilComplete(serve(port, once));
}
