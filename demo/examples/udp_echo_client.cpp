// Copyright (c) qaio authors. Licensed under the MIT license.
//
// asyncio's documentation example "UDP Echo Client" (protocols), with qaio: send a
// datagram, print the echo, close.
// https://docs.python.org/3/library/asyncio-protocol.html#udp-echo-client
//
// Usage: qaio-example-udp-echo-client [port|-]
//   port  default 9999 (asyncio's); "-" reads the server's "Serving on HOST:PORT" line
//         from stdin (the example test pipes the server into the client), then echoes
//         the rest of that input once done.
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QFile>

#include <cstdio>

class EchoClientProtocol : public qaio::DatagramProtocol
{
public:
    EchoClientProtocol(QByteArray message, qaio::Future<void> onConLost)
        : m_message(std::move(message)), m_onConLost(std::move(onConLost))
    {
    }

    void connectionMade(qaio::BaseTransport &) override
    {
        std::printf("Send: %s\n", m_message.constData());
        transport()->sendto(m_message);
    }

    void datagramReceived(QByteArrayView data, const qaio::SocketAddress &) override
    {
        received = data.toByteArray();
        std::printf("Received: %s\n", received.constData());
        std::printf("Close the socket\n");
        transport()->close();
    }

    void errorReceived(std::exception_ptr error) override
    {
        std::printf("Error received: %s\n", qPrintable(qaio::describeException(error)));
    }

    void connectionLost(std::exception_ptr) override
    {
        std::printf("Connection closed\n");
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
    auto opening =
        loop.createDatagramEndpoint(factory, {.remoteAddr = qaio::HostAndPort{QStringLiteral("127.0.0.1"), port}});
    auto [transport, protocol] = co_await std::move(opening);
    // Keep the protocol's result while we still hold the transport that owns it.
    co_await onConLost;
    co_return protocol->received == message ? 0 : 1;
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QString arg = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("9999");
    quint16 port = 0;
    QFile input;
    if (arg == QLatin1String("-")) {
        input.open(stdin, QIODevice::ReadOnly);
        QByteArray line;
        do { // "Starting UDP server", then "Serving on 127.0.0.1:PORT"
            line = input.readLine().trimmed();
            std::printf("%s\n", line.constData());
        } while (!line.isEmpty() && !line.startsWith("Serving on"));
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
