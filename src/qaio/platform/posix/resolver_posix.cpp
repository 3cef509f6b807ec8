// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/platform/dns.h>

#include <qaio/platform/socketops_p.h>
#include <qaio/platform/oserror.h>

#include <QtCore/QUrl>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <netdb.h>
#include <sys/socket.h>

namespace qaio::detail::sys {

static int nativeAddrInfoFlags(int flags)
{
    int native = 0;
    if (flags & AddrInfoFlag::Passive)
        native |= AI_PASSIVE;
    if (flags & AddrInfoFlag::CanonicalName)
        native |= AI_CANONNAME;
    if (flags & AddrInfoFlag::NumericHost)
        native |= AI_NUMERICHOST;
    if (flags & AddrInfoFlag::NumericService)
        native |= AI_NUMERICSERV;
    if (flags & AddrInfoFlag::AddressConfig)
        native |= AI_ADDRCONFIG;
    if (flags & AddrInfoFlag::V4Mapped)
        native |= AI_V4MAPPED;
    if (flags & AddrInfoFlag::All)
        native |= AI_ALL;
    return native;
}

static int nativeNameInfoFlags(int flags)
{
    int native = 0;
    if (flags & NameInfoFlag::NumericHost)
        native |= NI_NUMERICHOST;
    if (flags & NameInfoFlag::NumericService)
        native |= NI_NUMERICSERV;
    if (flags & NameInfoFlag::NameRequired)
        native |= NI_NAMEREQD;
    if (flags & NameInfoFlag::Datagram)
        native |= NI_DGRAM;
    if (flags & NameInfoFlag::NoFqdn)
        native |= NI_NOFQDN;
    return native;
}

// EAI_SYSTEM means "look at errno": that is an OSError of its own, as CPython raises it.
// errno is read by the caller right after the resolver returned, before anything else
// (building the message allocates) can overwrite it.
[[noreturn]] static void throwResolverError(int code, int systemError, const QString &context)
{
    if (code == EAI_SYSTEM && systemError != 0)
        throwOSError(systemError, context);
    throw GaiError(code, context);
}

std::vector<AddrInfo> resolveBlocking(const QString &host, const QString &service, const AddrInfoHints &hints)
{
    // Internationalised names go to the resolver in their ASCII (IDNA) form, as Python does.
    // ASCII hosts go as they are: QUrl::toAce() rejects address literals such as "::1" or
    // "fe80::1%eth0", and a malformed ASCII name is for the resolver to refuse (GaiError).
    QByteArray hostBytes;
    if (!host.isEmpty()) {
        const bool ascii = std::all_of(host.cbegin(), host.cend(), [](QChar c) { return c.unicode() < 0x80; });
        hostBytes = ascii ? host.toLatin1() : QUrl::toAce(host);
        if (hostBytes.isEmpty())
            throw ValueError(QStringLiteral("host: '%1' is not a valid host name").arg(host));
    }
    const QByteArray serviceBytes = service.toUtf8();
    addrinfo request{};
    request.ai_family = nativeFamily(hints.family);
    request.ai_socktype = !hints.type ? 0 : *hints.type == SocketType::Datagram ? SOCK_DGRAM : SOCK_STREAM;
    request.ai_protocol = hints.protocol;
    request.ai_flags = nativeAddrInfoFlags(hints.flags);
    addrinfo *results = nullptr;
    const int code = ::getaddrinfo(host.isEmpty() ? nullptr : hostBytes.constData(),
                                   service.isEmpty() ? nullptr : serviceBytes.constData(), &request, &results);
    const int systemError = errno;
    if (code != 0)
        throwResolverError(code, systemError, QStringLiteral("getaddrinfo('%1', '%2')").arg(host, service));
    const std::unique_ptr<addrinfo, void (*)(addrinfo *)> owner(results, ::freeaddrinfo);
    std::vector<AddrInfo> infos;
    for (const addrinfo *ai = results; ai; ai = ai->ai_next) {
        const AddressFamily family = familyFromNative(ai->ai_family);
        if (family == AddressFamily::Unspecified)
            continue; // a family qaio cannot use
        if (ai->ai_socktype != SOCK_STREAM && ai->ai_socktype != SOCK_DGRAM)
            continue; // SOCK_RAW & co.: qaio has no such socket type, and labelling them Stream made duplicates
        AddrInfo info;
        info.family = family;
        info.type = ai->ai_socktype == SOCK_DGRAM ? SocketType::Datagram : SocketType::Stream;
        info.protocol = ai->ai_protocol;
        if (ai->ai_canonname)
            info.canonicalName = QString::fromUtf8(ai->ai_canonname);
        info.address = SocketAddress::fromNative(ai->ai_addr, ai->ai_addrlen);
        infos.push_back(std::move(info));
    }
    return infos;
}

NameInfo reverseResolveBlocking(const SocketAddress &address, int flags)
{
    if (!address.isValid())
        throw ValueError("address: getnameinfo() needs a valid address");
    char host[NI_MAXHOST];
    char service[NI_MAXSERV];
    const int code = ::getnameinfo(static_cast<const sockaddr *>(address.nativeData()), socklen_t(address.nativeSize()),
                                   host, sizeof(host), service, sizeof(service), nativeNameInfoFlags(flags));
    const int systemError = errno;
    if (code != 0)
        throwResolverError(code, systemError, QStringLiteral("getnameinfo(%1)").arg(address.toString()));
    return NameInfo{QString::fromUtf8(host), QString::fromUtf8(service)};
}

} // namespace qaio::detail::sys
