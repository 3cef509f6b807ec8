// Copyright (c) qaio authors. Licensed under the MIT license.
//
// asyncio's documentation example "Register an open socket to wait for data using a
// protocol", with qaio: one end of a socket pair is handed to createConnection() (its
// `sock` option); the protocol prints what arrives and closes; the program waits for
// connectionLost().
// https://docs.python.org/3/library/asyncio-protocol.html#register-an-open-socket-to-wait-for-data-using-a-protocol
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>

#include <cstdio>

class MyProtocol : public qaio::Protocol
{
public:
    explicit MyProtocol(qaio::Future<void> onConLost) : m_onConLost(std::move(onConLost)) {}

    void connectionMade(qaio::BaseTransport &) override
    {
        m_transport = transport();
    }

    void dataReceived(QByteArrayView data) override
    {
        received += data;
        std::printf("Received: %s\n", data.toByteArray().constData());
        std::fflush(stdout);

        // We are done: close the transport; connectionLost() will be called automatically.
        m_transport->close();
    }

    void connectionLost(std::exception_ptr) override
    {
        // The socket has been closed
        m_onConLost.setResult();
    }

    QByteArray received;

private:
    qaio::Transport *m_transport = nullptr;
    qaio::Future<void> m_onConLost;
};

qaio::Coro<int> mainCoro()
{
    // Get a reference to the event loop as we plan to use low-level APIs.
    qaio::EventLoop &loop = qaio::getRunningLoop();
    qaio::Future<void> onConLost = loop.createFuture<void>();

    // Create a pair of connected sockets
    std::pair<qaio::Socket, qaio::Socket> sockets = qaio::Socket::pair();
    qaio::Socket &rsock = sockets.first;
    qaio::Socket &wsock = sockets.second;

    // Register the socket to wait for data. (Make the call, then await it: g++ 12,
    // docs/toolchains.md.)
    auto factory = [onConLost] { return std::make_unique<MyProtocol>(onConLost); };
    auto connecting = loop.createConnection(factory, {.sock = std::move(rsock)});
    auto [transport, protocol] = co_await std::move(connecting);

    // Simulate the reception of data from the network.
    loop.callSoon([&wsock] { wsock.send("abc"); });

    // Wait for the protocol to signal that the connection is lost and close the transport.
    co_await onConLost;
    transport->close();
    wsock.close();
    co_return protocol->received == "abc" ? 0 : 1;
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    return qaio::getEventLoop().runUntilComplete(mainCoro());
}
