// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <chrono>
#include <cstddef>

namespace qaiobench {

using Clock = std::chrono::steady_clock;

/*! Chooses the measuring clock: wall time (default) or the calling thread's CPU time,
    which leaves out the time other processes of a loaded machine held the CPU. */
void setMeasureCpuTime(bool cpuTime);
/*! Now, on the measuring clock. */
Clock::time_point measureNow();
/*! Nanoseconds per operation. */
double nsPer(Clock::duration elapsed, std::size_t operations);

} // namespace qaiobench
