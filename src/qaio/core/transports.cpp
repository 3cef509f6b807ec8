// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/transports.h>

namespace qaio {

BaseTransport::~BaseTransport() = default;

QVariant BaseTransport::extraInfo(const QString &, const QVariant &defaultValue) const
{
    return defaultValue;
}

SocketAddress BaseTransport::peerAddress() const
{
    return extraInfo(QStringLiteral("peername")).value<SocketAddress>();
}

SocketAddress BaseTransport::localAddress() const
{
    return extraInfo(QStringLiteral("sockname")).value<SocketAddress>();
}

qintptr BaseTransport::socketDescriptor() const
{
    const QVariant fd = extraInfo(QStringLiteral("socket"));
    return fd.isValid() ? fd.value<qintptr>() : -1;
}

} // namespace qaio
