// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qaiobench {

struct IdleOptions
{
    std::size_t conns = 10000;  // idle connections held by the server
    std::size_t active = 10;    // of which this many then carry round trips
    std::size_t size = 1024;    // bytes per message on the active connections
    std::uint64_t count = 5000; // round trips per active connection
    int repeat = 3;             // the round-trip figures are the best of this many runs
};

/*! `qaio-bench idle`: one qaio echo server (a child process pinned to CPU 0) holding
    options.conns idle connections: its heap growth per connection (mallinfo2) and RSS
    growth per connection, then its CPU time per round trip on options.active connections
    among them, against the same on options.active connections alone. Returns the exit
    code. Needs a QCoreApplication. */
int runIdle(const IdleOptions &options);

} // namespace qaiobench
