// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// Making a connection's transport and protocol, plain (eventloop_connections.cpp) or TLS
// (eventloop_tls.cpp): what createConnection(), createUnixConnection(),
// connectAcceptedSocket(), the servers and startTls() share.

#include <qaio/base/clock.h>
#include <qaio/net/connectionoptions.h>
#include <qaio/net/socket.h>
#include <qaio/platform/socketaddress.h>
#include <qaio/tasks/coro.h>
#include <qaio/tls/detail/sslprotocol_p.h>
#include <qaio/tls/sslcontext.h>

#include <QtCore/QString>

#include <optional>

namespace qaio {
class EventLoop;
}

namespace qaio::detail {

/*! asyncio's _create_connection_transport(): the protocol, the transport on \a sock, and
    the wait for connectionMade() (a failed or cancelled wait closes the transport). */
Coro<Connection<BaseProtocol>> makeConnection(EventLoop &loop, Socket sock, ProtocolFactory factory,
                                             SocketAddress peer = {});

/*! The same with TLS: the plain transport gets the TLS protocol, the application's
    protocol the TLS transport; returns once the handshake is done (a failed or cancelled
    handshake aborts the connection). */
Coro<Connection<BaseProtocol>> makeTlsConnection(EventLoop &loop, Socket sock, ProtocolFactory factory,
                                                SslContext context, SslOptions options);

/*! A server's factory serving each connection over TLS with \a context; a handshake that
    fails closes that connection (logged in debug mode). */
ProtocolFactory tlsServerFactory(EventLoop &loop, ProtocolFactory factory, SslContext context, SslOptions options);

/*! The client side's TLS options: \a serverHostname (empty: none, then \a missingName is
    the ValueError when \a context checks host names) and the timeouts (ValueError
    "ssl_handshake_timeout should be a positive number, got 0"). */
SslOptions checkedClientTlsOptions(const SslContext &context, QString serverHostname,
                                   const std::optional<Delay> &handshakeTimeout,
                                   const std::optional<Delay> &shutdownTimeout, const char *missingName);
/*! The server side's: the timeouts only. */
SslOptions checkedServerTlsOptions(const std::optional<Delay> &handshakeTimeout,
                                   const std::optional<Delay> &shutdownTimeout);

} // namespace qaio::detail
