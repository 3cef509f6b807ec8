// Copyright (c) qaio authors. Licensed under the MIT license.
#include "measureclock.h"

#include <time.h>

namespace qaiobench {

namespace {
bool g_cpuTime = false;
}

void setMeasureCpuTime(bool cpuTime)
{
    g_cpuTime = cpuTime;
}

Clock::time_point measureNow()
{
#if defined(CLOCK_THREAD_CPUTIME_ID)
    if (g_cpuTime) {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
            std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
    }
#endif
    return Clock::now();
}

double nsPer(Clock::duration elapsed, std::size_t operations)
{
    return std::chrono::duration<double, std::nano>(elapsed).count() / double(operations);
}

} // namespace qaiobench
