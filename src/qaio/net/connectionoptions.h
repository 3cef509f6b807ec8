// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file connectionoptions.h
    Options of EventLoop::createConnection(), createUnixConnection() and
    connectAcceptedSocket() (asyncio's keyword arguments), and the protocol factory type.

    Options are structs meant for designated initializers:

    \code
    auto factory = [] { return std::make_unique<Client>(); };
    qaio::ConnectionOptions options{.happyEyeballsDelay = std::chrono::milliseconds(250)};
    auto [transport, client] = co_await loop.createConnection(factory, "example.org", 80, std::move(options));

    auto [rsock, wsock] = qaio::Socket::pair();
    auto connecting = loop.createConnection(factory, {.sock = std::move(rsock)});
    auto [t2, p2] = co_await std::move(connecting);
    \endcode

    With g++ 12, make the call a statement of its own, as above, when its arguments hold
    lambdas, designated initializers or braced lists (docs/toolchains.md).

    TLS: the \c ssl, \c serverHostname, \c sslHandshakeTimeout and \c sslShutdownTimeout
    fields are the extension point of the TLS issue. Until TLS lands, setting \c ssl makes
    the call throw NotImplementedError("TLS is not available yet (issue: TLS)"); setting
    one of the others without \c ssl throws ValueError as asyncio does.
*/

#include <qaio/base/clock.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/net/socket.h>
#include <qaio/platform/socketaddress.h>

#include <QtCore/QString>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace qaio {

class BaseProtocol;
class Protocol;
class BufferedProtocol;
class Transport;
/*! TLS configuration; defined by the TLS issue (not available yet). */
class SslContext;

/*! Makes the protocol of a new connection. The transport takes ownership. */
using ProtocolFactory = std::function<std::unique_ptr<BaseProtocol>()>;

/*! What createConnection() returns: the transport, and the protocol the factory made
    (owned by the transport; valid while you hold the transport and until
    Transport::setProtocol() replaces it).
    \code
    auto [transport, protocol] = co_await loop.createConnection(factory, host, port);
    \endcode */
template <class P>
struct Connection
{
    std::shared_ptr<Transport> transport;
    P *protocol = nullptr;
};

/*! A host name or address literal and a port, resolved like asyncio's (host, port). */
struct HostAndPort
{
    QString host{};
    quint16 port = 0;
};

/*!
    Options of EventLoop::createConnection().
*/
struct ConnectionOptions
{
    // ---- TLS extension point (not available yet: setting ssl throws NotImplementedError)
    std::shared_ptr<SslContext> ssl{};
    QString serverHostname{};                      // only meaningful with ssl
    std::optional<Delay> sslHandshakeTimeout{}; // only meaningful with ssl
    std::optional<Delay> sslShutdownTimeout{};  // only meaningful with ssl

    /*! Restricts resolution to one family (Unspecified: any). */
    AddressFamily family = AddressFamily::Unspecified;
    /*! Protocol number for getaddrinfo() (0: any). */
    int proto = 0;
    /*! AddrInfoFlag values for getaddrinfo(). */
    int flags = 0;
    /*! An already connected stream socket to wrap (instead of host and port). The
        transport takes it over. */
    Socket sock{};
    /*! Binds the socket to this local address (resolved too) before connecting. */
    std::optional<HostAndPort> localAddr{};
    /*! Happy Eyeballs (RFC 8305): start the next address's attempt when the previous one
        has not connected after this delay (RFC 8305 suggests 250 ms). Unset: one address
        after the other, each waiting for the previous to fail. */
    std::optional<Delay> happyEyeballsDelay{};
    /*! Reorders addresses by family before connecting: the first \c interleave addresses
        of the first family, then alternating families. Defaults to 1 when
        happyEyeballsDelay is set. */
    std::optional<int> interleave{};
    /*! On failure throw an ExceptionGroup of every attempt's error instead of one OSError. */
    bool allErrors = false;
};

/*!
    Options of EventLoop::createUnixConnection().
*/
struct UnixConnectionOptions
{
    std::shared_ptr<SslContext> ssl{}; // TLS extension point (NotImplementedError for now)
    QString serverHostname{};
    std::optional<Delay> sslHandshakeTimeout{};
    std::optional<Delay> sslShutdownTimeout{};
    /*! An already connected AF_UNIX stream socket (instead of a path). */
    Socket sock{};
};

/*!
    Options of EventLoop::connectAcceptedSocket().
*/
struct AcceptedSocketOptions
{
    std::shared_ptr<SslContext> ssl{}; // TLS extension point (NotImplementedError for now)
    std::optional<Delay> sslHandshakeTimeout{};
    std::optional<Delay> sslShutdownTimeout{};
};

namespace detail {
/*! The protocol type a factory makes: P for a callable returning std::unique_ptr<P>. */
template <class Factory>
using ProtocolOf = typename std::invoke_result_t<Factory &>::element_type;

template <class P>
constexpr bool isStreamProtocol = std::is_base_of_v<Protocol, P> || std::is_base_of_v<BufferedProtocol, P>;
} // namespace detail

} // namespace qaio
