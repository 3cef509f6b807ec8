// Copyright (c) qaio authors. Licensed under the MIT license.
// The udp benchmark: server CPU time per echoed datagram of qaio's DatagramProtocol
// against a bare epoll recvfrom/sendto loop and against QUdpSocket.
#include "udp.h"

#ifdef __linux__

#include "benchprocess.h"

#include <QtCore/QStringList>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <limits>
#include <stdexcept>
#include <vector>

namespace qaiobench {

namespace {

struct Server
{
    const char *name; // figure prefix and --impl value
    bool enabled;
    double bestCpuNs = std::numeric_limits<double>::infinity();
    double bestRate = 0;
    std::uint64_t lost = 0;
};

double nowSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

/*! Keeps options.window datagrams in flight to 127.0.0.1:port until \a count have come
    back. A window lost on the way (no answer for 200 ms) is sent again and counted.
    Returns the wall time. */
double pump(int fd, std::uint64_t count, const UdpOptions &options, std::uint64_t &lost)
{
    std::vector<char> payload(options.size, 'u');
    std::vector<char> buffer(options.size + 64);
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    const double start = nowSeconds();
    auto sendOne = [&] {
        if (::send(fd, payload.data(), payload.size(), 0) != ssize_t(payload.size()))
            throw std::runtime_error("udp client: send failed");
        ++sent;
    };
    while (sent < std::min<std::uint64_t>(count, options.window))
        sendOne();
    while (received < count) {
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n >= 0) {
            ++received;
            if (sent < count)
                sendOne();
            continue;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) == 0) {
            // Lost on loopback (a full socket buffer): put the window back in flight.
            lost += sent - received;
            sent = received;
            while (sent < count && sent - received < options.window)
                sendOne();
        }
    }
    return nowSeconds() - start;
}

void measure(Server &server, const UdpOptions &options)
{
    ServerProcess process;
    process.start({QStringLiteral("--udp"), QStringLiteral("--impl"), QLatin1String(server.name),
                   QStringLiteral("--cpu"), QStringLiteral("0")});
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(process.port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        throw std::runtime_error("udp client: cannot connect its socket");
    try {
        std::uint64_t lost = 0;
        pump(fd, std::min<std::uint64_t>(options.count, 1000), options, lost); // warm-up
        lost = 0;
        const std::uint64_t before = process.cpuNs();
        const double wall = pump(fd, options.count, options, lost);
        const std::uint64_t after = process.cpuNs();
        server.bestCpuNs = std::min(server.bestCpuNs, double(after - before) / double(options.count));
        if (wall > 0)
            server.bestRate = std::max(server.bestRate, double(options.count) / wall);
        server.lost += lost;
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    process.stop();
}

} // namespace

int runUdp(const UdpOptions &options)
{
    if (!pinToCpu(1))
        std::fprintf(stderr, "note: could not pin the client to CPU 1; running unpinned\n");
    std::fprintf(stderr, "note: udp count=%llu size=%zu window=%zu repeat=%d, %s\n",
                 (unsigned long long)options.count, options.size, options.window, options.repeat,
                 describeDispatch().c_str());
    Server servers[] = {{"ref", options.ref}, {"qaio", options.qaio}, {"qt", options.qt}};
    try {
        for (int r = 0; r < options.repeat; ++r) // interleaved: a slow phase hits all three
            for (Server &server : servers)
                if (server.enabled)
                    measure(server, options);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "qaio-bench udp: %s\n", e.what());
        return 1;
    }
    for (const Server &server : servers)
        if (server.enabled)
            std::printf("udp_%s_cpu_ns_per_dgram %.1f\n", server.name, server.bestCpuNs);
    if (servers[0].enabled && servers[1].enabled)
        std::printf("udp_cpu_ratio %.3f\n", servers[1].bestCpuNs / servers[0].bestCpuNs);
    if (servers[0].enabled && servers[2].enabled)
        std::printf("qudpsocket_cpu_ratio %.3f\n", servers[2].bestCpuNs / servers[0].bestCpuNs);
    for (const Server &server : servers)
        if (server.enabled)
            std::printf("udp_%s_dgram_per_s %.0f\n", server.name, server.bestRate);
    for (const Server &server : servers)
        if (server.enabled && server.lost)
            std::fprintf(stderr, "note: %s: %llu datagrams lost and sent again\n", server.name,
                         (unsigned long long)server.lost);
    return 0;
}

} // namespace qaiobench

#else

#include <cstdio>

namespace qaiobench {

int runUdp(const UdpOptions &)
{
    std::fprintf(stderr, "qaio-bench udp: not supported on this platform\n");
    return 1;
}

} // namespace qaiobench

#endif
