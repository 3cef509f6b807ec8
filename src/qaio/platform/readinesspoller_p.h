// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// The kernel's readiness set behind one descriptor (epoll on Linux, kqueue on macOS and
// the BSDs): the system calls of the loop core's poller reactor (core/detail/reactor_p.h).
// Back-ends: platform/posix/readinesspoller_epoll.cpp, readinesspoller_kqueue.cpp, and
// readinesspoller_unavailable.cpp where neither exists. Like socketops_p.h, nothing here
// throws: failures are errno values, and the caller decides what they mean.

#include <QtCore/QtGlobal>

#include <cstdint>
#include <utility>

namespace qaio::detail::sys {

/*! What a descriptor is watched for, and what it is ready for. */
enum ReadinessBits : unsigned { NotWatched = 0, Readable = 1, Writable = 2 };

/*! One ready descriptor of a wait(): the token it was registered with and what it is
    ready for. A hang-up or an error on the descriptor is reported as both directions
    (whichever the caller watches then sees it, as with poll()). */
struct ReadyDescriptor
{
    std::uint64_t token;
    unsigned ready;
};

/*! Counts the fork() calls this process made so far (a child sees one more). */
unsigned currentForkGeneration() noexcept;

class ReadinessPoller
{
public:
    /*! The name of the kernel mechanism ("epoll", "kqueue"), or nullptr where this
        platform has none (then open() always fails). */
    static const char *mechanism() noexcept;

    ReadinessPoller() = default;
    ~ReadinessPoller();
    ReadinessPoller(const ReadinessPoller &) = delete;
    ReadinessPoller &operator=(const ReadinessPoller &) = delete;

    /*! Creates the kernel set (close-on-exec). Returns 0 or an errno value. */
    int open() noexcept;
    /*! Closes the set (in a forked child: only the child's reference to it). */
    void close() noexcept;
    /*! Exchanges the sets of this poller and \a other. */
    void swap(ReadinessPoller &other) noexcept
    {
        std::swap(m_handle, other.m_handle);
        std::swap(m_forkGeneration, other.m_forkGeneration);
    }
    /*! The descriptor that is readable while some watched descriptor is ready. */
    qintptr handle() const noexcept { return m_handle; }

    /*! Changes what \a fd is watched for from \a before to \a after (either may be
        NotWatched: registration and removal). \a token comes back with its events.
        Returns 0 or an errno value: EPERM for a descriptor the kernel set cannot hold
        (a regular file), EBADF or ENOENT for one closed behind the caller's back, ECHILD
        after fork() in the child (the set is the parent's, left untouched). */
    int change(qintptr fd, unsigned before, unsigned after, std::uint64_t token) noexcept;
    /*! Asks the kernel whether \a fd is still the file registered with \a interest
        (nonzero), re-registering it: ENOENT or EBADF if it is not. */
    int confirm(qintptr fd, unsigned interest, std::uint64_t token) noexcept;

    /*! Takes up to \a capacity ready descriptors without blocking. Returns their number,
        or -errno. */
    int poll(ReadyDescriptor *ready, int capacity) noexcept;

    /*! True in a child made by fork() after this set was opened: the set belongs to the
        parent, and changing it would change the parent's. */
    bool inheritedByFork() const noexcept;

private:
    qintptr m_handle = -1;
    unsigned m_forkGeneration = 0;
};

} // namespace qaio::detail::sys
