// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// Argument checks shared by createConnection() & co. and createServer() & co.
// (loop/eventloop_connections.cpp, loop/eventloop_servers.cpp).

#include <qaio/net/socket.h>

#include <QtCore/QString>

namespace qaio::detail {

/*! "<qaio::Socket fd=5, family=IPv4, type=Datagram>", for error messages. */
QString describeSocket(const Socket &sock);

/*! asyncio's checks of the TLS arguments: throws ValueError for a TLS-only option
    without ssl. */
void checkTlsOptions(bool ssl, bool serverHostname, bool handshakeTimeout, bool shutdownTimeout);

} // namespace qaio::detail
