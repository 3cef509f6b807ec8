// Copyright (c) qaio authors. Licensed under the MIT license.
// The stream socket transport (asyncio's _SelectorSocketTransport, selector_events.py):
// the socket's part over StreamTransport.
#include <qaio/net/detail/sockettransport_p.h>

#include <qaio/net/detail/server_p.h>
#include <qaio/platform/oserror.h>
#include <qaio/platform/socketops_p.h>

#include <QtCore/QFile>

#include <algorithm>

namespace qaio::detail {

std::shared_ptr<SocketTransport> SocketTransport::create(LoopCore &loop, Socket sock,
                                                         std::unique_ptr<BaseProtocol> protocol,
                                                         std::shared_ptr<Server> server, SocketAddress peer,
                                                         Future<void> waiter)
{
    requireUsableLoop(loop);
    if (!sock.isValid())
        throw ValueError("sock: the socket is closed");
    if (sock.type() != SocketType::Stream)
        throw ValueError("sock: a stream socket was expected");
    if (!protocol)
        throw ValueError("protocolFactory: returned a null protocol");
    std::shared_ptr<SocketTransport> t(new SocketTransport(loop, std::move(sock), std::move(protocol), peer));
    if (server) {
        t->m_server = std::move(server);
        ServerState::of(*t->m_server).attach(t.get());
    }
    t->start(t, [waiter = std::move(waiter)]() mutable {
        if (waiter.isValid() && !waiter.done())
            waiter.setResult();
    });
    return t;
}

SocketTransport::SocketTransport(LoopCore &loop, Socket sock, std::unique_ptr<BaseProtocol> protocol,
                                 SocketAddress peer)
    : StreamTransport(loop, sock.fileno(), std::move(protocol), Names{"socket", "recv", "send"}),
      m_socket(std::move(sock)), m_peer(peer)
{
    const qintptr fd = m_socket.fileno();
    if (!sys::isNonBlocking(fd))
        sys::setNonBlocking(fd, true);
    int error = 0;
    m_local = sys::localAddress(fd, error);
    if (!m_peer.isValid())
        m_peer = sys::peerAddress(fd, error);
    // asyncio sets TCP_NODELAY on every TCP transport: small writes go out at once.
    const AddressFamily family = m_socket.family();
    if ((family == AddressFamily::IPv4 || family == AddressFamily::IPv6) &&
        (m_socket.protocol() == 0 || m_socket.protocol() == 6 /* IPPROTO_TCP */))
        sys::setSocketOption(fd, sys::SocketOption::NoDelay, 1);
}

std::ptrdiff_t SocketTransport::receiveSome(char *data, std::size_t size, int &error)
{
    return sys::receive(descriptor(), data, size, error);
}

std::ptrdiff_t SocketTransport::sendSome(const QByteArrayView *parts, std::size_t count, int &error)
{
    // One part (the common case: write() with nothing buffered) is a plain send().
    return count == 1 ? sys::send(descriptor(), parts[0].data(), std::size_t(parts[0].size()), error)
                      : sys::sendVector(descriptor(), parts, count, error);
}

int SocketTransport::shutdownWrite()
{
    const int error = sys::shutdownSocket(descriptor(), false, true);
    return error == sys::notConnectedError() ? 0 : error;
}

void SocketTransport::closeDescriptor(bool loopClosing) noexcept
{
    m_socket.close();
    if (!m_server)
        return;
    std::shared_ptr<Server> server = std::move(m_server);
    if (loopClosing)
        ServerState::of(*server).forget(this);
    else
        ServerState::of(*server).detach(this);
}

QVariant SocketTransport::extraInfo(const QString &name, const QVariant &defaultValue) const
{
    if (name == QLatin1String("peername"))
        return m_peer.isValid() ? QVariant::fromValue(m_peer) : defaultValue;
    if (name == QLatin1String("sockname"))
        return m_local.isValid() ? QVariant::fromValue(m_local) : defaultValue;
    if (name == QLatin1String("socket"))
        return m_socket.isValid() ? QVariant::fromValue(m_socket.fileno()) : defaultValue;
    return defaultValue;
}

Coro<qint64> SocketTransport::sendfileNative(QFile &file, qint64 offset, std::optional<qint64> count)
{
    // asyncio's _sendfile_native: stop reading, let the buffer drain, refuse other
    // writes, then hand the file to the kernel.
    const bool resume = isReading();
    pauseReading();
    setSendfileActive(true);
    qint64 sent = 0;
    std::exception_ptr failure;
    try {
        co_await waitForTransport(*this, WaitFor::EmptyBuffer);
        const qint64 end = count ? std::min(file.size(), offset + *count) : file.size();
        while (offset + sent < end) {
            if (!isOpen())
                throw ConnectionError(QStringLiteral("Connection closed by peer"));
            int error = 0;
            const std::size_t chunk = std::size_t(std::min<qint64>(end - offset - sent, qint64(1) << 30));
            const std::ptrdiff_t n = sys::sendFile(descriptor(), file.handle(), offset + sent, chunk, error);
            if (n > 0) {
                sent += n;
                continue;
            }
            if (n == 0)
                break; // the file shrank
            if (sys::isWouldBlock(error)) {
                co_await waitForTransport(*this, WaitFor::Writable);
                continue;
            }
            if (sent == 0 && sys::isSendFileUnsupported(error))
                throw NotImplementedError("os sendfile() is not available for this socket or file");
            std::rethrow_exception(makeOSError(error, QStringLiteral("sendfile")));
        }
    } catch (...) {
        failure = std::current_exception();
    }
    setSendfileActive(false);
    if (sent > 0)
        file.seek(offset + sent);
    if (resume)
        resumeReading();
    if (failure) {
        // An OSError from sendfile(2) is a connection error like any other write error.
        if (holds<OSError>(failure) && isOpen())
            failWith(failure);
        std::rethrow_exception(failure);
    }
    co_return sent;
}

} // namespace qaio::detail
