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

    TLS: \c ssl (a qaio::SslContext, tls/sslcontext.h) makes the connection TLS; the call
    returns once the handshake is done, and the transport returned is the TLS one.
    \c serverHostname is the name sent (SNI) and checked (createConnection() defaults it to
    the host); \c sslHandshakeTimeout (60 s) and \c sslShutdownTimeout (30 s) bound the
    handshake and the wait for the peer's close_notify. Setting one of them without
    \c ssl throws ValueError as asyncio does; a timeout <= 0 throws ValueError.

    \code
    auto tls = std::make_shared<qaio::SslContext>(qaio::SslRole::Client); // verifies by default
    auto connecting = loop.createConnection(factory, "example.org", 443, {.ssl = tls});
    auto [transport, client] = co_await std::move(connecting);
    \endcode
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
    // ---- TLS (see the file's documentation)
    std::shared_ptr<SslContext> ssl{};
    QString serverHostname{};                   // only meaningful with ssl
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
    std::shared_ptr<SslContext> ssl{}; // TLS (client side; serverHostname required when the context checks it)
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
    std::shared_ptr<SslContext> ssl{}; // TLS, server side (the socket was accepted)
    std::optional<Delay> sslHandshakeTimeout{};
    std::optional<Delay> sslShutdownTimeout{};
};

/*!
    Options of EventLoop::startTls() (asyncio's start_tls() keyword arguments).
*/
struct StartTlsOptions
{
    /*! Take the server's part of the handshake (the context needs a certificate). */
    bool serverSide = false;
    /*! The client's name for SNI and the certificate check; required when the context
        checks host names. Meaningless for the server side. */
    QString serverHostname{};
    std::optional<Delay> sslHandshakeTimeout{}; // 60 s when unset; > 0
    std::optional<Delay> sslShutdownTimeout{};  // 30 s when unset; > 0
};

namespace detail {
/*! The protocol type a factory makes: P for a callable returning std::unique_ptr<P>. */
template <class Factory>
using ProtocolOf = typename std::invoke_result_t<Factory &>::element_type;

template <class P>
constexpr bool isStreamProtocol = std::is_base_of_v<Protocol, P> || std::is_base_of_v<BufferedProtocol, P>;
} // namespace detail

} // namespace qaio
