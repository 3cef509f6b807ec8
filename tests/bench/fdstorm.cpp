// Copyright (c) qaio authors. Licensed under the MIT license.
// The descriptor storm: N watched descriptors (both ends of N/2 socket pairs), each made
// readable and drained once per round. What one readiness event costs the loop when many
// descriptors are registered and all of them are ready, per reactor, in the same run.
#include "fdstorm.h"

#include "benchprocess.h"

#include <qaio/qaio.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <vector>

#ifdef __linux__
#  include <fcntl.h>
#  include <sys/socket.h>
#  include <unistd.h>
#endif

namespace qaiobench {

#ifdef __linux__

namespace {

struct Pairs
{
    std::vector<int> fds; // fds[2k] and fds[2k + 1] are connected
    explicit Pairs(std::size_t n)
    {
        fds.reserve(n);
        for (std::size_t i = 0; i < n; i += 2) {
            int sv[2];
            if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
                throw std::runtime_error("socketpair() failed; raise the descriptor limit or lower --fds");
            fds.push_back(sv[0]);
            fds.push_back(sv[1]);
        }
    }
    ~Pairs()
    {
        for (int fd : fds)
            ::close(fd);
    }
    Pairs(const Pairs &) = delete;
    Pairs &operator=(const Pairs &) = delete;
    int peer(std::size_t i) const { return fds[i ^ 1]; }
};

// Nanoseconds per event over `rounds` rounds: each round writes one byte into every pair
// direction, then runs the loop until every reader has drained its byte.
double storm(qaio::ReactorBackend backend, Pairs &pairs, int rounds)
{
    qaio::EventLoop loop(backend);
    const std::size_t n = pairs.fds.size();
    std::size_t left = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const int fd = pairs.fds[i];
        loop.addReader(fd, [&loop, &left, fd] {
            char byte;
            if (::read(fd, &byte, 1) == 1 && --left == 0)
                loop.stop();
        });
    }
    std::chrono::nanoseconds spent{0};
    for (int r = 0; r < rounds; ++r) {
        for (std::size_t i = 0; i < n; ++i) {
            if (::write(pairs.peer(i), "x", 1) != 1)
                throw std::runtime_error("write() failed");
        }
        left = n;
        const auto start = std::chrono::steady_clock::now();
        loop.runForever();
        spent += std::chrono::steady_clock::now() - start;
    }
    for (int fd : pairs.fds)
        loop.removeReader(fd);
    loop.close();
    return double(spent.count()) / (double(rounds) * double(n));
}

} // namespace

int runFdStorm(const FdStormOptions &options)
{
    const std::uint64_t limit = raiseFileLimit(options.fds + 64);
    if (limit < options.fds + 64) {
        std::fprintf(stderr, "qaio-bench fdstorm: the descriptor limit is %llu, --fds %zu needs %zu\n",
                     (unsigned long long)limit, options.fds, options.fds + 64);
        return 1;
    }
    const std::size_t fds = options.fds & ~std::size_t(1);
    std::fprintf(stderr, "note: fdstorm fds=%zu rounds=%d repeat=%d, %s\n", fds, options.rounds, options.repeat,
                 describeDispatch().c_str());
    qaio::ReactorBackend native;
    {
        qaio::EventLoop probe;
        native = probe.reactorStats().backend;
    }
    try {
        Pairs pairs(fds);
        double qtBest = std::numeric_limits<double>::infinity();
        double nativeBest = std::numeric_limits<double>::infinity();
        // Interleaved, so that a slow phase of the machine spreads over both.
        for (int r = 0; r < options.repeat; ++r) {
            qtBest = std::min(qtBest, storm(qaio::ReactorBackend::Qt, pairs, options.rounds));
            if (native != qaio::ReactorBackend::Qt)
                nativeBest = std::min(nativeBest, storm(native, pairs, options.rounds));
        }
        std::printf("fdstorm_qt_ns_per_event %.1f\n", qtBest);
        if (native != qaio::ReactorBackend::Qt) {
            std::printf("fdstorm_%s_ns_per_event %.1f\n", qaio::reactorBackendName(native), nativeBest);
            std::printf("fdstorm_qt_vs_%s_ratio %.3f\n", qaio::reactorBackendName(native), qtBest / nativeBest);
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "qaio-bench fdstorm: %s\n", e.what());
        return 1;
    }
    return 0;
}

#else

int runFdStorm(const FdStormOptions &)
{
    std::fprintf(stderr, "qaio-bench fdstorm: not supported on this platform\n");
    return 1;
}

#endif

} // namespace qaiobench
