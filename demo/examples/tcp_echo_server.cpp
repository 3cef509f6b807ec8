// Copyright (c) qaio authors. Licensed under the MIT license.
//
// asyncio's documentation example "TCP Echo Server" (protocols), with qaio: every
// connection gets an EchoServerProtocol that sends back what it receives and closes.
// https://docs.python.org/3/library/asyncio-protocol.html#tcp-echo-server
//
// Usage: qaio-example-tcp-echo-server [port] [--once]
//   port    default 8888 (asyncio's); 0 picks a free one (printed on the first line)
//   --once  exit after the first client is served (what the example test uses)
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QStringList>

#include <cstdio>
#include <functional>

class EchoServerProtocol : public qaio::Protocol
{
public:
    explicit EchoServerProtocol(std::function<void()> done) : m_done(std::move(done)) {}

    void connectionMade(qaio::BaseTransport &) override
    {
        // The transport owns this protocol: a plain pointer to it stays valid.
        m_transport = transport();
        std::printf("Connection from %s\n", qPrintable(qaio::peerAddress(*m_transport).toString()));
    }

    void dataReceived(QByteArrayView data) override
    {
        const QByteArray message = data.toByteArray();
        std::printf("Data received: %s\n", message.constData());

        std::printf("Send: %s\n", message.constData());
        m_transport->write(message);

        std::printf("Close the client socket\n");
        m_transport->close(); // after the echo has been sent
        std::fflush(stdout);
    }

    void connectionLost(std::exception_ptr) override
    {
        if (m_done)
            m_done();
    }

private:
    qaio::Transport *m_transport = nullptr;
    std::function<void()> m_done;
};

qaio::Coro<int> serve(quint16 port, bool once)
{
    qaio::EventLoop &loop = qaio::getRunningLoop();
    qaio::Future<void> served = loop.createFuture<void>();

    auto factory = [once, served]() mutable {
        return std::make_unique<EchoServerProtocol>([once, served]() mutable {
            if (once && !served.done())
                served.setResult();
        });
    };
    // Make the call first, then await it (g++ 12: docs/toolchains.md).
    const QStringList hosts{QStringLiteral("127.0.0.1")};
    qaio::Coro<std::shared_ptr<qaio::Server>> starting = loop.createServer(factory, hosts, port);
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);

    std::printf("Serving on %s\n", qPrintable(server->sockets().front().localAddress().toString()));
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
    qaio::EventLoop &loop = qaio::getEventLoop();
    return loop.runUntilComplete(serve(port, once));
}
