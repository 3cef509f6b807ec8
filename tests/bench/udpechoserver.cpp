// Copyright (c) qaio authors. Licensed under the MIT license.
// The three UDP echo servers of the udp benchmark: a bare epoll recvfrom/sendto loop (the
// reference), qaio's DatagramProtocol, and QUdpSocket.
#include "echoserver.h"

#ifdef __linux__

#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QSocketNotifier>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QNetworkDatagram>
#include <QtNetwork/QUdpSocket>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

namespace qaiobench {

namespace {

void announceUdp(const EchoServerOptions &options, const char *impl, quint16 port)
{
    if (options.child)
        std::printf("listening %u\n", unsigned(port));
    else
        std::printf("%s UDP echo server on 127.0.0.1:%u (SIGINT/SIGTERM to stop)\n", impl, unsigned(port));
    std::fflush(stdout);
}

int runUdpRef(const EchoServerOptions &options, int stopFd)
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(options.port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        std::perror("qaio-bench: UDP socket");
        return 1;
    }
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    if (stopFd >= 0) {
        ev.data.fd = stopFd;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, stopFd, &ev);
    }
    announceUdp(options, "reference (epoll)", ntohs(address.sin_port));
    char buffer[64 * 1024];
    epoll_event events[16];
    for (;;) {
        const int n = ::epoll_wait(ep, events, 16, -1);
        if (n < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < n; ++i) {
            if (events[i].data.fd == stopFd) {
                ::close(fd);
                ::close(ep);
                return 0;
            }
            // Drain what is queued: one recvfrom() and one sendto() per datagram.
            for (;;) {
                sockaddr_storage from{};
                socklen_t fromLength = sizeof from;
                const ssize_t got =
                    ::recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr *>(&from), &fromLength);
                if (got < 0)
                    break;
                ::sendto(fd, buffer, std::size_t(got), 0, reinterpret_cast<sockaddr *>(&from), fromLength);
            }
        }
    }
}

class UdpEchoProtocol : public qaio::DatagramProtocol
{
public:
    void datagramReceived(QByteArrayView data, const qaio::SocketAddress &from) override
    {
        transport()->sendto(data, from);
    }
};

int runUdpQaio(const EchoServerOptions &options, int stopFd)
{
    qaio::EventLoop loop;
    auto factory = [] { return std::make_unique<UdpEchoProtocol>(); };
    qaio::DatagramEndpoint<UdpEchoProtocol> endpoint;
    try {
        endpoint = loop.runUntilComplete(loop.createDatagramEndpoint(
            factory, {.localAddr = qaio::HostAndPort{QStringLiteral("127.0.0.1"), options.port}}));
    } catch (const std::exception &e) {
        std::fprintf(stderr, "qaio-bench: %s\n", e.what());
        return 1;
    }
    if (stopFd >= 0) {
        loop.addReader(stopFd, [&loop, stopFd] {
            char drain[16];
            while (::read(stopFd, drain, sizeof drain) > 0) {
            }
            loop.stop();
        });
    }
    const auto local = endpoint.transport->extraInfo(QStringLiteral("sockname")).value<qaio::SocketAddress>();
    announceUdp(options, "qaio", local.port());
    loop.runForever();
    if (stopFd >= 0)
        loop.removeReader(stopFd);
    endpoint.transport->close();
    endpoint = {};
    loop.close();
    return 0;
}

int runUdpQt(const EchoServerOptions &options, int stopFd)
{
    QUdpSocket socket;
    if (!socket.bind(QHostAddress::LocalHost, options.port)) {
        std::fprintf(stderr, "qaio-bench: bind: %s\n", qPrintable(socket.errorString()));
        return 1;
    }
    QObject::connect(&socket, &QUdpSocket::readyRead, &socket, [&socket] {
        while (socket.hasPendingDatagrams()) {
            const QNetworkDatagram datagram = socket.receiveDatagram();
            socket.writeDatagram(datagram.data(), datagram.senderAddress(), quint16(datagram.senderPort()));
        }
    });
    std::unique_ptr<QSocketNotifier> stop;
    if (stopFd >= 0) {
        stop = std::make_unique<QSocketNotifier>(stopFd, QSocketNotifier::Read);
        QObject::connect(stop.get(), &QSocketNotifier::activated, stop.get(), [] { QCoreApplication::quit(); });
    }
    announceUdp(options, "Qt (QUdpSocket)", socket.localPort());
    QCoreApplication::exec();
    return 0;
}

} // namespace

int runUdpEchoServer(const EchoServerOptions &options, int stopFd)
{
    switch (options.impl) {
    case EchoImpl::Ref:
        return runUdpRef(options, stopFd);
    case EchoImpl::Qt:
        return runUdpQt(options, stopFd);
    case EchoImpl::Qaio:
        break;
    }
    return runUdpQaio(options, stopFd);
}

} // namespace qaiobench

#else

#include <cstdio>

namespace qaiobench {

int runUdpEchoServer(const EchoServerOptions &, int)
{
    std::fprintf(stderr, "qaio-bench echo-server --udp: not supported on this platform\n");
    return 1;
}

} // namespace qaiobench

#endif
