// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <cstdint>

namespace qaiobench {

struct PipeOptions
{
    std::uint64_t bytes = std::uint64_t(1) << 30; // through cat, per measurement
    int repeat = 3;
};

/*! `qaio-bench pipe` (issue #9): bytes through `cat` (our writes to its stdin, its stdout
    read back) with qaio's subprocess pipes and flow control, against a plain poll() loop
    over the same two pipes to a cat started with posix_spawn(), in the same run. */
int runPipe(const PipeOptions &options);

} // namespace qaiobench
