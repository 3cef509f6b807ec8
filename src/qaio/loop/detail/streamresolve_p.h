// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/base/qaioglobal.h>
#include <qaio/platform/dns.h>
#include <qaio/tasks/coro.h>

#include <QtCore/QString>

#include <functional>
#include <optional>
#include <vector>

namespace qaio {
class EventLoop;
}

namespace qaio::detail {

/*! Replaces name resolution in createConnection(), createServer() and createDatagramEndpoint() (tests only: e.g. a
    host with an unanswering address first, for Happy Eyeballs). Returning nothing means
    "resolve normally". Pass an empty function to remove it. Loop thread only. */
using ResolveOverride = std::function<std::optional<std::vector<AddrInfo>>(const QString &host, quint16 port)>;
QAIO_EXPORT void setResolveOverrideForTesting(ResolveOverride override);

/*! Resolves \a host : \a port for a socket of \a type (a stream socket unless said) as
    asyncio's _ensure_resolved(): an address literal without the resolver, anything else
    with getaddrinfo(). */
Coro<std::vector<AddrInfo>> resolveStream(EventLoop &loop, QString host, quint16 port, AddressFamily family,
                                          int protocol, int flags, SocketType type = SocketType::Stream);

} // namespace qaio::detail
