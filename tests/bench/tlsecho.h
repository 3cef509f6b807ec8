// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include "echo.h"

namespace qaiobench {

/*! echo's options: --conns, --size, --count (round trips per connection for tls-echo,
    connections for tls-handshake), --repeat, --only. */
using TlsEchoOptions = EchoOptions;

/*! `qaio-bench tls-echo`: the reference (epoll + OpenSSL memory BIOs), qaio and QSslServer
    TLS echo servers, each in a child process pinned to CPU 0, driven in turn by one
    OpenSSL client on CPU 1 (TLS 1.3, the connections' handshakes before the clock
    starts); prints each server's CPU time per round trip, tls_cpu_ratio (qaio / ref) and
    qsslsocket_cpu_ratio (qaio / Qt). Returns the exit code. */
int runTlsEcho(const TlsEchoOptions &options);

/*! `qaio-bench tls-handshake`: count new connections, one after the other, each with a
    full TLS 1.3 handshake and a one-byte round trip, then as many resuming the first
    session (tickets); prints each server's CPU time per connection and the ratios
    (tls_handshake_ratio, tls_resumed_ratio: ref / qaio, so higher is better for qaio,
    as handshakes per second). */
int runTlsHandshake(const TlsEchoOptions &options);

} // namespace qaiobench
