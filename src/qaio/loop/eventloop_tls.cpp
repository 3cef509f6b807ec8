// Copyright (c) qaio authors. Licensed under the MIT license.
// TLS on connections: the TLS protocol (tls/detail/sslprotocol_p.h) under the
// application's, for createConnection() & co., the servers, and EventLoop::startTls()
// (asyncio's base_events.py start_tls() and _create_connection_transport(ssl=...)).
#include <qaio/loop/eventloop.h>

#include <qaio/loop/detail/connectionsetup_p.h>
#include <qaio/net/detail/sockettransport_p.h>

namespace qaio {

namespace detail {
namespace {

std::optional<Duration> checkedTlsTimeout(const std::optional<Delay> &timeout, const char *name)
{
    const std::optional<Duration> value = checkedDelay(timeout, name);
    if (value && value->count() <= 0)
        throw ValueError(QStringLiteral("%1 should be a positive number, got %2")
                             .arg(QLatin1String(name))
                             .arg(std::chrono::duration<double>(*value).count()));
    return value;
}

} // namespace

SslOptions checkedServerTlsOptions(const std::optional<Delay> &handshakeTimeout,
                                   const std::optional<Delay> &shutdownTimeout)
{
    SslOptions options;
    options.serverSide = true;
    if (const auto timeout = checkedTlsTimeout(handshakeTimeout, "ssl_handshake_timeout"))
        options.handshakeTimeout = *timeout;
    if (const auto timeout = checkedTlsTimeout(shutdownTimeout, "ssl_shutdown_timeout"))
        options.shutdownTimeout = *timeout;
    return options;
}

SslOptions checkedClientTlsOptions(const SslContext &context, QString serverHostname,
                                   const std::optional<Delay> &handshakeTimeout,
                                   const std::optional<Delay> &shutdownTimeout, const char *missingName)
{
    SslOptions options = checkedServerTlsOptions(handshakeTimeout, shutdownTimeout);
    options.serverSide = false;
    if (serverHostname.isEmpty() && context.checkHostname())
        throw ValueError(missingName);
    options.serverHostname = std::move(serverHostname);
    return options;
}

Coro<Connection<BaseProtocol>> makeTlsConnection(EventLoop &loop, Socket sock, ProtocolFactory factory,
                                                SslContext context, SslOptions options)
{
    Future<void> handshake = loop.createFuture<void>();
    handshake.state()->tagAwait(AwaitEdge::Kind::Connection, "TLS handshake");
    std::shared_ptr<SslTransport> app;
    BaseProtocol *appProtocol = nullptr;
    ProtocolFactory wrapped = [&loop, &factory, &context, &options, &handshake, &app,
                               &appProtocol]() -> std::unique_ptr<BaseProtocol> {
        std::unique_ptr<BaseProtocol> protocol = factory();
        if (!protocol)
            throw ValueError("protocolFactory: returned a null protocol");
        appProtocol = protocol.get();
        auto tls = std::make_unique<SslProtocol>(loop, std::move(protocol), context, options, handshake);
        app = tls->appTransport();
        return tls;
    };
    Coro<Connection<BaseProtocol>> connecting = makeConnection(loop, std::move(sock), std::move(wrapped));
    Connection<BaseProtocol> plain = co_await std::move(connecting);
    try {
        co_await handshake;
    } catch (...) {
        plain.transport->abort();
        throw;
    }
    BaseProtocol *current = app->protocol() == appProtocol ? appProtocol : nullptr;
    co_return Connection<BaseProtocol>{std::move(app), current};
}

ProtocolFactory tlsServerFactory(EventLoop &loop, ProtocolFactory factory, SslContext context, SslOptions options)
{
    return [&loop, factory = std::move(factory), context = std::move(context),
            options = std::move(options)]() -> std::unique_ptr<BaseProtocol> {
        std::unique_ptr<BaseProtocol> protocol = factory();
        if (!protocol)
            throw ValueError("protocolFactory: returned a null protocol");
        // No one awaits a server connection's handshake: its failure is the TLS
        // protocol's to log and end.
        return std::make_unique<SslProtocol>(loop, std::move(protocol), context, options, Future<void>());
    };
}

} // namespace detail

Coro<std::shared_ptr<Transport>> EventLoop::startTls(std::shared_ptr<Transport> transport,
                                                     std::shared_ptr<SslContext> sslContext, StartTlsOptions options)
{
    if (!sslContext)
        throw ValueError("startTls(): sslContext is null");
    if (!transport)
        throw ValueError("startTls(): transport is null");
    // A socket's transport, or a TLS one (TLS in TLS, through a TLS proxy): asyncio's
    // _start_tls_compatible transports.
    auto *socket = dynamic_cast<detail::SocketTransport *>(transport.get());
    auto *outerTls = socket ? nullptr : dynamic_cast<detail::SslTransport *>(transport.get());
    if (!socket && !outerTls)
        throw ValueError("startTls(): transport: only a socket's or a TLS stream transport can be upgraded to TLS");
    if (transport->isClosing())
        throw RuntimeError("startTls(): transport is closing");
    if (options.serverSide && !options.serverHostname.isEmpty())
        throw ValueError("serverHostname is only meaningful for the client side (serverSide is true)");
    detail::SslOptions tls = options.serverSide
        ? detail::checkedServerTlsOptions(options.sslHandshakeTimeout, options.sslShutdownTimeout)
        : detail::checkedClientTlsOptions(*sslContext, options.serverHostname, options.sslHandshakeTimeout,
                                          options.sslShutdownTimeout,
                                          "startTls(): you have to pass serverHostname when the context checks host names");
    tls.callConnectionMade = false; // the protocol is connected already
    Future<void> handshake = createFuture<void>();
    handshake.state()->tagAwait(AwaitEdge::Kind::Connection, "TLS handshake");
    // The transport's protocol moves under the TLS transport; the TLS protocol takes its
    // place. Reading waits until the TLS protocol is connected, one iteration later, as
    // asyncio's (a protocol calling startTls() from dataReceived() returns first).
    transport->pauseReading();
    auto tlsProtocol = std::make_unique<detail::SslProtocol>(*this, nullptr, *sslContext, tls, handshake);
    detail::SslProtocol *protocol = tlsProtocol.get();
    std::unique_ptr<BaseProtocol> app = socket ? socket->exchangeProtocol(std::move(tlsProtocol))
                                               : outerTls->exchangeProtocol(std::move(tlsProtocol));
    protocol->appTransport()->setProtocol(std::move(app));
    std::shared_ptr<detail::SslTransport> tlsTransport = protocol->appTransport();
    Handle connecting = callSoon([transport, protocol] { protocol->connectionMade(*transport); });
    Handle resuming = callSoon([transport] { transport->resumeReading(); });
    try {
        co_await handshake;
    } catch (...) {
        connecting.cancel();
        resuming.cancel();
        transport->close();
        throw;
    }
    co_return tlsTransport;
}

} // namespace qaio
