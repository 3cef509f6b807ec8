// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/detail/streamtransport_p.h>
#include <qaio/net/detail/sendfile_p.h>
#include <qaio/net/socket.h>
#include <qaio/tasks/future.h>

#include <memory>

namespace qaio {
class Server;
}

namespace qaio::detail {

/*!
    The transport of a connected stream socket (TCP or Unix): asyncio's
    _SelectorSocketTransport. Everything a stream transport does is StreamTransport's
    (core/detail/streamtransport_p.h: the state machine, reading, the write queue, flow
    control, closing); this adds the socket: recv()/send()/sendmsg(), shutdown(SHUT_WR),
    TCP_NODELAY, the addresses for extraInfo(), the server that counts it among its
    clients, and zero-copy sendfile(2).
*/
class SocketTransport final : public StreamTransport, public NativeSendfile
{
public:
    /*! Wraps the connected \a sock. Schedules connectionMade(), then the start of
        reading, then \a waiter's result (if valid), in one callback. \a server (if any)
        counts the transport among its clients until connectionLost() has returned.
        Throws ValueError if \a protocol is not a Protocol or BufferedProtocol. */
    static std::shared_ptr<SocketTransport> create(LoopCore &loop, Socket sock, std::unique_ptr<BaseProtocol> protocol,
                                                   std::shared_ptr<Server> server = {}, SocketAddress peer = {},
                                                   Future<void> waiter = {});

    QVariant extraInfo(const QString &name, const QVariant &defaultValue = {}) const override;
    bool canWriteEof() const override { return true; }

    NativeSendfile *nativeSendfile() noexcept override { return this; }
    Coro<qint64> sendfileNative(QFile &file, qint64 offset, std::optional<qint64> count) override;

    /*! The server forgot this client (EventLoop::close()). */
    void forgetServer() noexcept { m_server.reset(); }

private:
    SocketTransport(LoopCore &loop, Socket sock, std::unique_ptr<BaseProtocol> protocol, SocketAddress peer);

    std::ptrdiff_t receiveSome(char *data, std::size_t size, int &error) override;
    std::ptrdiff_t sendSome(const QByteArrayView *parts, std::size_t count, int &error) override;
    int shutdownWrite() override;
    void closeDescriptor(bool loopClosing) noexcept override;

    Socket m_socket;
    std::shared_ptr<Server> m_server;
    SocketAddress m_peer;
    SocketAddress m_local;
};

} // namespace qaio::detail
