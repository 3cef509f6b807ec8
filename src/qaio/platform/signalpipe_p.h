// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// Process-wide signal delivery for EventLoop::addSignalHandler() (asyncio's
// add_signal_handler()): sigaction() handlers that set a per-signal flag and write one
// byte to a self-pipe the loop watches. The byte is only a wake-up: a full pipe loses
// nothing, the flags say which signals came. A handler installed before ours is still
// called (chained); removing ours puts it back. Not signalfd: it needs the signal blocked
// in every thread, which Qt's own threads do not do. POSIX back-end:
// platform/posix/signalpipe_posix.cpp; Windows has none (the loop throws
// NotImplementedError there, as asyncio does). Nothing here throws: errno values.

#include <QtCore/QtGlobal>

namespace qaio::detail::sys {

/*! Whether \a signum names a signal of this platform (1 .. NSIG - 1). */
bool isValidSignal(int signum) noexcept;

/*! The read end of the self-pipe (created on first use, non-blocking, close-on-exec), or
    -1 with \a error set. */
qintptr signalPipeReadEnd(int &error) noexcept;

/*! Installs the flag-and-byte handler for \a signum, remembering the disposition it
    replaces (SA_RESTART: system calls of other threads are not interrupted). With
    \a oneShot the kernel puts the default disposition back as it delivers the signal
    (SA_RESETHAND): a second Ctrl+C then ends the process even if the loop is stuck.
    Returns 0, or EINVAL for a signal that cannot be caught (SIGKILL, SIGSTOP). */
int installSignalHandler(int signum, bool oneShot = false) noexcept;

/*! Whether \a signum has its default disposition (nobody installed a handler). */
bool hasDefaultDisposition(int signum) noexcept;

/*! Puts back the disposition installSignalHandler() replaced (unless a hook still needs
    the handler: then only the loop's wake-up stops). Returns 0 or an errno. */
int restoreSignalHandler(int signum) noexcept;

/*! Makes the handler of \a signum call \a hook (async-signal-safe) on every delivery,
    before the loop's wake-up and the chained disposition, for the rest of the process:
    installs the handler if no loop has, and keeps it when the loop's is removed. The
    child watcher's use (SIGCHLD, see spawn_p.h). One hook per signal. Returns 0 or an
    errno (EINVAL: not a signal that can be caught; EBUSY: another hook is set). */
int addSignalHook(int signum, void (*hook)()) noexcept;

/*! Empties the self-pipe (the bytes are only wake-ups). */
void drainSignalPipe() noexcept;

/*! Whether \a signum arrived since the last call (and clears that). */
bool takeArrivedSignal(int signum) noexcept;

/*! The largest signal number + 1 (NSIG). */
int signalCount() noexcept;

} // namespace qaio::detail::sys
