// Copyright (c) qaio authors. Licensed under the MIT license.
//
// asyncio's documentation example "TCP Echo Client" (protocols), with qaio: send a
// message, print the echo, and stop when the server closes the connection.
// https://docs.python.org/3/library/asyncio-protocol.html#tcp-echo-client
//
// Usage: qaio-example-tcp-echo-client [port|-]
//   port  default 8888 (asyncio's); "-" reads the server's "Serving on HOST:PORT" line
//         from stdin (the example test pipes the server into the client), then echoes
//         the rest of that input once done.
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QFile>

#include <cstdio>

class EchoClientProtocol : public qaio::Protocol
{
public:
    EchoClientProtocol(QByteArray message, qaio::Future<void> onConLost)
        : m_message(std::move(message)), m_onConLost(std::move(onConLost))
    {
    }

    void connectionMade(qaio::BaseTransport &) override
    {
        auto *stream = transport();
        stream->write(m_message);
        std::printf("Data sent: %s\n", m_message.constData());
    }

    void dataReceived(QByteArrayView data) override
    {
        received += data;
        std::printf("Data received: %s\n", data.toByteArray().constData());
    }

    void connectionLost(std::exception_ptr) override
    {
        std::printf("The server closed the connection\n");
        std::fflush(stdout);
        if (!m_onConLost.done())
            m_onConLost.setResult();
    }

    QByteArray received;

private:
    QByteArray m_message;
    qaio::Future<void> m_onConLost;
};

qaio::Coro<int> runClient(quint16 port)
{
    qaio::EventLoop &loop = qaio::getRunningLoop();
    qaio::Future<void> onConLost = loop.createFuture<void>();
    const QByteArray message("Hello World!");

    auto factory = [message, onConLost] { return std::make_unique<EchoClientProtocol>(message, onConLost); };
    // Make the call first, then await it (g++ 12: docs/toolchains.md).
    auto connecting = loop.createConnection(factory, QStringLiteral("127.0.0.1"), port);
    auto [transport, protocol] = co_await std::move(connecting);

    // Wait until the protocol signals that the connection is lost and close the transport.
    co_await onConLost;
    transport->close();
    co_return protocol->received == message ? 0 : 1;
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
    qaio::EventLoop &loop = qaio::getEventLoop();
    const int result = loop.runUntilComplete(runClient(port));
    if (input.isOpen()) {
        // The rest of the server's output, so the test log shows both sides.
        std::printf("%s", input.readAll().constData());
        std::fflush(stdout);
    }
    return result;
}
