// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qaiobench {

struct EchoOptions
{
    std::size_t conns = 10;      // concurrent connections, one message in flight on each
    std::size_t size = 1024;     // bytes per message
    std::uint64_t count = 10000; // round trips per connection
    int repeat = 3;              // each figure is the best of this many runs
    bool ref = true, qaio = true, qt = true; // which servers to run (--only, for profiling)
};

/*! `qaio-bench echo`: the reference, qaio and Qt echo servers, each in a child process
    pinned to CPU 0, driven in turn by one epoll client pinned to CPU 1; prints the
    servers' CPU time per round trip, the ratios to the reference and round trips per
    second. Returns the exit code. Needs a QCoreApplication. */
int runEcho(const EchoOptions &options);

} // namespace qaiobench
