// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop's sock*() methods (asyncio's loop.sock_recv() & co., selector_events.py):
// try the system call at once, and only when it would block wait for readiness.
#include <qaio/loop/eventloop.h>

#include <qaio/loop/detail/sendfileargs_p.h>
#include <qaio/net/detail/readiness_p.h>
#include <qaio/platform/socketops_p.h>
#include <qaio/platform/dns.h>
#include <qaio/platform/oserror.h>
#include <qaio/net/socket.h>

#include <QtCore/QFile>

#include <algorithm>

namespace qaio {

namespace sys = detail::sys;
using Readiness = detail::ReadinessAwaiter;

static void requireUsableSocket(const Socket &sock, const char *operation)
{
    if (!sock.isValid())
        throw ValueError(QStringLiteral("%1(): sock: the socket is closed").arg(QLatin1String(operation)));
    if (!sys::isNonBlocking(sock.fileno()))
        throw ValueError(QStringLiteral("%1(): sock: the socket must be non-blocking").arg(QLatin1String(operation)));
}

Coro<QByteArray> EventLoop::sockRecv(Socket &sock, qsizetype maxSize)
{
    requireUsableSocket(sock, "sockRecv");
    if (maxSize < 0)
        throw ValueError(QStringLiteral("sockRecv(): maxSize must be >= 0, got %1").arg(maxSize));
    QByteArray buffer(maxSize, Qt::Uninitialized);
    for (;;) {
        int error = 0;
        const std::ptrdiff_t n = sys::receive(sock.fileno(), buffer.data(), std::size_t(maxSize), error);
        if (n >= 0) {
            buffer.truncate(qsizetype(n));
            co_return buffer;
        }
        if (!sys::isWouldBlock(error))
            throwOSError(error, QStringLiteral("recv"));
        co_await Readiness(*this, sock.fileno(), Readiness::Direction::Read);
    }
}

Coro<qsizetype> EventLoop::sockRecvInto(Socket &sock, std::span<char> buffer)
{
    requireUsableSocket(sock, "sockRecvInto");
    for (;;) {
        int error = 0;
        const std::ptrdiff_t n = sys::receive(sock.fileno(), buffer.data(), buffer.size(), error);
        if (n >= 0)
            co_return qsizetype(n);
        if (!sys::isWouldBlock(error))
            throwOSError(error, QStringLiteral("recv"));
        co_await Readiness(*this, sock.fileno(), Readiness::Direction::Read);
    }
}

Coro<std::pair<QByteArray, SocketAddress>> EventLoop::sockRecvfrom(Socket &sock, qsizetype maxSize)
{
    requireUsableSocket(sock, "sockRecvfrom");
    if (maxSize < 0)
        throw ValueError(QStringLiteral("sockRecvfrom(): maxSize must be >= 0, got %1").arg(maxSize));
    QByteArray buffer(maxSize, Qt::Uninitialized);
    for (;;) {
        int error = 0;
        SocketAddress from;
        const std::ptrdiff_t n = sys::receiveFrom(sock.fileno(), buffer.data(), std::size_t(maxSize), &from, error);
        if (n >= 0) {
            buffer.truncate(qsizetype(n));
            co_return std::pair{buffer, from};
        }
        if (!sys::isWouldBlock(error))
            throwOSError(error, QStringLiteral("recvfrom"));
        co_await Readiness(*this, sock.fileno(), Readiness::Direction::Read);
    }
}

Coro<std::pair<qsizetype, SocketAddress>> EventLoop::sockRecvfromInto(Socket &sock, std::span<char> buffer, qsizetype maxSize)
{
    requireUsableSocket(sock, "sockRecvfromInto");
    if (maxSize < 0 || maxSize > qsizetype(buffer.size()))
        throw ValueError(QStringLiteral("sockRecvfromInto(): maxSize must be between 0 and the buffer size %1, got %2")
                             .arg(buffer.size())
                             .arg(maxSize));
    const std::size_t size = maxSize == 0 ? buffer.size() : std::size_t(maxSize);
    for (;;) {
        int error = 0;
        SocketAddress from;
        const std::ptrdiff_t n = sys::receiveFrom(sock.fileno(), buffer.data(), size, &from, error);
        if (n >= 0)
            co_return std::pair{qsizetype(n), from};
        if (!sys::isWouldBlock(error))
            throwOSError(error, QStringLiteral("recvfrom"));
        co_await Readiness(*this, sock.fileno(), Readiness::Direction::Read);
    }
}

Coro<void> EventLoop::sockSendall(Socket &sock, QByteArray data)
{
    requireUsableSocket(sock, "sockSendall");
    qsizetype sent = 0;
    while (sent < data.size()) {
        int error = 0;
        const std::ptrdiff_t n = sys::send(sock.fileno(), data.constData() + sent, std::size_t(data.size() - sent), error);
        if (n >= 0) {
            sent += qsizetype(n);
            continue;
        }
        if (!sys::isWouldBlock(error))
            throwOSError(error, QStringLiteral("send"));
        co_await Readiness(*this, sock.fileno(), Readiness::Direction::Write);
    }
}

Coro<qsizetype> EventLoop::sockSendto(Socket &sock, QByteArray data, SocketAddress address)
{
    requireUsableSocket(sock, "sockSendto");
    if (!address.isValid())
        throw ValueError("sockSendto(): address is invalid");
    for (;;) {
        int error = 0;
        const std::ptrdiff_t n = sys::sendTo(sock.fileno(), data.constData(), std::size_t(data.size()), address, error);
        if (n >= 0)
            co_return qsizetype(n);
        if (!sys::isWouldBlock(error))
            throwOSError(error, QStringLiteral("sendto %1").arg(address.toString()));
        co_await Readiness(*this, sock.fileno(), Readiness::Direction::Write);
    }
}

Coro<void> EventLoop::sockConnect(Socket &sock, SocketAddress address)
{
    requireUsableSocket(sock, "sockConnect");
    if (!address.isValid())
        throw ValueError("sockConnect(): address is invalid");
    const int error = sys::connectSocket(sock.fileno(), address);
    if (error == 0)
        co_return;
    if (!sys::isInProgress(error) && !sys::isWouldBlock(error))
        throwOSError(error, QStringLiteral("connect to %1").arg(address.toString()));
    for (;;) {
        co_await Readiness(*this, sock.fileno(), Readiness::Direction::Write);
        const int result = sys::pendingSocketError(sock.fileno());
        if (result == 0)
            co_return;
        if (!sys::isInProgress(result) && !sys::isWouldBlock(result))
            throwOSError(result, QStringLiteral("connect to %1").arg(address.toString()));
    }
}

Coro<void> EventLoop::sockConnect(Socket &sock, QString host, quint16 port)
{
    requireUsableSocket(sock, "sockConnect");
    if (sock.family() != AddressFamily::IPv4 && sock.family() != AddressFamily::IPv6)
        throw ValueError("sockConnect(): a host and port need an IPv4 or IPv6 socket");
    QHostAddress literal;
    SocketAddress address;
    if (literal.setAddress(host)) {
        address = SocketAddress(literal, port);
    } else {
        AddrInfoHints hints;
        hints.family = sock.family();
        hints.type = sock.type();
        hints.protocol = sock.protocol();
        const std::vector<AddrInfo> infos = co_await getaddrinfo(host, QString::number(port), hints);
        if (infos.empty())
            throw OSError(sys::invalidArgumentError(), QStringLiteral("getaddrinfo('%1') returned no address").arg(host));
        address = infos.front().address;
    }
    co_await sockConnect(sock, address);
}

Coro<std::pair<Socket, SocketAddress>> EventLoop::sockAccept(Socket &sock)
{
    requireUsableSocket(sock, "sockAccept");
    for (;;) {
        int error = 0;
        SocketAddress peer;
        const qintptr fd = sys::acceptSocket(sock.fileno(), &peer, error);
        if (fd >= 0) {
            try {
                co_return std::pair{Socket::adopt(fd), peer};
            } catch (...) {
                sys::closeSocket(fd); // adopt() leaves a descriptor it refused with us
                throw;
            }
        }
        if (!sys::isWouldBlock(error) && !sys::isTransientAcceptError(error))
            throwOSError(error, QStringLiteral("accept"));
        co_await Readiness(*this, sock.fileno(), Readiness::Direction::Read);
    }
}

Coro<qint64> EventLoop::sockSendfile(Socket &sock, QFile &file, qint64 offset, std::optional<qint64> count, bool fallback)
{
    requireUsableSocket(sock, "sockSendfile");
    if (sock.type() != SocketType::Stream)
        throw ValueError("sockSendfile(): sock: only SOCK_STREAM type sockets are supported");
    detail::checkSendfileArguments("sockSendfile", file, offset, count);
    bool native = file.handle() >= 0;
    if (!native && !fallback)
        throw NotImplementedError("sockSendfile(): file has no system descriptor (a Qt resource?), so os sendfile() "
                                  "cannot be used, and fallback is false");
    const qint64 fileSize = file.size();
    // Written so that a huge count (std::numeric_limits<qint64>::max()) cannot overflow.
    const qint64 end = count && *count < fileSize - offset ? offset + *count : fileSize;
    qint64 sent = 0;
    // As asyncio: whatever happens (an error, a cancellation), the file position ends
    // after the bytes that were sent, if any.
    try {
        while (native && offset + sent < end) {
            int error = 0;
            const std::size_t chunk = std::size_t(std::min<qint64>(end - offset - sent, qint64(1) << 30));
            const std::ptrdiff_t n = sys::sendFile(sock.fileno(), file.handle(), offset + sent, chunk, error);
            if (n > 0) {
                sent += n;
                continue;
            }
            if (n == 0)
                break; // the file shrank
            if (sys::isWouldBlock(error)) {
                co_await Readiness(*this, sock.fileno(), Readiness::Direction::Write);
                continue;
            }
            if (sent == 0 && sys::isSendFileUnsupported(error)) {
                if (!fallback)
                    throw NotImplementedError("sockSendfile(): os sendfile() is not available for this socket or file "
                                              "and fallback is false");
                native = false;
                break;
            }
            throwOSError(error, QStringLiteral("sendfile"));
        }
        if (!native) {
            constexpr qint64 kChunk = 256 * 1024;
            while (offset + sent < end) {
                if (!file.seek(offset + sent))
                    throw OSError(sys::invalidArgumentError(), QStringLiteral("seek in %1").arg(file.fileName()));
                const QByteArray block = file.read(std::min(kChunk, end - offset - sent));
                if (block.isEmpty())
                    break;
                co_await sockSendall(sock, block);
                sent += block.size();
            }
        }
    } catch (...) {
        if (sent > 0)
            file.seek(offset + sent);
        throw;
    }
    if (sent > 0)
        file.seek(offset + sent);
    co_return sent;
}

Coro<std::vector<AddrInfo>> EventLoop::getaddrinfo(QString host, QString service, AddrInfoHints hints)
{
    if (host.isEmpty() && service.isEmpty())
        throw ValueError("getaddrinfo(): host and service cannot both be empty");
    // Named future, no temporary lambda inside the co_await (docs/toolchains.md).
    Future<std::vector<AddrInfo>> resolved =
        runInExecutor([host, service, hints] { return sys::resolveBlocking(host, service, hints); });
    std::vector<AddrInfo> infos = co_await resolved;
    co_return infos;
}

Coro<NameInfo> EventLoop::getnameinfo(SocketAddress address, int flags)
{
    if (!address.isValid())
        throw ValueError("getnameinfo(): address is invalid");
    Future<NameInfo> resolved = runInExecutor([address, flags] { return sys::reverseResolveBlocking(address, flags); });
    NameInfo info = co_await resolved;
    co_return info;
}

} // namespace qaio
