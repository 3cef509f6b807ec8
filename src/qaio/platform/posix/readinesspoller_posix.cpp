// Copyright (c) qaio authors. Licensed under the MIT license.
// What the POSIX kernel sets share: closing, and noticing fork(). The set itself is
// readinesspoller_epoll.cpp (Linux) or readinesspoller_kqueue.cpp (macOS, the BSDs);
// elsewhere there is none and the loop uses Qt's notifiers.
#include <qaio/platform/readinesspoller_p.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <pthread.h>
#include <unistd.h>

#if defined(__linux__) || defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__) \
    || defined(__DragonFly__)
#  define QAIO_HAS_KERNEL_READINESS_SET 1
#endif

namespace qaio::detail::sys {

namespace {

// An epoll set survives fork() in the child, shared with the parent: the child must not
// change it. Counting forks costs nothing on the hot path, unlike getpid() per call.
std::atomic<unsigned> g_forkGeneration{0};

void countFork() noexcept
{
    g_forkGeneration.fetch_add(1, std::memory_order_relaxed);
}

} // namespace

unsigned currentForkGeneration() noexcept
{
    static std::once_flag installed;
    std::call_once(installed, [] { ::pthread_atfork(nullptr, nullptr, countFork); });
    return g_forkGeneration.load(std::memory_order_relaxed);
}

ReadinessPoller::~ReadinessPoller()
{
    close();
}

void ReadinessPoller::close() noexcept
{
    // In a forked child this closes only the child's reference: the parent's set stays.
    if (m_handle >= 0)
        ::close(int(m_handle));
    m_handle = -1;
}

bool ReadinessPoller::inheritedByFork() const noexcept
{
    return m_handle >= 0 && g_forkGeneration.load(std::memory_order_relaxed) != m_forkGeneration;
}

#ifndef QAIO_HAS_KERNEL_READINESS_SET

const char *ReadinessPoller::mechanism() noexcept
{
    return nullptr;
}

int ReadinessPoller::open() noexcept
{
    return ENOSYS;
}

int ReadinessPoller::change(qintptr, unsigned, unsigned, std::uint64_t) noexcept
{
    return ENOSYS;
}

int ReadinessPoller::confirm(qintptr, unsigned, std::uint64_t) noexcept
{
    return ENOSYS;
}

int ReadinessPoller::poll(ReadyDescriptor *, int) noexcept
{
    return -ENOSYS;
}

#endif

} // namespace qaio::detail::sys
