// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/platform/socketaddress.h>

#include <qaio/platform/socketops_p.h>
#include <qaio/base/errors.h>

#include <QtCore/QFile>
#include <QtNetwork/QNetworkInterface>

#include <arpa/inet.h>
#include <cstddef>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace qaio {

static_assert(sizeof(sockaddr_storage) <= SocketAddress::capacity(), "SocketAddress storage too small");

SocketAddress::SocketAddress(const QHostAddress &host, quint16 port)
{
    if (host.protocol() == QAbstractSocket::IPv4Protocol) {
        auto *in = reinterpret_cast<sockaddr_in *>(m_storage.data());
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(host.toIPv4Address());
        m_length = sizeof(sockaddr_in);
    } else if (host.protocol() == QAbstractSocket::IPv6Protocol) {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(m_storage.data());
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        const Q_IPV6ADDR bytes = host.toIPv6Address();
        std::memcpy(&in6->sin6_addr, &bytes, sizeof(bytes));
        // The scope is an interface name ("fe80::1%eth0") or index ("fe80::1%2").
        const QString scopeId = host.scopeId();
        if (!scopeId.isEmpty()) {
            bool isNumericScope = false;
            const uint scope = scopeId.toUInt(&isNumericScope);
            in6->sin6_scope_id = isNumericScope ? scope : uint(QNetworkInterface::interfaceIndexFromName(scopeId));
        }
        m_length = sizeof(sockaddr_in6);
    } else {
        throw ValueError(QStringLiteral("host: '%1' is not an IPv4 or IPv6 address (QHostAddress::Any is both: use "
                                        "AnyIPv4 or AnyIPv6)")
                             .arg(host.toString()));
    }
}

SocketAddress SocketAddress::fromUnixPath(const QString &path)
{
    const QByteArray native = QFile::encodeName(path);
    SocketAddress a;
    auto *un = reinterpret_cast<sockaddr_un *>(a.m_storage.data());
    if (native.isEmpty() || std::size_t(native.size()) >= sizeof(un->sun_path))
        throw ValueError(QStringLiteral("path: '%1' is empty or longer than %2 bytes, the limit of a Unix socket address")
                             .arg(path)
                             .arg(sizeof(un->sun_path) - 1));
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, native.constData(), std::size_t(native.size()));
    a.m_length = offsetof(sockaddr_un, sun_path) + std::size_t(native.size()) + 1;
    return a;
}

SocketAddress SocketAddress::fromAbstractName(const QByteArray &name)
{
#if defined(__linux__)
    SocketAddress a;
    auto *un = reinterpret_cast<sockaddr_un *>(a.m_storage.data());
    if (std::size_t(name.size()) + 1 > sizeof(un->sun_path))
        throw ValueError(QStringLiteral("name: abstract socket name longer than %1 bytes").arg(sizeof(un->sun_path) - 1));
    un->sun_family = AF_UNIX;
    un->sun_path[0] = '\0';
    std::memcpy(un->sun_path + 1, name.constData(), std::size_t(name.size()));
    a.m_length = offsetof(sockaddr_un, sun_path) + 1 + std::size_t(name.size());
    return a;
#else
    Q_UNUSED(name);
    throw NotImplementedError("abstract Unix socket names exist only on Linux");
#endif
}

SocketAddress SocketAddress::fromNative(const void *sockaddr, std::size_t length)
{
    SocketAddress a;
    length = std::min(length, capacity());
    std::memcpy(a.m_storage.data(), sockaddr, length);
    a.m_length = length;
    return a;
}

AddressFamily SocketAddress::family() const
{
    if (m_length < sizeof(sa_family_t))
        return AddressFamily::Unspecified;
    return detail::sys::familyFromNative(reinterpret_cast<const sockaddr *>(m_storage.data())->sa_family);
}

QHostAddress SocketAddress::host() const
{
    const AddressFamily f = family();
    if (f != AddressFamily::IPv4 && f != AddressFamily::IPv6)
        return {};
    QHostAddress address(reinterpret_cast<const sockaddr *>(m_storage.data()));
    // QHostAddress(sockaddr *) drops the IPv6 scope, which a link-local address needs.
    if (f == AddressFamily::IPv6) {
        const uint scope = reinterpret_cast<const sockaddr_in6 *>(m_storage.data())->sin6_scope_id;
        if (scope != 0) {
            const QString name = QNetworkInterface::interfaceNameFromIndex(int(scope));
            address.setScopeId(name.isEmpty() ? QString::number(scope) : name);
        }
    }
    return address;
}

quint16 SocketAddress::port() const
{
    switch (family()) {
    case AddressFamily::IPv4:
        return ntohs(reinterpret_cast<const sockaddr_in *>(m_storage.data())->sin_port);
    case AddressFamily::IPv6:
        return ntohs(reinterpret_cast<const sockaddr_in6 *>(m_storage.data())->sin6_port);
    default:
        return 0;
    }
}

static QByteArray unixPathBytes(const unsigned char *storage, std::size_t length)
{
    const auto *un = reinterpret_cast<const sockaddr_un *>(storage);
    const std::size_t offset = offsetof(sockaddr_un, sun_path);
    if (length <= offset)
        return {};
    QByteArray bytes(un->sun_path, qsizetype(length - offset));
    return bytes;
}

bool SocketAddress::isAbstract() const
{
    if (family() != AddressFamily::Unix)
        return false;
    const QByteArray bytes = unixPathBytes(m_storage.data(), m_length);
    return !bytes.isEmpty() && bytes.at(0) == '\0';
}

QByteArray SocketAddress::abstractName() const
{
    return isAbstract() ? unixPathBytes(m_storage.data(), m_length).mid(1) : QByteArray();
}

QString SocketAddress::path() const
{
    if (family() != AddressFamily::Unix || isAbstract())
        return {};
    QByteArray bytes = unixPathBytes(m_storage.data(), m_length);
    const qsizetype nul = bytes.indexOf('\0');
    if (nul >= 0)
        bytes.truncate(nul);
    return QFile::decodeName(bytes);
}

QString SocketAddress::toString() const
{
    switch (family()) {
    case AddressFamily::IPv4:
        return QStringLiteral("%1:%2").arg(host().toString()).arg(port());
    case AddressFamily::IPv6:
        return QStringLiteral("[%1]:%2").arg(host().toString()).arg(port());
    case AddressFamily::Unix:
        return isAbstract() ? QStringLiteral("@%1").arg(QString::fromUtf8(abstractName())) : path();
    case AddressFamily::Unspecified:
        break;
    }
    return {};
}

bool operator==(const SocketAddress &a, const SocketAddress &b) noexcept
{
    return a.m_length == b.m_length && std::memcmp(a.m_storage.data(), b.m_storage.data(), a.m_length) == 0;
}

} // namespace qaio
