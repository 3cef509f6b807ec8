// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/net/connectionoptions.h>
#include <qaio/tasks/future.h>
#include <qaio/core/handle.h>
#include <qaio/net/server.h>
#include <qaio/net/socket.h>
#include <qaio/core/detail/loopresource_p.h>

#include <QtCore/QString>

#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

namespace qaio::detail {

class SocketTransport;

/*!
    Everything a Server is made of (asyncio's Server plus the loop's _start_serving /
    _accept_connection). Lives inside its Server; registered with the loop so that
    EventLoop::close() can release the listening sockets and the self-reference.
*/
class ServerState final : public LoopResource
{
public:
    ServerState(LoopCore &loop, std::vector<Socket> sockets, ProtocolFactory factory, int backlog);
    ~ServerState() override;

    static ServerState &of(Server &server) { return *server.d; }

    /*! Makes the shared Server around this state and registers it; the loop keeps it
        alive until close(). */
    static std::shared_ptr<Server> makeServer(std::unique_ptr<ServerState> state);

    void attach(SocketTransport *transport);
    /*! The transport's connection is lost. */
    void detach(SocketTransport *transport);
    /*! The loop is closing: forget \a transport without waking anyone. */
    void forget(SocketTransport *transport) noexcept { m_clients.erase(transport); }

    void startServing();
    void close();
    /*! Its listening addresses, serving or not, connections. */
    void describeResource(ResourceInfo &info) const override;

    LoopCore &loop;
    Server *q = nullptr;
    std::shared_ptr<Server> self; // the loop's reference, until close()
    std::vector<Socket> sockets;
    std::vector<TimerHandle> retryTimers; // one per socket: accepting paused after EMFILE
    ProtocolFactory factory;
    int backlog;
    std::unordered_set<SocketTransport *> m_clients;
    std::vector<Future<void>> waiters;
    Future<void> servingForever;
    QString unixPath; // a Unix server's socket file to remove on close()
    std::optional<std::pair<quint64, quint64>> unixFileId;
    bool serving = false;
    bool closed = false;
    bool woken = false; // closed with no client left: waitClosed() returns at once

protected:
    void loopClosing() noexcept override;

private:
    void acceptReady(std::size_t index);
    void acceptConnection(Socket connection, const SocketAddress &peer);
    void wakeup();
};

} // namespace qaio::detail
