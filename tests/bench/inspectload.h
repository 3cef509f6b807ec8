// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <cstddef>

namespace qaiobench {

struct InspectLoadOptions
{
    std::size_t tasks = 10000; // live tasks (each waiting on a sleep) while the loop works
    double seconds = 3;        // each measurement's length
    int rate = 10;             // snapshots per second streamed to the remote client
    int repeat = 3;            // best of
};

/*! `qaio-bench inspect-load`: the loop's throughput (sleep(0) steps of one busy task per
    second) with options.tasks other tasks alive, without an inspector and while a remote
    client streams options.rate snapshots a second over the inspector's socket; their
    ratio, and the cost of one snapshot (taking it, and turning it into JSON). Returns the
    exit code. Needs a QCoreApplication. */
int runInspectLoad(const InspectLoadOptions &options);

} // namespace qaiobench
