// Copyright (c) qaio authors. Licensed under the MIT license.
//
// asyncio's documentation example "UDP Echo Server" (protocols), with qaio: every
// datagram is sent back to where it came from.
// https://docs.python.org/3/library/asyncio-protocol.html#udp-echo-server
//
// Usage: qaio-example-udp-echo-server [port] [--once]
//   port    default 9999 (asyncio's); 0 picks a free one (printed on the first line)
//   --once  exit after the first datagram is echoed (what the example test uses)
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QStringList>

#include <cstdio>
#include <functional>

class EchoServerProtocol : public qaio::DatagramProtocol
{
public:
    explicit EchoServerProtocol(std::function<void()> echoed) : m_echoed(std::move(echoed)) {}

    void datagramReceived(QByteArrayView data, const qaio::SocketAddress &address) override
    {
        const QByteArray message = data.toByteArray();
        std::printf("Received '%s' from %s\n", message.constData(), qPrintable(address.toString()));
        std::printf("Send '%s' to %s\n", message.constData(), qPrintable(address.toString()));
        std::fflush(stdout);
        transport()->sendto(data, address);
        if (m_echoed)
            m_echoed();
    }

private:
    std::function<void()> m_echoed;
};

qaio::Coro<int> serve(quint16 port, bool once)
{
    qaio::EventLoop &loop = qaio::getRunningLoop();
    qaio::Future<void> echoed = loop.createFuture<void>();
    std::printf("Starting UDP server\n");

    auto factory = [once, echoed]() mutable {
        return std::make_unique<EchoServerProtocol>([once, echoed]() mutable {
            if (once && !echoed.done())
                echoed.setResult();
        });
    };
    // Make the call first, then await it (g++ 12: docs/toolchains.md).
    auto opening = loop.createDatagramEndpoint(factory, {.localAddr = qaio::HostAndPort{QStringLiteral("127.0.0.1"), port}});
    auto [transport, protocol] = co_await std::move(opening);
    const auto local = transport->extraInfo(QStringLiteral("sockname")).value<qaio::SocketAddress>();
    std::printf("Serving on %s\n", qPrintable(local.toString()));
    std::fflush(stdout);

    try {
        if (once)
            co_await echoed;
        else
            co_await qaio::sleep(std::chrono::hours(1)); // serve for an hour, as asyncio's example
    } catch (...) {
        transport->close();
        throw;
    }
    transport->close(); // the echo is sent before the socket closes
    co_await qaio::sleep(0); // connectionLost() runs before the loop stops
    co_return 0;
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    const bool once = args.contains(QStringLiteral("--once"));
    quint16 port = 9999;
    for (const QString &arg : args) {
        if (!arg.startsWith(QLatin1String("--")))
            port = quint16(arg.toUInt());
    }
    qaio::EventLoop &loop = qaio::getEventLoop();
    return loop.runUntilComplete(serve(port, once));
}
