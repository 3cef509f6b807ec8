// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/net/socket.h>

#include <qaio/platform/socketops_p.h>
#include <qaio/platform/oserror.h>

namespace qaio {

namespace sys = detail::sys;

Socket::Socket(AddressFamily family, SocketType type, int protocol) : m_family(family), m_type(type), m_protocol(protocol)
{
    if (family == AddressFamily::Unspecified)
        throw ValueError("family: a socket needs IPv4, IPv6 or Unix, not Unspecified");
    int error = 0;
    m_fd = sys::openSocket(family, type, protocol, error);
    if (m_fd < 0)
        throwOSError(error, QStringLiteral("socket()"));
}

Socket Socket::adopt(qintptr descriptor)
{
    if (descriptor < 0)
        throw ValueError(QStringLiteral("descriptor: %1 is not a valid descriptor").arg(descriptor));
    SocketType type{};
    AddressFamily family{};
    int protocol = 0;
    if (const int error = sys::describeSocket(descriptor, type, family, protocol))
        throwOSError(error, QStringLiteral("adopt descriptor %1").arg(descriptor));
    return Socket(descriptor, family, type, protocol);
}

Socket Socket::duplicate(qintptr descriptor)
{
    if (descriptor < 0)
        throw ValueError(QStringLiteral("descriptor: %1 is not a valid descriptor").arg(descriptor));
    int error = 0;
    const qintptr copy = sys::duplicateSocket(descriptor, error);
    if (copy < 0)
        throwOSError(error, QStringLiteral("duplicate descriptor %1").arg(descriptor));
    try {
        return adopt(copy);
    } catch (...) {
        sys::closeSocket(copy);
        throw;
    }
}

std::pair<Socket, Socket> Socket::pair(SocketType type)
{
    sys::NativeSocket fds[2];
    int error = 0;
    if (!sys::openSocketPair(type, fds, error))
        throwOSError(error, QStringLiteral("socketpair()"));
    return {Socket(fds[0], AddressFamily::Unix, type, 0), Socket(fds[1], AddressFamily::Unix, type, 0)};
}

Socket::Socket(Socket &&other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_family(other.m_family), m_type(other.m_type), m_protocol(other.m_protocol)
{
}

Socket &Socket::operator=(Socket &&other) noexcept
{
    if (this != &other) {
        close();
        m_fd = std::exchange(other.m_fd, -1);
        m_family = other.m_family;
        m_type = other.m_type;
        m_protocol = other.m_protocol;
    }
    return *this;
}

Socket::~Socket()
{
    close();
}

void Socket::requireOpen(const char *operation) const
{
    if (m_fd < 0)
        throw RuntimeError(QStringLiteral("%1: the socket is closed").arg(QLatin1String(operation)));
}

void Socket::bind(const SocketAddress &address)
{
    requireOpen("bind");
    if (const int error = sys::bindSocket(m_fd, address))
        throwOSError(error, QStringLiteral("bind to %1").arg(address.toString()));
}

void Socket::listen(int backlog)
{
    requireOpen("listen");
    if (backlog < 0)
        throw ValueError(QStringLiteral("backlog: must be >= 0, got %1").arg(backlog));
    if (const int error = sys::listenSocket(m_fd, backlog))
        throwOSError(error, QStringLiteral("listen"));
}

void Socket::setBlocking(bool blocking)
{
    requireOpen("setBlocking");
    if (const int error = sys::setNonBlocking(m_fd, !blocking))
        throwOSError(error, QStringLiteral("setBlocking"));
}

bool Socket::isBlocking() const
{
    requireOpen("isBlocking");
    return !sys::isNonBlocking(m_fd);
}

static void setBoolOption(qintptr fd, sys::SocketOption option, bool on, const char *name)
{
    if (const int error = sys::setSocketOption(fd, option, on ? 1 : 0))
        throwOSError(error, QStringLiteral("setsockopt %1").arg(QLatin1String(name)));
}

void Socket::setReuseAddress(bool on)
{
    requireOpen("setReuseAddress");
    setBoolOption(m_fd, sys::SocketOption::ReuseAddress, on, "SO_REUSEADDR");
}

void Socket::setReusePort(bool on)
{
    requireOpen("setReusePort");
    int value = 0;
    if (sys::socketOption(m_fd, sys::SocketOption::ReusePort, value) != 0 && on)
        throw NotImplementedError("reusePort: SO_REUSEPORT is not supported on this platform");
    setBoolOption(m_fd, sys::SocketOption::ReusePort, on, "SO_REUSEPORT");
}

void Socket::setKeepAlive(bool on)
{
    requireOpen("setKeepAlive");
    setBoolOption(m_fd, sys::SocketOption::KeepAlive, on, "SO_KEEPALIVE");
}

void Socket::setNoDelay(bool on)
{
    requireOpen("setNoDelay");
    setBoolOption(m_fd, sys::SocketOption::NoDelay, on, "TCP_NODELAY");
}

void Socket::setBroadcast(bool on)
{
    requireOpen("setBroadcast");
    setBoolOption(m_fd, sys::SocketOption::Broadcast, on, "SO_BROADCAST");
}

void Socket::setOption(int level, int name, int value)
{
    requireOpen("setOption");
    if (const int error = sys::setRawOption(m_fd, level, name, &value, sizeof(value)))
        throwOSError(error, QStringLiteral("setsockopt(%1, %2)").arg(level).arg(name));
}

int Socket::option(int level, int name) const
{
    requireOpen("option");
    int value = 0;
    std::size_t size = sizeof(value);
    if (const int error = sys::rawOption(m_fd, level, name, &value, &size))
        throwOSError(error, QStringLiteral("getsockopt(%1, %2)").arg(level).arg(name));
    return value;
}

void Socket::setOption(int level, int name, QByteArrayView value)
{
    requireOpen("setOption");
    if (const int error = sys::setRawOption(m_fd, level, name, value.data(), std::size_t(value.size())))
        throwOSError(error, QStringLiteral("setsockopt(%1, %2)").arg(level).arg(name));
}

QByteArray Socket::option(int level, int name, qsizetype maxSize) const
{
    requireOpen("option");
    if (maxSize <= 0)
        throw ValueError(QStringLiteral("maxSize: must be > 0, got %1").arg(maxSize));
    QByteArray value(maxSize, '\0');
    std::size_t size = std::size_t(maxSize);
    if (const int error = sys::rawOption(m_fd, level, name, value.data(), &size))
        throwOSError(error, QStringLiteral("getsockopt(%1, %2)").arg(level).arg(name));
    value.truncate(qsizetype(size));
    return value;
}

qsizetype Socket::send(QByteArrayView data)
{
    requireOpen("send");
    int error = 0;
    const std::ptrdiff_t n = sys::send(m_fd, data.data(), std::size_t(data.size()), error);
    if (n < 0)
        throwOSError(error, QStringLiteral("send"));
    return qsizetype(n);
}

QByteArray Socket::recv(qsizetype maxSize)
{
    requireOpen("recv");
    if (maxSize < 0)
        throw ValueError(QStringLiteral("maxSize: must be >= 0, got %1").arg(maxSize));
    QByteArray buffer(maxSize, Qt::Uninitialized);
    int error = 0;
    const std::ptrdiff_t n = sys::receive(m_fd, buffer.data(), std::size_t(maxSize), error);
    if (n < 0)
        throwOSError(error, QStringLiteral("recv"));
    buffer.truncate(qsizetype(n));
    return buffer;
}

SocketAddress Socket::localAddress() const
{
    requireOpen("localAddress");
    int error = 0;
    SocketAddress address = sys::localAddress(m_fd, error);
    if (error)
        throwOSError(error, QStringLiteral("getsockname"));
    return address;
}

SocketAddress Socket::peerAddress() const
{
    requireOpen("peerAddress");
    int error = 0;
    SocketAddress address = sys::peerAddress(m_fd, error);
    if (error)
        throwOSError(error, QStringLiteral("getpeername"));
    return address;
}

void Socket::shutdown(bool read, bool write)
{
    requireOpen("shutdown");
    if (!read && !write)
        throw ValueError("shutdown: at least one of read and write must be true");
    if (const int error = sys::shutdownSocket(m_fd, read, write))
        throwOSError(error, QStringLiteral("shutdown"));
}

void Socket::close() noexcept
{
    if (m_fd >= 0)
        sys::closeSocket(std::exchange(m_fd, -1));
}

qintptr Socket::detach() noexcept
{
    return std::exchange(m_fd, -1);
}

} // namespace qaio
