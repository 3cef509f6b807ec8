// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::createServer() / createUnixServer() (asyncio's create_server(),
// _start_serving(); unix_events' create_unix_server()). The Server itself is net/server.cpp.
#include <qaio/net/server.h>

#include <qaio/net/detail/connectionargs_p.h>
#include <qaio/loop/detail/connectionsetup_p.h>
#include <qaio/loop/detail/streamresolve_p.h>
#include <qaio/platform/listenops_p.h>
#include <qaio/net/detail/server_p.h>
#include <qaio/platform/socketops_p.h>
#include <qaio/net/detail/sockettransport_p.h>
#include <qaio/loop/eventloop.h>
#include <qaio/platform/oserror.h>
#include <qaio/tasks/sleep.h>

#include <QtCore/QStringList>

namespace qaio {

namespace detail {
namespace {

// The checks every create*Server() makes; the factory that serves each connection (over
// TLS with ssl).
ProtocolFactory checkedServerFactory(EventLoop &loop, ProtocolFactory factory, const std::shared_ptr<SslContext> &ssl,
                                     const std::optional<Delay> &handshake, const std::optional<Delay> &shutdown,
                                     int backlog, const char *function)
{
    if (!factory)
        throw ValueError(QStringLiteral("%1(): protocolFactory is empty").arg(QLatin1String(function)));
    if (backlog < 0)
        throw ValueError(QStringLiteral("%1(): backlog must be >= 0, got %2").arg(QLatin1String(function)).arg(backlog));
    checkTlsOptions(bool(ssl), false, bool(handshake), bool(shutdown));
    if (!ssl)
        return factory;
    return tlsServerFactory(loop, std::move(factory), *ssl, checkedServerTlsOptions(handshake, shutdown));
}

// The end of create_server() / create_unix_server(): the Server, serving unless told not.
Coro<std::shared_ptr<Server>> finishServer(EventLoop &loop, std::vector<Socket> sockets, ProtocolFactory factory,
                                           int backlog, bool startServing, QString unixPath = {},
                                           std::optional<std::pair<quint64, quint64>> unixFileId = {})
{
    for (Socket &sock : sockets)
        sock.setBlocking(false);
    auto state = std::make_unique<ServerState>(loop, std::move(sockets), std::move(factory), backlog);
    state->unixPath = std::move(unixPath);
    state->unixFileId = unixFileId;
    std::shared_ptr<Server> server = ServerState::makeServer(std::move(state));
    if (startServing) {
        try {
            ServerState::of(*server).startServing();
            // asyncio skips one loop iteration so that every add_reader has gone through.
            co_await sleep(0);
        } catch (...) {
            // Unlike asyncio (which leaves the server open), a failed or cancelled
            // createServer() leaves no listening socket behind.
            server->close();
            throw;
        }
    }
    co_return server;
}

} // namespace
} // namespace detail


Coro<std::shared_ptr<Server>> EventLoop::createServer(ProtocolFactory protocolFactory, QStringList hosts, quint16 port,
                                                      ServerOptions options)
{
    protocolFactory = detail::checkedServerFactory(*this, std::move(protocolFactory), options.ssl,
                                                   options.sslHandshakeTimeout, options.sslShutdownTimeout,
                                                   options.backlog, "createServer");
    if (options.sock.isValid())
        throw ValueError("host/port and sock can not be specified at the same time");
#if defined(Q_OS_UNIX) && !defined(Q_OS_CYGWIN)
    const bool reuseAddress = options.reuseAddress.value_or(true);
#else
    const bool reuseAddress = options.reuseAddress.value_or(false);
#endif
    if (hosts.isEmpty())
        hosts << QString(); // all interfaces
    std::vector<AddrInfo> infos;
    for (const QString &host : hosts) {
        // Outside co_await: docs/toolchains.md (g++ 12).
        Coro<std::vector<AddrInfo>> resolving = detail::resolveStream(*this, host, port, options.family, 0, options.flags);
        std::vector<AddrInfo> resolved = co_await std::move(resolving);
        if (resolved.empty())
            throw OSError(QStringLiteral("getaddrinfo('%1') returned empty list").arg(host));
        for (AddrInfo &info : resolved) {
            const bool seen = std::any_of(infos.begin(), infos.end(),
                                          [&](const AddrInfo &other) { return other.address == info.address; });
            if (!seen)
                infos.push_back(std::move(info));
        }
    }
    std::vector<Socket> sockets;
    for (const AddrInfo &info : infos) {
        Socket sock;
        try {
            sock = Socket(info.family, SocketType::Stream, info.protocol);
        } catch (const OSError &) {
            continue; // asyncio: assume a family/type/protocol combination the host lacks
        }
        if (reuseAddress)
            sock.setReuseAddress(true);
        if (options.reusePort && (info.family == AddressFamily::IPv4 || info.family == AddressFamily::IPv6))
            sock.setReusePort(true);
        if (options.keepAlive)
            sock.setKeepAlive(true);
        // One socket per family: no IPv4-mapped dual stack behind an IPv6 socket.
        if (info.family == AddressFamily::IPv6)
            detail::sys::setSocketOption(sock.fileno(), detail::sys::SocketOption::IPv6Only, 1);
        if (const int error = detail::sys::bindSocket(sock.fileno(), info.address)) {
            if (detail::sys::isAddressNotAvailable(error))
                continue; // the family is not enabled here (bpo-30945)
            throwOSError(error,
                         QStringLiteral("error while attempting to bind on address '%1'").arg(info.address.toString()));
        }
        sockets.push_back(std::move(sock));
    }
    if (sockets.empty()) {
        QStringList addresses;
        for (const AddrInfo &info : infos)
            addresses << info.address.toString();
        throw OSError(QStringLiteral("could not bind on any address out of [%1]").arg(addresses.join(QStringLiteral(", "))));
    }
    Coro<std::shared_ptr<Server>> finishing =
        detail::finishServer(*this, std::move(sockets), std::move(protocolFactory), options.backlog,
                             options.startServing);
    co_return co_await std::move(finishing);
}

Coro<std::shared_ptr<Server>> EventLoop::createServer(ProtocolFactory protocolFactory, ServerOptions options)
{
    protocolFactory = detail::checkedServerFactory(*this, std::move(protocolFactory), options.ssl,
                                                   options.sslHandshakeTimeout, options.sslShutdownTimeout,
                                                   options.backlog, "createServer");
    if (!options.sock.isValid())
        throw ValueError("Neither host/port nor sock were specified");
    if (options.sock.type() != SocketType::Stream)
        throw ValueError(QStringLiteral("A Stream Socket was expected, got %1").arg(detail::describeSocket(options.sock)));
    std::vector<Socket> sockets;
    sockets.push_back(std::move(options.sock));
    Coro<std::shared_ptr<Server>> finishing =
        detail::finishServer(*this, std::move(sockets), std::move(protocolFactory), options.backlog,
                             options.startServing);
    co_return co_await std::move(finishing);
}

Coro<std::shared_ptr<Server>> EventLoop::createUnixServer(ProtocolFactory protocolFactory, QString path,
                                                          UnixServerOptions options)
{
    protocolFactory = detail::checkedServerFactory(*this, std::move(protocolFactory), options.ssl,
                                                   options.sslHandshakeTimeout, options.sslShutdownTimeout,
                                                   options.backlog, "createUnixServer");
    if (options.sock.isValid())
        throw ValueError("path and sock can not be specified at the same time");
    const bool abstract = path.startsWith(QChar(0));
    const SocketAddress address =
        abstract ? SocketAddress::fromAbstractName(path.mid(1).toUtf8()) : SocketAddress::fromUnixPath(path);
    Socket sock(AddressFamily::Unix, SocketType::Stream);
    if (!abstract) {
        // A socket file left by a server that died is in the way; anything else is not
        // ours to remove (bind() then fails with EADDRINUSE).
        bool wasSocket = false;
        if (const int error = detail::sys::removeStaleUnixSocket(path, wasSocket))
            qCCritical(lcQaio).noquote() << QStringLiteral("Unable to check or remove stale UNIX socket '%1': %2")
                                                .arg(path, systemErrorText(error));
    }
    if (const int error = detail::sys::bindSocket(sock.fileno(), address)) {
        if (detail::sys::isAddressInUse(error))
            throwOSError(error, QStringLiteral("Address '%1' is already in use").arg(address.toString()));
        throwOSError(error, QStringLiteral("bind to %1").arg(address.toString()));
    }
    std::optional<std::pair<quint64, quint64>> fileId;
    if (!abstract && options.cleanupSocket)
        fileId = detail::sys::socketFileId(path);
    std::vector<Socket> sockets;
    sockets.push_back(std::move(sock));
    Coro<std::shared_ptr<Server>> finishing =
        detail::finishServer(*this, std::move(sockets), std::move(protocolFactory), options.backlog,
                             options.startServing, fileId ? path : QString(), fileId);
    co_return co_await std::move(finishing);
}

Coro<std::shared_ptr<Server>> EventLoop::createUnixServer(ProtocolFactory protocolFactory, UnixServerOptions options)
{
    protocolFactory = detail::checkedServerFactory(*this, std::move(protocolFactory), options.ssl,
                                                   options.sslHandshakeTimeout, options.sslShutdownTimeout,
                                                   options.backlog, "createUnixServer");
    if (!options.sock.isValid())
        throw ValueError("path was not specified, and no sock specified");
    if (options.sock.family() != AddressFamily::Unix || options.sock.type() != SocketType::Stream)
        throw ValueError(QStringLiteral("A UNIX Domain Stream Socket was expected, got %1")
                             .arg(detail::describeSocket(options.sock)));
    QString path;
    std::optional<std::pair<quint64, quint64>> fileId;
    if (options.cleanupSocket) {
        const SocketAddress local = options.sock.localAddress();
        if (!local.isAbstract() && !local.path().isEmpty()) {
            fileId = detail::sys::socketFileId(local.path());
            if (fileId)
                path = local.path();
        }
    }
    std::vector<Socket> sockets;
    sockets.push_back(std::move(options.sock));
    Coro<std::shared_ptr<Server>> finishing =
        detail::finishServer(*this, std::move(sockets), std::move(protocolFactory), options.backlog,
                             options.startServing, path, fileId);
    co_return co_await std::move(finishing);
}

} // namespace qaio
