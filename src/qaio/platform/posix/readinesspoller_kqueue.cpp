// Copyright (c) qaio authors. Licensed under the MIT license.
// macOS and the BSDs: one kqueue with EVFILT_READ / EVFILT_WRITE filters, the counterpart
// of readinesspoller_epoll.cpp. UNTESTED: no macOS or BSD machine runs qaio's CI yet; it is
// kept small and mirrors the epoll file line for line so that it can be reviewed by eye.
#include <qaio/platform/readinesspoller_p.h>

#if !defined(__linux__)                                                                                           \
    && (defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)                 \
        || defined(__DragonFly__))

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <sys/event.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

namespace qaio::detail::sys {

const char *ReadinessPoller::mechanism() noexcept
{
    return "kqueue";
}

int ReadinessPoller::open() noexcept
{
    const int fd = ::kqueue();
    if (fd < 0)
        return errno;
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    m_handle = fd;
    m_forkGeneration = currentForkGeneration();
    return 0;
}

int ReadinessPoller::change(qintptr fd, unsigned before, unsigned after, std::uint64_t token) noexcept
{
    if (inheritedByFork())
        return ECHILD; // a kqueue is not even inherited; the descriptor number is stale
    struct kevent changes[2];
    int n = 0;
    const auto filter = [&](unsigned bit, short kind) {
        if ((after & bit) == (before & bit))
            return;
        // udata carries the token; it is pointer-sized (64 bits on every 64-bit target).
        EV_SET(&changes[n++], uintptr_t(fd), kind, (after & bit) ? EV_ADD : EV_DELETE, 0, 0,
               reinterpret_cast<void *>(static_cast<std::uintptr_t>(token)));
    };
    filter(Readable, EVFILT_READ);
    filter(Writable, EVFILT_WRITE);
    if (n == 0)
        return 0;
    if (::kevent(int(m_handle), changes, n, nullptr, 0, nullptr) == 0)
        return 0;
    // Some character devices (ttys on older macOS) cannot be watched: EINVAL there means
    // what EPERM means to epoll, and the caller falls back to a notifier.
    return errno == EINVAL ? EPERM : errno;
}

int ReadinessPoller::confirm(qintptr fd, unsigned interest, std::uint64_t token) noexcept
{
    // EV_ADD of a filter already present only updates it; a closed descriptor fails.
    return change(fd, NotWatched, interest, token);
}

int ReadinessPoller::poll(ReadyDescriptor *ready, int capacity) noexcept
{
    constexpr int kMaxEvents = 256;
    struct kevent events[kMaxEvents];
    const timespec zero{0, 0};
    int n;
    do {
        n = ::kevent(int(m_handle), nullptr, 0, events, std::min(capacity, kMaxEvents), &zero);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    for (int i = 0; i < n; ++i) {
        // One event per filter: a descriptor ready both ways comes twice. EV_EOF and
        // EV_ERROR wake both directions, as a hang-up does with epoll.
        unsigned bits = events[i].filter == EVFILT_READ ? Readable : Writable;
        if (events[i].flags & (EV_EOF | EV_ERROR))
            bits = Readable | Writable;
        ready[i] = {std::uint64_t(reinterpret_cast<std::uintptr_t>(events[i].udata)), bits};
    }
    return n;
}

} // namespace qaio::detail::sys

#endif
