// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file datagramoptions.h
    Options of EventLoop::createDatagramEndpoint() (asyncio's create_datagram_endpoint()
    keyword arguments) and what it returns.

    An address is a host and port to resolve (HostAndPort) or a SocketAddress used as is;
    a Unix datagram endpoint takes SocketAddress::fromUnixPath() (or fromAbstractName()).

    \code
    // A UDP server on an ephemeral port of the loopback interface:
    auto serverFactory = [] { return std::make_unique<EchoServer>(); };
    auto serving = loop.createDatagramEndpoint(serverFactory, {.localAddr = qaio::HostAndPort{"127.0.0.1", 0}});
    auto [server, echo] = co_await std::move(serving);

    // A client "connected" to it: sendto() without an address goes there.
    const qaio::SocketAddress where = server->extraInfo("sockname").value<qaio::SocketAddress>();
    auto clientFactory = [] { return std::make_unique<Client>(); };
    auto opening = loop.createDatagramEndpoint(clientFactory, {.remoteAddr = where});
    auto [client, protocol] = co_await std::move(opening);
    client->sendto("hello");
    \endcode

    With g++ 12, make the call a statement of its own, as above (docs/toolchains.md).
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/net/connectionoptions.h>
#include <qaio/net/socket.h>
#include <qaio/platform/socketaddress.h>

#include <memory>
#include <variant>

namespace qaio {

class DatagramProtocol;
class DatagramTransport;

/*! Where a datagram endpoint binds or sends: nothing, a host and port to resolve, or a
    ready SocketAddress (the only kind a Unix datagram endpoint takes). */
using DatagramAddress = std::variant<std::monostate, HostAndPort, SocketAddress>;

/*!
    Options of EventLoop::createDatagramEndpoint().
*/
struct DatagramEndpointOptions
{
    /*! Binds the socket here (port 0: an ephemeral port). For a Unix path, a stale socket
        file is removed first. */
    DatagramAddress localAddr{};
    /*! Connects the socket here: sendto() without an address sends to it, another address
        is refused, and the kernel delivers datagrams from it only. With allowBroadcast the
        socket is not connected, but the address is still the default destination. */
    DatagramAddress remoteAddr{};
    /*! The address family; required when neither address is given. Unix makes a Unix
        datagram socket (also implied by a Unix SocketAddress). */
    AddressFamily family = AddressFamily::Unspecified;
    /*! Protocol number for socket() and getaddrinfo() (0: the default). */
    int proto = 0;
    /*! AddrInfoFlag values for getaddrinfo(). */
    int flags = 0;
    /*! SO_REUSEPORT: several endpoints may bind the same address and port (they must all
        set it); the kernel spreads datagrams between them. */
    bool reusePort = false;
    /*! SO_BROADCAST: allows sending to broadcast addresses. */
    bool allowBroadcast = false;
    /*! An existing datagram socket to use instead (none of the fields above may be set);
        the transport takes it over and makes it non-blocking. */
    Socket sock{};
};

/*! What createDatagramEndpoint() returns: the transport, and the protocol the factory made
    (owned by the transport; valid while you hold the transport and until
    DatagramTransport::setProtocol() replaces it). */
template <class P>
struct DatagramEndpoint
{
    std::shared_ptr<DatagramTransport> transport;
    P *protocol = nullptr;
};

} // namespace qaio
