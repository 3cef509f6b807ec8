// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/net/transportsocket.h>

#include <qaio/core/transports.h>

namespace qaio {

SocketAddress peerAddress(const BaseTransport &transport)
{
    return transport.extraInfo(QStringLiteral("peername")).value<SocketAddress>();
}

SocketAddress localAddress(const BaseTransport &transport)
{
    return transport.extraInfo(QStringLiteral("sockname")).value<SocketAddress>();
}

qintptr socketDescriptor(const BaseTransport &transport)
{
    const QVariant fd = transport.extraInfo(QStringLiteral("socket"));
    return fd.isValid() ? fd.value<qintptr>() : -1;
}

} // namespace qaio
