// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <cstddef>

namespace qaiobench {

struct FdStormOptions
{
    std::size_t fds = 10000; // watched descriptors: both ends of fds / 2 socket pairs
    int rounds = 20;
    int repeat = 3;
};

/*! `qaio-bench fdstorm` (issue #8): every watched descriptor made readable and drained
    once per round, for each reactor of this platform. Prints ns per event. */
int runFdStorm(const FdStormOptions &options);

} // namespace qaiobench
