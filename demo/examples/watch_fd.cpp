// Copyright (c) qaio authors. Licensed under the MIT license.
//
// asyncio's documentation example "Watch a file descriptor for read events", with qaio:
// a reader registered with addReader() on one end of a socket pair receives what the
// other end sends, unregisters itself and stops the loop.
// https://docs.python.org/3/library/asyncio-eventloop.html#watch-a-file-descriptor-for-read-events
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);

    // Create a pair of connected sockets
    std::pair<qaio::Socket, qaio::Socket> sockets = qaio::Socket::pair();
    qaio::Socket &rsock = sockets.first;
    qaio::Socket &wsock = sockets.second;

    std::unique_ptr<qaio::EventLoop> loop = qaio::newEventLoop();

    QByteArray received;
    auto reader = [&] {
        received = rsock.recv(100);
        std::printf("Received: %s\n", received.constData());
        std::fflush(stdout);

        // We are done: unregister the file descriptor
        loop->removeReader(rsock.fileno());

        // Stop the event loop
        loop->stop();
    };

    // Register the file descriptor for read event
    loop->addReader(rsock.fileno(), reader);

    // Simulate the reception of data from the network
    loop->callSoon([&] { wsock.send("abc"); });

    // Run the event loop
    loop->runForever();

    // We are done. Close sockets and the event loop.
    rsock.close();
    wsock.close();
    loop->close();
    return received == "abc" ? 0 : 1;
}
