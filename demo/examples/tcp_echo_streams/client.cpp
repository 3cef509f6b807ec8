// Copyright (c) qaio authors. Licensed under the MIT license.
//
// asyncio's documentation example "TCP echo client using streams", with qaio: connect,
// send a message, print the echo, close.
// https://docs.python.org/3/library/asyncio-stream.html#tcp-echo-client-using-streams
//
// Usage: qaio-example-tcp-echo-streams-client [port|-]
//   port  default 8888 (asyncio's); "-" reads the server's "Serving on HOST:PORT" line
//         from stdin (the example test pipes the server into the client), then prints the
//         rest of that input once done.
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QFile>

#include <cstdio>

qaio::Coro<int> tcpEchoClient(QByteArray message, quint16 port)
{
    auto connecting = qaio::openConnection(QStringLiteral("127.0.0.1"), port);
    auto [reader, writer] = co_await std::move(connecting);

    std::printf("Send: '%s'\n", message.constData());
    writer->write(message);
    co_await writer->drain();

    const QByteArray data = co_await reader->read(100);
    std::printf("Received: '%s'\n", data.constData());

    std::printf("Close the connection\n");
    std::fflush(stdout);
    writer->close();
    co_await writer->waitClosed();
    co_return data == message ? 0 : 1;
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QString arg = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("8888");
    quint16 port = 0;
    QFile input;
    if (arg == QLatin1String("-")) {
        input.open(stdin, QIODevice::ReadOnly);
        const QByteArray line = input.readLine().trimmed(); // "Serving on 127.0.0.1:PORT"
        std::printf("%s\n", line.constData());
        port = quint16(line.mid(line.lastIndexOf(':') + 1).toUInt());
    } else {
        port = quint16(arg.toUInt());
    }
    const int result = qaio::getEventLoop().runUntilComplete(tcpEchoClient(QByteArrayLiteral("Hello World!"), port));
    if (input.isOpen()) {
        // The rest of the server's output, so the test log shows both sides.
        std::printf("%s", input.readAll().constData());
        std::fflush(stdout);
    }
    return result;
}
