// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// Helpers shared by the socket-level suites (tst_socket, tst_fdwatch, tst_sockops,
// tst_dns): loopback listeners, connected pairs, and the IPv6 availability probe.
//
// Qt Test's QVERIFY/QCOMPARE `return` on failure, which a coroutine cannot do, and they
// put their argument in an `if` condition (docs/toolchains.md). So coroutines
// only record what happened; the test function checks it after the loop ran.

#include "patternbytes.h"

#include <qaio/qaio.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtNetwork/QHostAddress>

#include <exception>
#include <utility>

namespace netsock {

/*! Whether a socket can be bound to ::1 here (IPv6 tests are skipped otherwise). */
inline bool ipv6LoopbackAvailable()
{
    try {
        qaio::Socket probe(qaio::AddressFamily::IPv6, qaio::SocketType::Stream);
        probe.bind({QHostAddress::LocalHostIPv6, 0});
        return true;
    } catch (const std::exception &) {
        return false;
    }
}

/*! The loopback address of \a family (127.0.0.1 or ::1). */
inline QHostAddress loopback(qaio::AddressFamily family)
{
    return family == qaio::AddressFamily::IPv6 ? QHostAddress(QHostAddress::LocalHostIPv6)
                                               : QHostAddress(QHostAddress::LocalHost);
}

/*! A listening stream socket on the loopback of \a family, port chosen by the kernel. */
inline qaio::Socket loopbackListener(qaio::AddressFamily family = qaio::AddressFamily::IPv4)
{
    qaio::Socket listener(family, qaio::SocketType::Stream);
    listener.bind({loopback(family), 0});
    listener.listen();
    return listener;
}

/*! Connects a client to \a listener and accepts it: {client, server side}. */
QAIO_CORO_NO_SANITIZE_FUNCTION inline qaio::Coro<std::pair<qaio::Socket, qaio::Socket>>
connectedPair(qaio::EventLoop &loop, qaio::Socket &listener)
{
    qaio::Socket client(listener.family(), qaio::SocketType::Stream);
    co_await loop.sockConnect(client, listener.localAddress());
    auto accepted = co_await loop.sockAccept(listener);
    co_return std::pair{std::move(client), std::move(accepted.first)};
}

/*! A connected TCP pair over the loopback of \a family. */
inline std::pair<qaio::Socket, qaio::Socket> tcpPair(qaio::EventLoop &loop,
                                                      qaio::AddressFamily family = qaio::AddressFamily::IPv4)
{
    qaio::Socket listener = loopbackListener(family);
    return loop.runUntilComplete(connectedPair(loop, listener));
}

using qaiotest::patternBytes;

/*! What an awaited operation ended with, for checks after the loop ran. */
struct Outcome
{
    bool done = false;
    bool cancelled = false;
    std::exception_ptr error;
};

} // namespace netsock
