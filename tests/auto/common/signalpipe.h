// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/qaio.h>

#include <csignal>

namespace qaiotest {

/*! Makes qaio's signal self-pipe now. It lives as long as the process (a signal may
    arrive at any time); made from initTestCase(), it is not counted as a leak by the
    per-test descriptor checks of LoopGuard. */
inline void createSignalPipe()
{
    qaio::EventLoop warmUp;
    warmUp.addSignalHandler(SIGUSR2, [] {});
    warmUp.removeSignalHandler(SIGUSR2);
    warmUp.close();
}

} // namespace qaiotest
