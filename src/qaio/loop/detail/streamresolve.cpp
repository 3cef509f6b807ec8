// Copyright (c) qaio authors. Licensed under the MIT license.
// Name resolution for createConnection(), createServer() and createDatagramEndpoint(): the
// facade's, as the DNS is.
#include <qaio/loop/detail/streamresolve_p.h>

#include <qaio/loop/eventloop.h>

#include <QtNetwork/QHostAddress>

namespace qaio::detail {

namespace {
thread_local ResolveOverride t_resolveOverride;
} // namespace

void setResolveOverrideForTesting(ResolveOverride override)
{
    t_resolveOverride = std::move(override);
}

Coro<std::vector<AddrInfo>> resolveStream(EventLoop &loop, QString host, quint16 port, AddressFamily family,
                                          int protocol, int flags, SocketType type)
{
    if (t_resolveOverride) {
        std::optional<std::vector<AddrInfo>> replaced = t_resolveOverride(host, port);
        if (replaced)
            co_return std::move(*replaced);
    }
    // asyncio's _ipaddr_info(): a literal address needs no resolver round trip.
    QHostAddress literal;
    if (!host.isEmpty() && !host.contains(QLatin1Char('%')) && literal.setAddress(host)) {
        const AddressFamily literalFamily =
            literal.protocol() == QAbstractSocket::IPv6Protocol ? AddressFamily::IPv6 : AddressFamily::IPv4;
        if (family == AddressFamily::Unspecified || family == literalFamily) {
            AddrInfo info;
            info.family = literalFamily;
            info.type = type;
            info.protocol = protocol;
            info.address = SocketAddress(literal, port);
            co_return std::vector<AddrInfo>{info};
        }
    }
    AddrInfoHints hints;
    hints.family = family;
    hints.type = type;
    hints.protocol = protocol;
    hints.flags = flags;
    Coro<std::vector<AddrInfo>> resolving = loop.getaddrinfo(host, QString::number(port), hints);
    co_return co_await std::move(resolving);
}

} // namespace qaio::detail
