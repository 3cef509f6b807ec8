// Copyright (c) qaio authors. Licensed under the MIT license.
// Server and EventLoop::createServer() / createUnixServer() (asyncio's base_events.Server,
// create_server(), _start_serving(), _accept_connection(); unix_events'
// create_unix_server()).
#include "server.h"

#include "detail/connectionargs_p.h"
#include "detail/connector_p.h"
#include "detail/listenops_p.h"
#include "detail/server_p.h"
#include "detail/socketops_p.h"
#include "detail/sockettransport_p.h"
#include "eventloop.h"
#include "oserror.h"
#include "sleep.h"

#include <QtCore/QStringList>

#include <algorithm>

namespace qaio {

namespace detail {

namespace {
// asyncio's ACCEPT_RETRY_DELAY: how long accepting pauses after running out of resources.
constexpr auto kAcceptRetryDelay = std::chrono::seconds(1);
} // namespace

ServerState::ServerState(EventLoop &loop, std::vector<Socket> sockets, ProtocolFactory factory, int backlog)
    : LoopResource(&loop), loop(loop), sockets(std::move(sockets)), retryTimers(this->sockets.size()),
      factory(std::move(factory)), backlog(backlog)
{
}

ServerState::~ServerState() = default;

std::shared_ptr<Server> ServerState::makeServer(std::unique_ptr<ServerState> state)
{
    ServerState *raw = state.get();
    auto server = std::make_shared<Server>(std::move(state));
    raw->q = server.get();
    raw->self = server;
    return server;
}

void ServerState::attach(SocketTransport *transport)
{
    m_clients.insert(transport);
}

void ServerState::detach(SocketTransport *transport)
{
    m_clients.erase(transport);
    if (m_clients.empty() && closed)
        wakeup();
}

void ServerState::wakeup()
{
    woken = true;
    std::vector<Future<void>> pending = std::move(waiters);
    waiters.clear();
    for (Future<void> &waiter : pending) {
        if (!waiter.done())
            waiter.setResult();
    }
}

void ServerState::startServing()
{
    if (serving || closed)
        return;
    for (Socket &sock : sockets)
        sock.listen(backlog);
    serving = true;
    for (std::size_t i = 0; i < sockets.size(); ++i)
        loop.addReader(sockets[i].fileno(), [this, i] { acceptReady(i); });
}

void ServerState::close()
{
    if (closed)
        return;
    closed = true;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        if (retryTimers[i].isValid())
            retryTimers[i].cancel();
        if (serving)
            loop.removeReader(sockets[i].fileno());
    }
    sockets.clear();
    retryTimers.clear();
    serving = false;
    if (!unixPath.isEmpty() && unixFileId && sys::socketFileId(unixPath) == unixFileId)
        sys::removeFile(unixPath);
    Future<void> serving = std::exchange(servingForever, Future<void>());
    if (serving.isValid() && !serving.done())
        serving.cancel();
    if (m_clients.empty())
        wakeup();
    unlinkFromLoop();
    std::shared_ptr<Server> keep = std::move(self);
    // `keep` may be the last reference: the Server (and this state) end with this scope.
}

void ServerState::loopClosing() noexcept
{
    closed = true;
    serving = false;
    sockets.clear(); // the loop drops the watchers and timers itself
    retryTimers.clear();
    if (!unixPath.isEmpty() && unixFileId && sys::socketFileId(unixPath) == unixFileId)
        sys::removeFile(unixPath);
    woken = true;
    waiters.clear();
    servingForever = Future<void>();
    std::shared_ptr<Server> keep = std::move(self);
}

void ServerState::acceptReady(std::size_t index)
{
    // asyncio's _accept_connection(): one readiness notification may stand for many
    // pending connections; take up to `backlog` of them.
    const int rounds = std::max(backlog, 1);
    // A protocol factory may close the server: `this` must outlive the loop below.
    const std::shared_ptr<Server> keep = self;
    for (int i = 0; i < rounds; ++i) {
        if (!serving)
            return; // a protocol factory closed the server
        const qintptr listener = sockets[index].fileno();
        int error = 0;
        SocketAddress peer;
        const qintptr fd = sys::acceptSocket(listener, &peer, error);
        if (fd < 0) {
            if (sys::isWouldBlock(error))
                return;
            if (sys::isResourceExhausted(error)) {
                // Linux keeps reporting the listener readable: stop watching it for a while.
                ExceptionContext context;
                context.message = QStringLiteral("socket.accept() out of system resource");
                context.exception = makeOSError(error, QStringLiteral("accept"));
                context.socket = listener;
                loop.callExceptionHandler(context);
                loop.removeReader(listener);
                retryTimers[index] = loop.callLater(kAcceptRetryDelay, [this, index] {
                    retryTimers[index] = TimerHandle();
                    if (serving)
                        loop.addReader(sockets[index].fileno(), [this, index] { acceptReady(index); });
                });
                return;
            }
            if (sys::isTransientAcceptError(error))
                continue; // that connection died before we took it; the listener is fine
            ExceptionContext context;
            context.message = QStringLiteral("Error on accept()");
            context.exception = makeOSError(error, QStringLiteral("accept"));
            context.socket = listener;
            loop.callExceptionHandler(context);
            return;
        }
        Socket connection;
        try {
            connection = Socket::adopt(fd);
        } catch (...) {
            sys::closeSocket(fd);
            continue;
        }
        acceptConnection(std::move(connection), peer);
    }
}

void ServerState::acceptConnection(Socket connection, const SocketAddress &peer)
{
    if (loop.getDebug())
        qCDebug(lcQaioDebug).noquote() << QStringLiteral("Server fd %1 got a new connection from %2: fd %3")
                                              .arg(sockets.front().fileno())
                                              .arg(peer.toString())
                                              .arg(connection.fileno());
    BaseProtocol *protocol = nullptr;
    try {
        std::unique_ptr<BaseProtocol> made = factory();
        protocol = made.get();
        SocketTransport::create(loop, std::move(connection), std::move(made), self, peer);
    } catch (...) {
        // asyncio reports this only in debug mode; a factory that throws is a bug worth
        // seeing. The accepted socket is closed (it was moved into nothing, or is
        // released with the exception).
        ExceptionContext context;
        context.message = QStringLiteral("Error on transport creation for incoming connection");
        context.exception = std::current_exception();
        context.protocol = protocol;
        loop.callExceptionHandler(context);
    }
}

namespace {

void checkServerOptions(const std::shared_ptr<SslContext> &ssl, const std::optional<Delay> &handshake,
                        const std::optional<Delay> &shutdown, int backlog, const char *function)
{
    if (backlog < 0)
        throw ValueError(QStringLiteral("%1(): backlog must be >= 0, got %2").arg(QLatin1String(function)).arg(backlog));
    checkTlsOptions(bool(ssl), false, bool(handshake), bool(shutdown));
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

// ---- Server ----------------------------------------------------------------------------

Server::Server(std::unique_ptr<detail::ServerState> state) : d(std::move(state)) {}

Server::~Server() = default;

EventLoop &Server::getLoop() const
{
    return d->loop;
}

bool Server::isServing() const
{
    return d->serving;
}

Coro<void> Server::startServing()
{
    std::shared_ptr<Server> self = shared_from_this();
    d->startServing();
    co_await sleep(0);
}

Coro<void> Server::serveForever()
{
    std::shared_ptr<Server> self = shared_from_this();
    if (d->servingForever.isValid())
        throw RuntimeError("server is already being awaited on serveForever()");
    if (d->closed)
        throw RuntimeError("server is closed");
    d->startServing();
    d->servingForever = d->loop.createFuture<void>();
    d->servingForever.state()->label = "serveForever";
    Future<void> serving = d->servingForever;
    std::exception_ptr cancelled;
    try {
        co_await serving;
    } catch (const CancelledError &) {
        cancelled = std::current_exception();
    }
    if (d->servingForever == serving)
        d->servingForever = Future<void>();
    if (cancelled) {
        close();
        co_await waitClosed();
        std::rethrow_exception(cancelled);
    }
}

void Server::close()
{
    d->close();
}

void Server::closeClients()
{
    const std::vector<detail::SocketTransport *> clients(d->m_clients.begin(), d->m_clients.end());
    for (detail::SocketTransport *transport : clients)
        transport->close();
}

void Server::abortClients()
{
    const std::vector<detail::SocketTransport *> clients(d->m_clients.begin(), d->m_clients.end());
    for (detail::SocketTransport *transport : clients)
        transport->abort();
}

Coro<void> Server::waitClosed()
{
    std::shared_ptr<Server> self = shared_from_this();
    if (d->woken)
        co_return;
    std::erase_if(d->waiters, [](const Future<void> &f) { return f.done(); });
    Future<void> waiter = d->loop.createFuture<void>();
    waiter.state()->label = "Server::waitClosed";
    d->waiters.push_back(waiter);
    co_await waiter;
}

const std::vector<Socket> &Server::sockets() const
{
    return d->sockets;
}

std::size_t Server::clientCount() const
{
    return d->m_clients.size();
}

// ---- EventLoop -------------------------------------------------------------------------

Coro<std::shared_ptr<Server>> EventLoop::createServer(ProtocolFactory protocolFactory, QStringList hosts, quint16 port,
                                                      ServerOptions options)
{
    if (!protocolFactory)
        throw ValueError("createServer(): protocolFactory is empty");
    detail::checkServerOptions(options.ssl, options.sslHandshakeTimeout, options.sslShutdownTimeout, options.backlog,
                               "createServer");
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
    if (!protocolFactory)
        throw ValueError("createServer(): protocolFactory is empty");
    detail::checkServerOptions(options.ssl, options.sslHandshakeTimeout, options.sslShutdownTimeout, options.backlog,
                               "createServer");
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
    if (!protocolFactory)
        throw ValueError("createUnixServer(): protocolFactory is empty");
    detail::checkServerOptions(options.ssl, options.sslHandshakeTimeout, options.sslShutdownTimeout, options.backlog,
                               "createUnixServer");
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
    if (!protocolFactory)
        throw ValueError("createUnixServer(): protocolFactory is empty");
    detail::checkServerOptions(options.ssl, options.sslHandshakeTimeout, options.sslShutdownTimeout, options.backlog,
                               "createUnixServer");
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
