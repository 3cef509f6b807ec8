// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file dns.h
    Name resolution types for EventLoop::getaddrinfo() and EventLoop::getnameinfo().

    Both run the system resolver on the loop's default executor, so the Qt thread never
    blocks on DNS. Results keep the resolver's order (which follows RFC 6724 on glibc).
    Only stream and datagram entries are returned (asyncio would also list SOCK_RAW ones,
    which no qaio socket can use). Address literals ("127.0.0.1", "::1", "fe80::1%eth0")
    are accepted as hosts; non-ASCII names are sent in their IDNA form.

    \code
    const std::vector<qaio::AddrInfo> infos =
        co_await loop.getaddrinfo("example.org", "https", {.type = qaio::SocketType::Stream});
    for (const qaio::AddrInfo &info : infos)
        qDebug() << info.address.toString();
    auto [host, service] = co_await loop.getnameinfo(infos.front().address, qaio::NameInfoFlag::NumericService);
    \endcode

    Errors: a resolver failure throws GaiError (oserror.h) whose errorCode() is the EAI_*
    code and whose message names the host and the resolver's reason; EAI_SYSTEM throws the
    OSError of the underlying errno instead, as CPython does. An empty host and service, or
    an invalid address for getnameinfo(), throw ValueError.
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/platform/socketaddress.h>

#include <QtCore/QString>

#include <optional>
#include <vector>

namespace qaio {

/*! Flags for getaddrinfo() (portable names of AI_*). Combine with |. */
namespace AddrInfoFlag {
enum : int {
    Passive = 0x01,        // AI_PASSIVE: addresses to bind (host empty = any)
    CanonicalName = 0x02,  // AI_CANONNAME: fill AddrInfo::canonicalName of the first result
    NumericHost = 0x04,    // AI_NUMERICHOST: host must be a literal address, no lookup
    NumericService = 0x08, // AI_NUMERICSERV: service must be a port number
    AddressConfig = 0x10,  // AI_ADDRCONFIG: only families configured on this host
    V4Mapped = 0x20,       // AI_V4MAPPED
    All = 0x40,            // AI_ALL
};
}

/*! Flags for getnameinfo() (portable names of NI_*). Combine with |. */
namespace NameInfoFlag {
enum : int {
    NumericHost = 0x01,    // NI_NUMERICHOST
    NumericService = 0x02, // NI_NUMERICSERV
    NameRequired = 0x04,   // NI_NAMEREQD: fail instead of returning a numeric host
    Datagram = 0x08,       // NI_DGRAM: the service is UDP
    NoFqdn = 0x10,         // NI_NOFQDN
};
}

struct AddrInfoHints
{
    AddressFamily family = AddressFamily::Unspecified;
    std::optional<SocketType> type; // any when unset
    int protocol = 0;
    int flags = 0; // AddrInfoFlag values
};

/*! One getaddrinfo() result: asyncio's (family, type, proto, canonname, sockaddr). */
struct AddrInfo
{
    AddressFamily family = AddressFamily::Unspecified;
    SocketType type = SocketType::Stream;
    int protocol = 0;
    QString canonicalName;
    SocketAddress address;
};

struct NameInfo
{
    QString host;
    QString service;
};

namespace detail::sys {
/*! Blocking resolver calls (run on an executor thread). Throw GaiError. */
QAIO_EXPORT std::vector<AddrInfo> resolveBlocking(const QString &host, const QString &service, const AddrInfoHints &hints);
QAIO_EXPORT NameInfo reverseResolveBlocking(const SocketAddress &address, int flags);
} // namespace detail::sys

} // namespace qaio
