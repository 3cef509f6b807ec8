// Copyright (c) qaio authors. Licensed under the MIT license.
// The idle-connections benchmark: what a held connection costs a qaio server in memory,
// and what the idle crowd costs the active connections (dispatchers that poll every
// registered descriptor pay per idle connection on every iteration).
#include "idle.h"

#ifdef __linux__

#include "benchprocess.h"
#include "loadclient.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QList>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <limits>
#include <stdexcept>
#include <string>

namespace qaiobench {

namespace {

struct Stats
{
    std::size_t connections = 0;
    double mallocBytes = 0;
    double rssBytes = 0;
};

Stats stats(ServerProcess &process)
{
    const QList<QByteArray> fields = process.request("stats").split(' ');
    if (fields.size() != 4 || fields[0] != "stats")
        throw std::runtime_error("unexpected answer from the server process");
    return {std::size_t(fields[1].toULongLong()), fields[2].toDouble(), fields[3].toDouble()};
}

void startServer(ServerProcess &process)
{
    process.start({QStringLiteral("--impl"), QStringLiteral("qaio"), QStringLiteral("--cpu"), QStringLiteral("0"),
                   QStringLiteral("--control")});
}

// Server CPU time per round trip on `fds`, after a warm-up.
double cpuPerRoundTrip(ServerProcess &process, const std::vector<int> &fds, const IdleOptions &options)
{
    LoadClient client(fds, options.size);
    client.run(std::min<std::uint64_t>(options.count, 100));
    const std::uint64_t before = process.cpuNs();
    client.run(options.count);
    const std::uint64_t after = process.cpuNs();
    return double(after - before) / (double(options.count) * double(fds.size()));
}

} // namespace

int runIdle(const IdleOptions &options)
{
    if (options.active > options.conns) {
        std::fprintf(stderr, "qaio-bench idle: --active must not exceed --conns\n");
        return 2;
    }
    if (!pinToCpu(1))
        std::fprintf(stderr, "note: could not pin the load client to CPU 1; running unpinned\n");
    const std::uint64_t limit = raiseFileLimit(options.conns + 64);
    if (limit < options.conns + 64) {
        std::fprintf(stderr, "qaio-bench idle: the descriptor limit is %llu, %zu connections need %zu\n",
                     (unsigned long long)limit, options.conns, options.conns + 64);
        return 1;
    }
    std::fprintf(stderr, "note: idle conns=%zu active=%zu size=%s count=%llu repeat=%d, %s\n",
                 options.conns, options.active, formatSize(options.size).c_str(), (unsigned long long)options.count,
                 options.repeat, describeDispatch().c_str());
    std::vector<int> crowd;
    std::vector<int> alone;
    try {
        ServerProcess server;
        startServer(server);
        const Stats empty = stats(server);
        // In batches, each finished with one tiny round trip per connection: the server
        // has accepted and served every connection of a batch before the next one comes,
        // so the accept queue never overflows.
        constexpr std::size_t kBatch = 500;
        crowd.reserve(options.conns);
        while (crowd.size() < options.conns) {
            std::vector<int> batch = LoadClient::connectMany(server.port(), std::min(kBatch, options.conns - crowd.size()));
            crowd.insert(crowd.end(), batch.begin(), batch.end());
            LoadClient(batch, 1).run(1);
        }
        const Stats full = stats(server);
        if (full.connections != options.conns)
            throw std::runtime_error("the server holds " + std::to_string(full.connections) + " connections, expected " +
                                     std::to_string(options.conns));
        std::printf("idle_connections %zu\n", full.connections);
        std::printf("idle_malloc_bytes_per_conn %.1f\n", (full.mallocBytes - empty.mallocBytes) / double(options.conns));
        std::printf("idle_rss_bytes_per_conn %.1f\n", (full.rssBytes - empty.rssBytes) / double(options.conns));
        std::fflush(stdout);

        ServerProcess small;
        startServer(small);
        alone = LoadClient::connectMany(small.port(), options.active);
        const std::vector<int> active(crowd.begin(), crowd.begin() + std::ptrdiff_t(options.active));
        double crowdBest = std::numeric_limits<double>::infinity();
        double aloneBest = std::numeric_limits<double>::infinity();
        for (int r = 0; r < options.repeat; ++r) {
            crowdBest = std::min(crowdBest, cpuPerRoundTrip(server, active, options));
            aloneBest = std::min(aloneBest, cpuPerRoundTrip(small, alone, options));
        }
        std::printf("idle_active_cpu_ns_per_rt %.1f\n", crowdBest);
        std::printf("idle_alone_cpu_ns_per_rt %.1f\n", aloneBest);
        std::printf("idle_crowd_ratio %.3f\n", crowdBest / aloneBest);
    } catch (const std::exception &e) {
        closeAll(crowd);
        closeAll(alone);
        std::fprintf(stderr, "qaio-bench idle: %s\n", e.what());
        return 1;
    }
    closeAll(crowd);
    closeAll(alone);
    return 0;
}

} // namespace qaiobench

#else

#include <cstdio>

namespace qaiobench {

int runIdle(const IdleOptions &)
{
    std::fprintf(stderr, "qaio-bench idle: not supported on this platform\n");
    return 1;
}

} // namespace qaiobench

#endif
