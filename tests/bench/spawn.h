// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

namespace qaiobench {

struct SpawnOptions
{
    int count = 1000; // children per measurement
    int repeat = 3;
    const char *only = nullptr; // "raw", "qaio" or "qprocess": run that one alone (to profile it)
};

/*! `qaio-bench spawn` (issue #9): /bin/true started and awaited to its exit, one after
    the other and all at once, with qaio's subprocessExec(), a bare posix_spawn() +
    waitpid() loop (the floor) and QProcess on the same event loop. Prints µs per child. */
int runSpawn(const SpawnOptions &options);

} // namespace qaiobench
