// Copyright (c) qaio authors. Licensed under the MIT license.
// The echo benchmark: server CPU time per round trip of qaio's Protocol echo against a
// bare epoll loop (what the kernel costs with nothing on top) and against QTcpSocket.
#include "echo.h"

#ifdef __linux__

#include "benchprocess.h"
#include "loadclient.h"

#include <QtCore/QCoreApplication>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <limits>

namespace qaiobench {

namespace {

struct Server
{
    const char *name; // figure prefix and --impl value
    bool enabled;
    double bestCpuNs = std::numeric_limits<double>::infinity();
    double bestRate = 0;
};

// One measured run: a fresh server process, the connections, a warm-up (accepting and the
// first reads allocate), then CPU time from just before to just after the timed round trips.
void measure(Server &server, const EchoOptions &options)
{
    ServerProcess process;
    process.start({QStringLiteral("--impl"), QLatin1String(server.name), QStringLiteral("--cpu"), QStringLiteral("0")});
    std::vector<int> fds = LoadClient::connectMany(process.port(), options.conns);
    try {
        LoadClient client(fds, options.size);
        client.run(std::min<std::uint64_t>(options.count, 100));
        const std::uint64_t before = process.cpuNs();
        const double wall = client.run(options.count);
        const std::uint64_t after = process.cpuNs();
        const double roundTrips = double(options.count) * double(options.conns);
        server.bestCpuNs = std::min(server.bestCpuNs, double(after - before) / roundTrips);
        if (wall > 0)
            server.bestRate = std::max(server.bestRate, roundTrips / wall);
    } catch (...) {
        closeAll(fds);
        throw;
    }
    closeAll(fds);
    process.stop();
}

} // namespace

int runEcho(const EchoOptions &options)
{
    if (!pinToCpu(1))
        std::fprintf(stderr, "note: could not pin the load client to CPU 1; running unpinned\n");
    raiseFileLimit(options.conns + 64);
    std::fprintf(stderr, "note: echo conns=%zu size=%s count=%llu repeat=%d, %s\n", options.conns,
                 formatSize(options.size).c_str(), (unsigned long long)options.count, options.repeat,
                 describeDispatch().c_str());
    Server servers[] = {{"ref", options.ref}, {"qaio", options.qaio}, {"qt", options.qt}};
    try {
        // Interleaved, so that a slow phase of the machine spreads over all three.
        for (int r = 0; r < options.repeat; ++r)
            for (Server &server : servers)
                if (server.enabled)
                    measure(server, options);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "qaio-bench echo: %s\n", e.what());
        return 1;
    }
    for (const Server &server : servers)
        if (server.enabled)
            std::printf("%s_cpu_ns_per_rt %.1f\n", server.name, server.bestCpuNs);
    if (servers[0].enabled && servers[1].enabled)
        std::printf("echo_cpu_ratio %.3f\n", servers[1].bestCpuNs / servers[0].bestCpuNs);
    if (servers[0].enabled && servers[2].enabled)
        std::printf("qt_cpu_ratio %.3f\n", servers[2].bestCpuNs / servers[0].bestCpuNs);
    for (const Server &server : servers)
        if (server.enabled)
            std::printf("%s_rt_per_s %.0f\n", server.name, server.bestRate);
    return 0;
}

} // namespace qaiobench

#else

#include <cstdio>

namespace qaiobench {

int runEcho(const EchoOptions &)
{
    std::fprintf(stderr, "qaio-bench echo: not supported on this platform\n");
    return 1;
}

} // namespace qaiobench

#endif
