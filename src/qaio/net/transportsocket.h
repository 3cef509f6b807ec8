// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file transportsocket.h
    The socket behind a socket transport: its addresses and descriptor, read through
    BaseTransport::extraInfo() ("peername", "sockname", "socket"), as asyncio's
    transport.get_extra_info(). Other transports (pipes, subprocesses) have no socket:
    the addresses come back invalid and the descriptor -1.

    \code
    auto [transport, protocol] = co_await loop.createConnection(factory, "example.org", 80);
    qDebug() << "connected to" << qaio::peerAddress(*transport).toString()
             << "from" << qaio::localAddress(*transport).toString();
    \endcode
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/platform/socketaddress.h>

namespace qaio {

class BaseTransport;

/*! The peer's address (extraInfo("peername")); invalid if unknown. */
QAIO_EXPORT SocketAddress peerAddress(const BaseTransport &transport);
/*! The local address (extraInfo("sockname")); invalid if unknown. */
QAIO_EXPORT SocketAddress localAddress(const BaseTransport &transport);
/*! The socket's descriptor (extraInfo("socket")), or -1. */
QAIO_EXPORT qintptr socketDescriptor(const BaseTransport &transport);

} // namespace qaio
