// Copyright (c) qaio authors. Licensed under the MIT license.
// Server (asyncio's base_events.Server, _start_serving(), _accept_connection()). The loop's
// createServer() / createUnixServer() are in loop/eventloop_servers.cpp.
#include <qaio/net/server.h>

#include <qaio/net/detail/connectionargs_p.h>
#include <qaio/platform/listenops_p.h>
#include <qaio/net/detail/server_p.h>
#include <qaio/platform/socketops_p.h>
#include <qaio/net/detail/sockettransport_p.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/exceptioncontext.h>
#include <qaio/platform/oserror.h>
#include <qaio/tasks/sleep.h>

#include <QtCore/QStringList>

#include <algorithm>

namespace qaio {

namespace detail {

namespace {
// asyncio's ACCEPT_RETRY_DELAY: how long accepting pauses after running out of resources.
constexpr auto kAcceptRetryDelay = std::chrono::seconds(1);
} // namespace

ServerState::ServerState(LoopCore &loop, std::vector<Socket> sockets, ProtocolFactory factory, int backlog)
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

void ServerState::describeResource(ResourceInfo &info) const
{
    info.kind = QStringLiteral("server");
    QStringList addresses;
    for (const Socket &socket : sockets) {
        if (info.fd < 0)
            info.fd = socket.fileno();
        try {
            addresses << socket.localAddress().toString();
        } catch (const std::exception &) {
            addresses << QStringLiteral("fd %1").arg(socket.fileno());
        }
    }
    info.description = QStringLiteral("%1, %2, %3 connection(s)")
                           .arg(addresses.join(QStringLiteral(", ")),
                                closed ? QStringLiteral("closed") : serving ? QStringLiteral("serving") : QStringLiteral("not serving"))
                           .arg(m_clients.size());
    info.closing = closed;
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

} // namespace detail

// ---- Server ----------------------------------------------------------------------------

Server::Server(std::unique_ptr<detail::ServerState> state) : d(std::move(state)) {}

Server::~Server() = default;

EventLoop &Server::getLoop() const
{
    return d->loop.eventLoop();
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
    d->servingForever.state()->tagAwait(AwaitEdge::Kind::Server, "serveForever");
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
    waiter.state()->tagAwait(AwaitEdge::Kind::Server, "Server::waitClosed");
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

} // namespace qaio
