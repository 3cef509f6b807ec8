// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QString>

#include <functional>

namespace qaiobench {

/*! The echo servers the benchmarks compare. */
enum class EchoImpl {
    Qaio, // qaio's Protocol: createServer(), dataReceived() -> transport->write()
    Ref,  // the reference: a bare level-triggered epoll loop, read into one buffer, write back
    Qt    // QTcpServer/QTcpSocket: readyRead -> readAll() -> write()
};

struct EchoServerOptions
{
    quint16 port = 0;   // 0: an ephemeral port (printed)
    QString unixPath;   // serve on this Unix socket instead of TCP (qaio and ref only)
    EchoImpl impl = EchoImpl::Qaio;
    bool child = false; // started by `echo`/`idle`: prints "listening PORT", no signal pipe
    int cpu = -1;       // pin to this CPU (>= 0)
    bool control = false; // answer "stats" lines on standard input (qaio only)
    int backlog = 1024;
    bool udp = false;     // a UDP echo (each datagram back to its sender) instead of TCP
    QString tlsCert, tlsKey; // TLS with this certificate chain and key (PEM files), TCP only
};

/*! `qaio-bench echo-server`: serves until SIGINT/SIGTERM (exit code 0), or until killed
    when options.child. Returns the exit code. Needs a QCoreApplication. */
int runEchoServer(const EchoServerOptions &options);

/*! The UDP echo servers (udpechoserver.cpp), started by runEchoServer() for options.udp
    once signals and pinning are set up. \a stopFd becomes readable on SIGINT/SIGTERM
    (-1 for a child, which is killed). */
int runUdpEchoServer(const EchoServerOptions &options, int stopFd);

/*! The reference TLS echo (tlsrefserver.cpp): bare epoll and OpenSSL on memory BIOs.
    Calls \a announce with the port once listening. */
int runRefTls(const EchoServerOptions &options, int stopFd, const std::function<void(quint16)> &announce);

} // namespace qaiobench
