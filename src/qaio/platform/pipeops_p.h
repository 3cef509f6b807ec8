// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// The system calls of qaio's pipe transports (connectReadPipe(), connectWritePipe(), and
// later the subprocess pipes): plain read()/writev() on any descriptor that is not a
// socket's to send on. POSIX: platform/posix/pipeops_posix.cpp. Failures come back as an
// error number, never as an exception.

#include <QtCore/QByteArrayView>

#include <cstddef>

namespace qaio::detail::sys {

/*! What kind of file a descriptor is, for the pipe transports' checks. */
enum class PipeKind {
    Invalid,   // not an open descriptor
    Fifo,      // a pipe or a named FIFO
    Socket,
    Terminal,  // a character device that is a terminal (a PTY)
    CharDevice,
    Other,     // a regular file, a directory, ...: not a pipe transport's
};

PipeKind describePipe(qintptr fd) noexcept;

/*! A pipe, both ends close-on-exec, non-blocking unless \a nonBlocking is false (a
    child's end must block: the flag belongs to the open file, which the child shares);
    0 or the error. */
int openPipe(qintptr ends[2], bool nonBlocking = true) noexcept;
/*! Closes \a fd (EINTR is not retried: the descriptor is gone either way on Linux). */
void closeDescriptor(qintptr fd) noexcept;
/*! One read(): bytes read, 0 at end of file, or -1 with \a error. */
std::ptrdiff_t readSome(qintptr fd, void *buffer, std::size_t size, int &error) noexcept;
/*! One gathered write (writev) of at most maxVectorParts() parts: bytes written or -1
    with \a error. */
std::ptrdiff_t writeVector(qintptr fd, const QByteArrayView *parts, std::size_t count, int &error) noexcept;
/*! The error a terminal's master side reads once its other side has closed (EIO on
    Linux): end of file for a pipe transport, as a shell sees it. */
bool isTerminalHangup(int error) noexcept;
/*! The error number of writing to a pipe without reader (EPIPE). */
int brokenPipeError() noexcept;
/*! Writing to a pipe whose reader is gone raises SIGPIPE, which kills the process by
    default; pipe writers need EPIPE instead. Sets SIGPIPE to SIG_IGN if it still has
    the default disposition (what QProcess does too); a handler the application
    installed is left alone. Idempotent and thread-safe. */
void ignoreBrokenPipeSignal() noexcept;

} // namespace qaio::detail::sys
