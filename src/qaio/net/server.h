// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file server.h
    Server: listening sockets that make a transport and a protocol for every accepted
    connection, as asyncio's Server (base_events.py). Created by EventLoop::createServer()
    and EventLoop::createUnixServer(), with the options below.

    Accepting: on each readiness of a listening socket the server accepts in a loop until
    the kernel has no more pending connections (at most \c backlog per notification). When
    the process runs out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) the
    exception handler is told ("socket.accept() out of system resource"), the server stops
    accepting on that socket for one second (asyncio's ACCEPT_RETRY_DELAY) and then
    resumes; the listening socket stays open. An exception thrown by the protocol factory
    goes to the exception handler ("Error on transport creation for incoming connection";
    asyncio only reports it in debug mode) and that connection is closed.

    Lifetime: the loop keeps a server alive until close() (or EventLoop::close()), like
    asyncio's loop referencing its listening sockets; each connection it accepted keeps it
    alive too, until the connection is lost.

    \code
    auto factory = [] { return std::make_unique<EchoServer>(); };
    const QStringList hosts{"127.0.0.1"};   // named, not inside co_await: docs/toolchains.md
    std::shared_ptr<qaio::Server> server = co_await loop.createServer(factory, hosts, 8888);
    qDebug() << "serving on" << server->sockets().front().localAddress().toString();
    co_await server->serveForever();   // until cancelled; then closed and waited for
    \endcode

    Errors: serveForever() throws RuntimeError when the server is closed or already
    served forever; the option errors of createServer() are described there.
*/

#include <qaio/base/clock.h>
#include <qaio/net/connectionoptions.h>
#include <qaio/tasks/coro.h>
#include <qaio/platform/dns.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/net/socket.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

namespace qaio {

class EventLoop;
class LoopCore;

namespace detail {
class ServerState;
}

/*!
    Options of EventLoop::createServer().
*/
struct ServerOptions
{
    // ---- TLS: every accepted connection is served over TLS with this (server) context;
    // the protocol's connectionMade() runs once its handshake is done. A failed handshake
    // closes that connection only (logged in debug mode, as asyncio).
    std::shared_ptr<SslContext> ssl{};
    std::optional<Delay> sslHandshakeTimeout{}; // only meaningful with ssl
    std::optional<Delay> sslShutdownTimeout{};  // only meaningful with ssl

    /*! Restricts the resolved addresses to one family (Unspecified: any). */
    AddressFamily family = AddressFamily::Unspecified;
    /*! AddrInfoFlag values for getaddrinfo(). */
    int flags = AddrInfoFlag::Passive;
    /*! A bound stream socket to serve on (instead of hosts and port); listen() is called
        when serving starts. The server takes it over. */
    Socket sock{};
    /*! listen() backlog, and the most connections accepted per readiness notification. */
    int backlog = 100;
    /*! SO_REUSEADDR; unset means true on POSIX (asyncio's default). */
    std::optional<bool> reuseAddress{};
    /*! SO_REUSEPORT (NotImplementedError where the platform lacks it). */
    bool reusePort = false;
    /*! SO_KEEPALIVE on the listening sockets (accepted sockets inherit it). */
    bool keepAlive = false;
    /*! Start accepting at once; otherwise call startServing() or serveForever() later. */
    bool startServing = true;
};

/*!
    Options of EventLoop::createUnixServer().
*/
struct UnixServerOptions
{
    std::shared_ptr<SslContext> ssl{}; // TLS, as ServerOptions::ssl
    std::optional<Delay> sslHandshakeTimeout{};
    std::optional<Delay> sslShutdownTimeout{};
    /*! A bound AF_UNIX stream socket to serve on (instead of a path). */
    Socket sock{};
    int backlog = 100;
    bool startServing = true;
    /*! Remove the socket file when the server closes, if it is still the one the server
        created (asyncio's cleanup_socket, Python 3.13). */
    bool cleanupSocket = true;
};

/*!
    \class qaio::Server
    A listening server (asyncio's Server). Handed out as a std::shared_ptr.
*/
class QAIO_EXPORT Server : public std::enable_shared_from_this<Server>
{
public:
    /*! Internal: servers are made by EventLoop::createServer() and createUnixServer(). */
    explicit Server(std::unique_ptr<detail::ServerState> state);
    ~Server();
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    EventLoop &getLoop() const;
    /*! True while the server accepts connections. */
    bool isServing() const;
    /*! Starts accepting (listen() on every socket) if not yet; returns after one loop
        iteration, like asyncio's start_serving(). */
    Coro<void> startServing();
    /*! Starts accepting and waits until the server is closed. Cancelling it closes the
        server and waits for waitClosed() before rethrowing CancelledError; close() from
        elsewhere also ends it with CancelledError (asyncio does the same). Throws
        RuntimeError if the server is closed, or another serveForever() is running. */
    Coro<void> serveForever();
    /*! Stops listening and closes the listening sockets (and removes a Unix server's
        socket file, see UnixServerOptions::cleanupSocket). Connections already accepted
        stay open. Idempotent. */
    void close();
    /*! Calls close() on every connection the server accepted and that is still open. */
    void closeClients();
    /*! Calls abort() on every connection the server accepted and that is still open. */
    void abortClients();
    /*! Returns once the server is closed and every connection it accepted is lost. */
    Coro<void> waitClosed();
    /*! The listening sockets; empty once closed. */
    const std::vector<Socket> &sockets() const;
    /*! Connections accepted and not lost yet. */
    std::size_t clientCount() const;

private:
    friend class detail::ServerState;
    std::unique_ptr<detail::ServerState> d;
};

} // namespace qaio
