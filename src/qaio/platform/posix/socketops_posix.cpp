// Copyright (c) qaio authors. Licensed under the MIT license.
// POSIX sockets for qaio (Linux first; macOS/BSD where the calls differ are marked).
#include <qaio/platform/socketops_p.h>

#include <QtCore/QFile>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#if defined(__linux__)
#  include <sys/sendfile.h>
#endif

namespace qaio::detail::sys {

ErrorKind classifyError(int error) noexcept
{
    switch (error) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINPROGRESS:
    case EALREADY:
        return ErrorKind::WouldBlock;
    case EPIPE:
    case ESHUTDOWN:
        return ErrorKind::BrokenPipe;
    case ECONNABORTED:
        return ErrorKind::ConnectionAborted;
    case ECONNREFUSED:
        return ErrorKind::ConnectionRefused;
    case ECONNRESET:
        return ErrorKind::ConnectionReset;
    case EEXIST:
        return ErrorKind::FileExists;
    case ENOENT:
        return ErrorKind::FileNotFound;
    case EACCES:
    case EPERM:
        return ErrorKind::Permission;
    case ESRCH:
        return ErrorKind::ProcessLookup;
    case ECHILD:
        return ErrorKind::ChildProcess;
    default:
        return ErrorKind::Other;
    }
}

QString errorText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

QString resolverErrorText(int resolverCode)
{
    if (resolverCode == EAI_SYSTEM)
        return errorText(errno);
    return QString::fromLocal8Bit(gai_strerror(resolverCode));
}

bool isWouldBlock(int error) noexcept
{
    return error == EAGAIN || error == EWOULDBLOCK;
}

bool isInProgress(int error) noexcept
{
    return error == EINPROGRESS || error == EALREADY;
}

bool isInterrupted(int error) noexcept
{
    return error == EINTR;
}

bool isTransientAcceptError(int error) noexcept
{
    // The connection died before accept() returned it, or the network went away for it.
    return error == ECONNABORTED || error == EPROTO || error == ENOPROTOOPT || error == EHOSTDOWN ||
           error == ENONET || error == EHOSTUNREACH || error == EOPNOTSUPP || error == ENETUNREACH ||
           error == ENETDOWN || error == EINTR || isWouldBlock(error);
}

bool isResourceExhausted(int error) noexcept
{
    return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

int notConnectedError() noexcept
{
    return ENOTCONN;
}

int invalidArgumentError() noexcept
{
    return EINVAL;
}

int nativeFamily(AddressFamily family)
{
    switch (family) {
    case AddressFamily::IPv4:
        return AF_INET;
    case AddressFamily::IPv6:
        return AF_INET6;
    case AddressFamily::Unix:
        return AF_UNIX;
    case AddressFamily::Unspecified:
        break;
    }
    return AF_UNSPEC;
}

AddressFamily familyFromNative(int nativeFamily) noexcept
{
    switch (nativeFamily) {
    case AF_INET:
        return AddressFamily::IPv4;
    case AF_INET6:
        return AddressFamily::IPv6;
    case AF_UNIX:
        return AddressFamily::Unix;
    default:
        return AddressFamily::Unspecified;
    }
}

static int nativeType(SocketType type)
{
    return type == SocketType::Datagram ? SOCK_DGRAM : SOCK_STREAM;
}

static int makeNonBlockingCloexec(int fd)
{
#if !defined(SOCK_NONBLOCK)
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return errno;
    if (::fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return errno;
#else
    Q_UNUSED(fd);
#endif
    return 0;
}

NativeSocket openSocket(AddressFamily family, SocketType type, int protocol, int &error) noexcept
{
    int flags = 0;
#if defined(SOCK_NONBLOCK)
    flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
#endif
    const int fd = ::socket(nativeFamily(family), nativeType(type) | flags, protocol);
    if (fd < 0) {
        error = errno;
        return InvalidSocket;
    }
    if ((error = makeNonBlockingCloexec(fd)) != 0) {
        ::close(fd);
        return InvalidSocket;
    }
#if defined(SO_NOSIGPIPE)
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof(on)); // macOS has no MSG_NOSIGNAL
#endif
    return fd;
}

bool openSocketPair(SocketType type, NativeSocket pair[2], int &error) noexcept
{
    int flags = 0;
#if defined(SOCK_NONBLOCK)
    flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
#endif
    int fds[2];
    if (::socketpair(AF_UNIX, nativeType(type) | flags, 0, fds) < 0) {
        error = errno;
        return false;
    }
    for (int fd : fds) {
        if ((error = makeNonBlockingCloexec(fd)) != 0) {
            ::close(fds[0]);
            ::close(fds[1]);
            return false;
        }
    }
    pair[0] = fds[0];
    pair[1] = fds[1];
    return true;
}

void closeSocket(NativeSocket fd) noexcept
{
    if (fd >= 0)
        ::close(int(fd)); // never retried on EINTR: on Linux the descriptor is gone anyway
}

NativeSocket duplicateSocket(NativeSocket fd, int &error) noexcept
{
    const int copy = ::fcntl(int(fd), F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        error = errno;
        return InvalidSocket;
    }
    return copy;
}

int setNonBlocking(NativeSocket fd, bool nonBlocking) noexcept
{
    const int flags = ::fcntl(int(fd), F_GETFL);
    if (flags < 0)
        return errno;
    const int wanted = nonBlocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (wanted != flags && ::fcntl(int(fd), F_SETFL, wanted) < 0)
        return errno;
    return 0;
}

int checkDescriptor(NativeSocket fd) noexcept
{
    return ::fcntl(int(fd), F_GETFD) < 0 ? errno : 0;
}

bool isNonBlocking(NativeSocket fd) noexcept
{
    const int flags = ::fcntl(int(fd), F_GETFL);
    return flags >= 0 && (flags & O_NONBLOCK);
}

int describeSocket(NativeSocket fd, SocketType &type, AddressFamily &family, int &protocol) noexcept
{
    int value = 0;
    socklen_t length = sizeof(value);
    if (::getsockopt(int(fd), SOL_SOCKET, SO_TYPE, &value, &length) < 0)
        return errno;
    type = value == SOCK_DGRAM ? SocketType::Datagram : SocketType::Stream;
    sockaddr_storage address{};
    socklen_t addressLength = sizeof(address);
    if (::getsockname(int(fd), reinterpret_cast<sockaddr *>(&address), &addressLength) < 0)
        return errno;
    family = familyFromNative(address.ss_family);
    protocol = 0;
#if defined(SO_PROTOCOL)
    length = sizeof(value);
    if (::getsockopt(int(fd), SOL_SOCKET, SO_PROTOCOL, &value, &length) == 0)
        protocol = value;
#endif
    return 0;
}

int bindSocket(NativeSocket fd, const SocketAddress &address) noexcept
{
    if (::bind(int(fd), static_cast<const sockaddr *>(address.nativeData()), socklen_t(address.nativeSize())) < 0)
        return errno;
    return 0;
}

int listenSocket(NativeSocket fd, int backlog) noexcept
{
    if (::listen(int(fd), backlog) < 0)
        return errno;
    return 0;
}

int connectSocket(NativeSocket fd, const SocketAddress &address) noexcept
{
    for (;;) {
        if (::connect(int(fd), static_cast<const sockaddr *>(address.nativeData()), socklen_t(address.nativeSize())) == 0)
            return 0;
        if (errno != EINTR)
            return errno;
        // An interrupted connect() continues in the background, like EINPROGRESS.
        return EINPROGRESS;
    }
}

int pendingSocketError(NativeSocket fd) noexcept
{
    int value = 0;
    socklen_t length = sizeof(value);
    if (::getsockopt(int(fd), SOL_SOCKET, SO_ERROR, &value, &length) < 0)
        return errno;
    return value;
}

NativeSocket acceptSocket(NativeSocket listener, SocketAddress *peer, int &error) noexcept
{
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    int fd;
    do {
#if defined(__linux__)
        fd = ::accept4(int(listener), reinterpret_cast<sockaddr *>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
        fd = ::accept(int(listener), reinterpret_cast<sockaddr *>(&address), &length);
#endif
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        error = errno;
        return InvalidSocket;
    }
#if !defined(__linux__)
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
#  if defined(SO_NOSIGPIPE)
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof(on));
#  endif
#endif
    if (peer)
        *peer = SocketAddress::fromNative(&address, length);
    return fd;
}

int shutdownSocket(NativeSocket fd, bool read, bool write) noexcept
{
    const int how = read && write ? SHUT_RDWR : read ? SHUT_RD : SHUT_WR;
    if (::shutdown(int(fd), how) < 0)
        return errno;
    return 0;
}

SocketAddress localAddress(NativeSocket fd, int &error) noexcept
{
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getsockname(int(fd), reinterpret_cast<sockaddr *>(&address), &length) < 0) {
        error = errno;
        return {};
    }
    return SocketAddress::fromNative(&address, length);
}

SocketAddress peerAddress(NativeSocket fd, int &error) noexcept
{
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getpeername(int(fd), reinterpret_cast<sockaddr *>(&address), &length) < 0) {
        error = errno;
        return {};
    }
    return SocketAddress::fromNative(&address, length);
}

#if defined(MSG_NOSIGNAL)
constexpr int kSendFlags = MSG_NOSIGNAL; // a write to a reset peer must give EPIPE, not kill us
#else
constexpr int kSendFlags = 0; // SO_NOSIGPIPE was set when the socket was made
#endif

std::ptrdiff_t receive(NativeSocket fd, void *buffer, std::size_t size, int &error) noexcept
{
    ssize_t n;
    do {
        n = ::recv(int(fd), buffer, size, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        error = errno;
    return n;
}

std::ptrdiff_t send(NativeSocket fd, const void *data, std::size_t size, int &error) noexcept
{
    ssize_t n;
    do {
        n = ::send(int(fd), data, size, kSendFlags);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        error = errno;
    return n;
}

std::size_t maxVectorParts() noexcept
{
#if defined(IOV_MAX)
    return IOV_MAX;
#else
    return 1024;
#endif
}

std::ptrdiff_t sendVector(NativeSocket fd, const QByteArrayView *parts, std::size_t count, int &error) noexcept
{
    constexpr std::size_t kStackParts = 64;
    iovec stackVectors[kStackParts];
    count = std::min(count, std::min(maxVectorParts(), kStackParts));
    for (std::size_t i = 0; i < count; ++i) {
        stackVectors[i].iov_base = const_cast<char *>(parts[i].data());
        stackVectors[i].iov_len = std::size_t(parts[i].size());
    }
    msghdr message{};
    message.msg_iov = stackVectors;
    message.msg_iovlen = decltype(message.msg_iovlen)(count);
    ssize_t n;
    do {
        n = ::sendmsg(int(fd), &message, kSendFlags);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        error = errno;
    return n;
}

std::ptrdiff_t receiveFrom(NativeSocket fd, void *buffer, std::size_t size, SocketAddress *from, int &error) noexcept
{
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    ssize_t n;
    do {
        n = ::recvfrom(int(fd), buffer, size, 0, reinterpret_cast<sockaddr *>(&address), &length);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        error = errno;
        return n;
    }
    if (from)
        *from = SocketAddress::fromNative(&address, length);
    return n;
}

std::ptrdiff_t receiveDatagram(NativeSocket fd, void *buffer, std::size_t size, SocketAddress &from, bool &truncated,
                               int &error) noexcept
{
    static_assert(SocketAddress::capacity() >= sizeof(sockaddr_storage));
    ssize_t n;
    socklen_t length;
#if defined(__linux__)
    // Linux: recvfrom() with MSG_TRUNC returns a datagram's real length, so truncation is
    // seen without recvmsg(), whose message header costs the kernel a copy in and out on
    // every datagram (measured: qaio-bench udp).
    do {
        length = socklen_t(SocketAddress::capacity());
        n = ::recvfrom(int(fd), buffer, size, MSG_TRUNC, static_cast<sockaddr *>(from.nativeData()), &length);
    } while (n < 0 && errno == EINTR);
    truncated = n > ssize_t(size);
    if (truncated)
        n = ssize_t(size);
#else
    iovec part{buffer, size};
    msghdr message{};
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    do {
        message.msg_name = from.nativeData();
        message.msg_namelen = socklen_t(SocketAddress::capacity());
        message.msg_flags = 0;
        n = ::recvmsg(int(fd), &message, 0);
    } while (n < 0 && errno == EINTR);
    length = message.msg_namelen;
    truncated = (message.msg_flags & MSG_TRUNC) != 0;
#endif
    if (n < 0) {
        error = errno;
        from.setNativeSize(0);
        return n;
    }
    // An unnamed Unix sender has nothing past its family: no address to report.
    from.setNativeSize(length > sizeof(sa_family_t) ? std::size_t(length) : 0);
    return n;
}

int receiveDatagrams(NativeSocket fd, char *buffer, std::size_t slotSize, std::size_t count, SocketAddress *senders,
                     std::size_t *sizes, bool *truncated, int &error) noexcept
{
    count = std::min(count, kMaxDatagramBatch);
#if defined(__linux__)
    mmsghdr messages[kMaxDatagramBatch];
    iovec parts[kMaxDatagramBatch];
    for (std::size_t i = 0; i < count; ++i) {
        parts[i] = {buffer + i * slotSize, slotSize};
        messages[i] = {};
        messages[i].msg_hdr.msg_iov = &parts[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_name = senders[i].nativeData();
        messages[i].msg_hdr.msg_namelen = socklen_t(SocketAddress::capacity());
    }
    int n;
    do {
        n = ::recvmmsg(int(fd), messages, unsigned(count), MSG_DONTWAIT, nullptr);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        error = errno;
        return -1;
    }
    for (int i = 0; i < n; ++i) {
        const socklen_t length = messages[i].msg_hdr.msg_namelen;
        senders[i].setNativeSize(length > sizeof(sa_family_t) ? std::size_t(length) : 0);
        sizes[i] = std::min<std::size_t>(messages[i].msg_len, slotSize);
        truncated[i] = (messages[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    }
    return n;
#else
    Q_UNUSED(count);
    const std::ptrdiff_t n = receiveDatagram(fd, buffer, slotSize, senders[0], truncated[0], error);
    if (n < 0)
        return -1;
    sizes[0] = std::size_t(n);
    return 1;
#endif
}

std::ptrdiff_t sendTo(NativeSocket fd, const void *data, std::size_t size, const SocketAddress &to, int &error) noexcept
{
    ssize_t n;
    do {
        n = to.isValid() ? ::sendto(int(fd), data, size, kSendFlags, static_cast<const sockaddr *>(to.nativeData()),
                                    socklen_t(to.nativeSize()))
                         : ::send(int(fd), data, size, kSendFlags);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        error = errno;
    return n;
}

std::ptrdiff_t sendFile(NativeSocket out, int fileDescriptor, std::int64_t offset, std::size_t count, int &error) noexcept
{
#if defined(__linux__)
    off_t position = off_t(offset);
    ssize_t n;
    do {
        n = ::sendfile(int(out), fileDescriptor, &position, count);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        error = errno;
    return n;
#else
    Q_UNUSED(out);
    Q_UNUSED(fileDescriptor);
    Q_UNUSED(offset);
    Q_UNUSED(count);
    error = ENOSYS;
    return -1;
#endif
}

bool isSendFileUnsupported(int error) noexcept
{
    return error == ENOSYS || error == EINVAL || error == ENOTSOCK || error == EOPNOTSUPP;
}

static bool optionLevelName(SocketOption option, int &level, int &name)
{
    switch (option) {
    case SocketOption::ReuseAddress:
        level = SOL_SOCKET, name = SO_REUSEADDR;
        return true;
    case SocketOption::ReusePort:
#if defined(SO_REUSEPORT)
        level = SOL_SOCKET, name = SO_REUSEPORT;
        return true;
#else
        return false;
#endif
    case SocketOption::KeepAlive:
        level = SOL_SOCKET, name = SO_KEEPALIVE;
        return true;
    case SocketOption::NoDelay:
        level = IPPROTO_TCP, name = TCP_NODELAY;
        return true;
    case SocketOption::Broadcast:
        level = SOL_SOCKET, name = SO_BROADCAST;
        return true;
    case SocketOption::IPv6Only:
        level = IPPROTO_IPV6, name = IPV6_V6ONLY;
        return true;
    case SocketOption::ReceiveBuffer:
        level = SOL_SOCKET, name = SO_RCVBUF;
        return true;
    case SocketOption::SendBuffer:
        level = SOL_SOCKET, name = SO_SNDBUF;
        return true;
    }
    return false;
}

int setSocketOption(NativeSocket fd, SocketOption option, int value) noexcept
{
    int level = 0, name = 0;
    if (!optionLevelName(option, level, name))
        return ENOPROTOOPT;
    if (::setsockopt(int(fd), level, name, &value, sizeof(value)) < 0)
        return errno;
    return 0;
}

int socketOption(NativeSocket fd, SocketOption option, int &value) noexcept
{
    int level = 0, name = 0;
    if (!optionLevelName(option, level, name))
        return ENOPROTOOPT;
    socklen_t length = sizeof(value);
    if (::getsockopt(int(fd), level, name, &value, &length) < 0)
        return errno;
    return 0;
}

int setRawOption(NativeSocket fd, int level, int name, const void *value, std::size_t size) noexcept
{
    if (::setsockopt(int(fd), level, name, value, socklen_t(size)) < 0)
        return errno;
    return 0;
}

int rawOption(NativeSocket fd, int level, int name, void *value, std::size_t *size) noexcept
{
    socklen_t length = socklen_t(*size);
    if (::getsockopt(int(fd), level, name, value, &length) < 0)
        return errno;
    *size = length;
    return 0;
}

int removeStaleUnixSocket(const QString &path, bool &wasSocket) noexcept
{
    wasSocket = false;
    const QByteArray native = QFile::encodeName(path);
    struct stat info{};
    if (::stat(native.constData(), &info) < 0)
        return errno == ENOENT ? 0 : errno;
    if (!S_ISSOCK(info.st_mode))
        return 0;
    wasSocket = true;
    if (::unlink(native.constData()) < 0 && errno != ENOENT)
        return errno;
    return 0;
}

} // namespace qaio::detail::sys
