// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qaiobench {

struct UdpOptions
{
    std::uint64_t count = 1000000; // datagrams echoed per run
    std::size_t size = 64;         // bytes per datagram
    std::size_t window = 16;       // datagrams in flight
    int repeat = 3;
    bool ref = true;
    bool qaio = true;
    bool qt = true;
};

/*! `qaio-bench udp`: server CPU time per echoed datagram of the three UDP echo servers
    (echoserver.h), each in a child process pinned to CPU 0, loaded by a client on CPU 1. */
int runUdp(const UdpOptions &options);

} // namespace qaiobench
