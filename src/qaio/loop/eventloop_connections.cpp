// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::createConnection(), createUnixConnection(), connectAcceptedSocket()
// (asyncio's base_events.py / unix_events.py, same argument errors and messages).
#include <qaio/loop/eventloop.h>
#include <qaio/net/transportsocket.h>

#include <qaio/loop/detail/streamresolve_p.h>
#include <qaio/loop/detail/connectionsetup_p.h>
#include <qaio/net/detail/connector_p.h>
#include <qaio/net/detail/sockettransport_p.h>
#include <qaio/net/detail/connectionargs_p.h>
#include <qaio/platform/oserror.h>

#include <QtCore/QStringList>

namespace qaio {

namespace detail {

QString describeSocket(const Socket &sock)
{
    const char *family = "Unspecified";
    switch (sock.family()) {
    case AddressFamily::IPv4:
        family = "IPv4";
        break;
    case AddressFamily::IPv6:
        family = "IPv6";
        break;
    case AddressFamily::Unix:
        family = "Unix";
        break;
    case AddressFamily::Unspecified:
        break;
    }
    return QStringLiteral("<qaio::Socket fd=%1, family=%2, type=%3>")
        .arg(sock.fileno())
        .arg(QLatin1String(family))
        .arg(sock.type() == SocketType::Stream ? QLatin1String("Stream") : QLatin1String("Datagram"));
}

void checkTlsOptions(bool ssl, bool serverHostname, bool handshakeTimeout, bool shutdownTimeout)
{
    if (serverHostname && !ssl)
        throw ValueError("serverHostname is only meaningful with ssl");
    if (handshakeTimeout && !ssl)
        throw ValueError("sslHandshakeTimeout is only meaningful with ssl");
    if (shutdownTimeout && !ssl)
        throw ValueError("sslShutdownTimeout is only meaningful with ssl");
}

namespace {

QString messageOf(const std::exception_ptr &error)
{
    try {
        std::rethrow_exception(error);
    } catch (const std::exception &e) {
        return QString::fromUtf8(e.what());
    } catch (...) {
        return describeException(error);
    }
}

// asyncio's error choice at the end of create_connection().
[[noreturn]] void throwCombined(const std::vector<std::exception_ptr> &errors, bool allErrors)
{
    if (allErrors)
        throw ExceptionGroup(QStringLiteral("createConnection failed"), errors);
    if (errors.empty())
        throw OSError(QStringLiteral("createConnection failed: no address to connect to"));
    if (errors.size() == 1)
        std::rethrow_exception(errors.front());
    const QString model = messageOf(errors.front());
    QStringList messages;
    bool allSame = true;
    for (const std::exception_ptr &error : errors) {
        messages << messageOf(error);
        allSame = allSame && messages.back() == model;
    }
    if (allSame)
        std::rethrow_exception(errors.front());
    throw OSError(QStringLiteral("Multiple exceptions: %1").arg(messages.join(QStringLiteral(", "))));
}

} // namespace

// asyncio's _create_connection_transport(): the protocol, the transport, and the wait for
// connectionMade() (a cancelled wait closes the transport).
Coro<Connection<BaseProtocol>> makeConnection(EventLoop &loop, Socket sock, ProtocolFactory factory,
                                             SocketAddress peer)
{
    std::unique_ptr<BaseProtocol> protocol = factory();
    BaseProtocol *made = protocol.get();
    Future<void> waiter = loop.createFuture<void>();
    waiter.state()->tagAwait(AwaitEdge::Kind::Connection, "connectionMade");
    std::shared_ptr<SocketTransport> transport =
        SocketTransport::create(loop, std::move(sock), std::move(protocol), {}, peer, waiter);
    try {
        co_await waiter;
    } catch (...) {
        transport->close();
        throw;
    }
    if (loop.getDebug())
        qCDebug(lcQaioDebug).noquote() << QStringLiteral("fd %1 connected: %2 -> %3")
                                              .arg(qaio::socketDescriptor(*transport))
                                              .arg(qaio::localAddress(*transport).toString(),
                                                   qaio::peerAddress(*transport).toString());
    BaseProtocol *current = transport->protocol() == made ? made : nullptr;
    co_return Connection<BaseProtocol>{std::move(transport), current};
}

} // namespace detail

Coro<EventLoop::ErasedConnection> EventLoop::createConnectionImpl(ProtocolFactory factory,
                                                                  std::optional<HostAndPort> address,
                                                                  ConnectionOptions options)
{
    if (!factory)
        throw ValueError("createConnection(): protocolFactory is empty");
    detail::checkTlsOptions(bool(options.ssl), !options.serverHostname.isEmpty(), bool(options.sslHandshakeTimeout),
                            bool(options.sslShutdownTimeout));
    detail::SslOptions tls;
    if (options.ssl)
        tls = detail::checkedClientTlsOptions(*options.ssl,
                                              !options.serverHostname.isEmpty() ? options.serverHostname
                                                                                : (address ? address->host : QString()),
                                              options.sslHandshakeTimeout, options.sslShutdownTimeout,
                                              "You must set serverHostname when using ssl without a host");
    const std::optional<Duration> happyEyeballsDelay = detail::checkedDelay(options.happyEyeballsDelay, "happyEyeballsDelay");
    if (happyEyeballsDelay && happyEyeballsDelay->count() < 0)
        throw ValueError("createConnection(): happyEyeballsDelay must be >= 0");
    std::optional<int> interleave = options.interleave;
    if (happyEyeballsDelay && !interleave)
        interleave = 1; // asyncio: Happy Eyeballs interleaves address families by default
    Socket sock;
    if (address) {
        if (options.sock.isValid())
            throw ValueError("host/port and sock can not be specified at the same time");
        // Coroutine calls with non-trivial arguments are made outside co_await
        // (docs/toolchains.md).
        Coro<std::vector<AddrInfo>> resolving =
            detail::resolveStream(*this, address->host, address->port, options.family, options.proto, options.flags);
        std::vector<AddrInfo> infos = co_await std::move(resolving);
        if (infos.empty())
            throw OSError(QStringLiteral("getaddrinfo() returned empty list"));
        std::optional<std::vector<AddrInfo>> localInfos;
        if (options.localAddr) {
            Coro<std::vector<AddrInfo>> resolvingLocal = detail::resolveStream(
                *this, options.localAddr->host, options.localAddr->port, options.family, options.proto, options.flags);
            std::vector<AddrInfo> resolved = co_await std::move(resolvingLocal);
            if (resolved.empty())
                throw OSError(QStringLiteral("getaddrinfo() returned empty list"));
            localInfos = std::move(resolved);
        }
        if (interleave && *interleave > 0)
            infos = detail::interleaveAddrInfos(infos, *interleave);
        detail::Connector connector(*this, std::move(infos), std::move(localInfos), happyEyeballsDelay);
        Future<void> done = connector.start();
        try {
            co_await done;
        } catch (...) {
            connector.cancel();
            throw;
        }
        if (!connector.succeeded())
            detail::throwCombined(connector.errors(), options.allErrors);
        sock = connector.takeSocket();
    } else {
        if (!options.sock.isValid())
            throw ValueError("host and port was not specified and no sock specified");
        if (options.sock.type() != SocketType::Stream)
            throw ValueError(QStringLiteral("A Stream Socket was expected, got %1").arg(detail::describeSocket(options.sock)));
        sock = std::move(options.sock);
    }
    Coro<ErasedConnection> connecting = options.ssl
        ? detail::makeTlsConnection(*this, std::move(sock), std::move(factory), *options.ssl, std::move(tls))
        : detail::makeConnection(*this, std::move(sock), std::move(factory));
    co_return co_await std::move(connecting);
}

Coro<EventLoop::ErasedConnection> EventLoop::createUnixConnectionImpl(ProtocolFactory factory,
                                                                      std::optional<SocketAddress> address,
                                                                      UnixConnectionOptions options)
{
    if (!factory)
        throw ValueError("createUnixConnection(): protocolFactory is empty");
    detail::checkTlsOptions(bool(options.ssl), !options.serverHostname.isEmpty(), bool(options.sslHandshakeTimeout),
                            bool(options.sslShutdownTimeout));
    detail::SslOptions tls;
    if (options.ssl)
        tls = detail::checkedClientTlsOptions(*options.ssl, options.serverHostname, options.sslHandshakeTimeout,
                                              options.sslShutdownTimeout,
                                              "you have to pass serverHostname when using ssl");
    Socket sock;
    if (address) {
        if (options.sock.isValid())
            throw ValueError("path and sock can not be specified at the same time");
        if (address->family() != AddressFamily::Unix)
            throw ValueError(QStringLiteral("createUnixConnection(): address: a Unix socket address was expected, got '%1'")
                                 .arg(address->toString()));
        sock = Socket(AddressFamily::Unix, SocketType::Stream);
        co_await sockConnect(sock, *address);
    } else {
        if (!options.sock.isValid())
            throw ValueError("no path and sock were specified");
        if (options.sock.family() != AddressFamily::Unix || options.sock.type() != SocketType::Stream)
            throw ValueError(QStringLiteral("A UNIX Domain Stream Socket was expected, got %1")
                                 .arg(detail::describeSocket(options.sock)));
        sock = std::move(options.sock);
    }
    Coro<ErasedConnection> connecting = options.ssl
        ? detail::makeTlsConnection(*this, std::move(sock), std::move(factory), *options.ssl, std::move(tls))
        : detail::makeConnection(*this, std::move(sock), std::move(factory));
    co_return co_await std::move(connecting);
}

Coro<EventLoop::ErasedConnection> EventLoop::connectAcceptedSocketImpl(ProtocolFactory factory, Socket sock,
                                                                       AcceptedSocketOptions options)
{
    if (!factory)
        throw ValueError("connectAcceptedSocket(): protocolFactory is empty");
    detail::checkTlsOptions(bool(options.ssl), false, bool(options.sslHandshakeTimeout),
                            bool(options.sslShutdownTimeout));
    detail::SslOptions tls;
    if (options.ssl)
        tls = detail::checkedServerTlsOptions(options.sslHandshakeTimeout, options.sslShutdownTimeout);
    if (!sock.isValid())
        throw ValueError("connectAcceptedSocket(): sock: the socket is closed");
    if (sock.type() != SocketType::Stream)
        throw ValueError(QStringLiteral("A Stream Socket was expected, got %1").arg(detail::describeSocket(sock)));
    Coro<ErasedConnection> connecting = options.ssl
        ? detail::makeTlsConnection(*this, std::move(sock), std::move(factory), *options.ssl, std::move(tls))
        : detail::makeConnection(*this, std::move(sock), std::move(factory));
    co_return co_await std::move(connecting);
}

} // namespace qaio
