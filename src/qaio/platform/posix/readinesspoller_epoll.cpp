// Copyright (c) qaio authors. Licensed under the MIT license.
// Linux: one level-triggered epoll set (docs/architecture.md, "The reactor").
#include <qaio/platform/readinesspoller_p.h>

#if defined(__linux__)

#include <algorithm>
#include <cerrno>
#include <sys/epoll.h>

namespace qaio::detail::sys {

namespace {

std::uint32_t epollEvents(unsigned interest) noexcept
{
    return (interest & Readable ? std::uint32_t(EPOLLIN) : 0u) | (interest & Writable ? std::uint32_t(EPOLLOUT) : 0u);
}

} // namespace

const char *ReadinessPoller::mechanism() noexcept
{
    return "epoll";
}

int ReadinessPoller::open() noexcept
{
    const int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0)
        return errno;
    m_handle = fd;
    m_forkGeneration = currentForkGeneration();
    return 0;
}

int ReadinessPoller::change(qintptr fd, unsigned before, unsigned after, std::uint64_t token) noexcept
{
    if (inheritedByFork())
        return ECHILD;
    if (before == after)
        return 0;
    const int op = !before ? EPOLL_CTL_ADD : !after ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    epoll_event event{};
    event.events = epollEvents(after);
    event.data.u64 = token;
    return ::epoll_ctl(int(m_handle), op, int(fd), &event) == 0 ? 0 : errno;
}

int ReadinessPoller::confirm(qintptr fd, unsigned interest, std::uint64_t token) noexcept
{
    if (inheritedByFork())
        return ECHILD;
    epoll_event event{};
    event.events = epollEvents(interest);
    event.data.u64 = token;
    return ::epoll_ctl(int(m_handle), EPOLL_CTL_MOD, int(fd), &event) == 0 ? 0 : errno;
}

int ReadinessPoller::poll(ReadyDescriptor *ready, int capacity) noexcept
{
    constexpr int kMaxEvents = 256;
    epoll_event events[kMaxEvents];
    int n;
    do {
        n = ::epoll_wait(int(m_handle), events, std::min(capacity, kMaxEvents), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    for (int i = 0; i < n; ++i) {
        const std::uint32_t e = events[i].events;
        // A hang-up or an error wakes whichever direction is watched (EPOLLHUP comes
        // without EPOLLIN when the peer is gone), as poll() does for Qt's notifiers.
        unsigned bits = (e & (EPOLLERR | EPOLLHUP)) ? (Readable | Writable) : 0u;
        if (e & (EPOLLIN | EPOLLPRI | EPOLLRDHUP))
            bits |= Readable;
        if (e & EPOLLOUT)
            bits |= Writable;
        ready[i] = {events[i].data.u64, bits};
    }
    return n;
}

} // namespace qaio::detail::sys

#endif
