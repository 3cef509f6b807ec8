// Copyright (c) qaio authors. Licensed under the MIT license.
// Learning that a child has exited (see platform/spawn_p.h): a pidfd on Linux, else a
// pipe per child written by a SIGCHLD hook. The hook runs inside a signal handler, in any
// thread: it reads only atomics of a list whose nodes are never freed (a node is reused
// once its child is forgotten), calls waitid() and write(), nothing else.
#include <qaio/platform/spawn_p.h>

#include <qaio/platform/signalpipe_p.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <mutex>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

namespace qaio::detail::sys {

namespace {

struct ExitWatch
{
    std::atomic<pid_t> pid{0}; // 0: the node is free
    std::atomic<int> wakeFd{-1};
    int notifierFd = -1;       // under g_registry only
    ExitWatch *next = nullptr; // set before the node is published, never changed after
};

std::atomic<ExitWatch *> g_watches{nullptr};
// Hooks running now, in any thread: a forgotten child's wake-up pipe is closed only once
// none is, so a hook never writes to a descriptor number that was reused meanwhile.
std::atomic<int> g_hooksRunning{0};
std::mutex g_registry; // registration and removal; never taken in the hook

// Whether the child \a pid has exited (or can no longer be waited for: somebody else
// reaped it, and the transport must hear of it too). Does not reap it.
bool exitedOrGone(pid_t pid) noexcept
{
    siginfo_t info{};
    int result;
    do {
        result = ::waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    } while (result < 0 && errno == EINTR);
    if (result < 0)
        return errno == ECHILD;
    return info.si_pid == pid;
}

void wake(int fd) noexcept
{
    const char byte = 1;
    // A full pipe already holds a wake-up.
    [[maybe_unused]] const ssize_t n = ::write(fd, &byte, 1);
}

// The SIGCHLD hook: signals coalesce, so every registered child is looked at.
void wakeExitedChildren()
{
    const int savedErrno = errno;
    g_hooksRunning.fetch_add(1);
    for (ExitWatch *watch = g_watches.load(); watch; watch = watch->next) {
        const pid_t pid = watch->pid.load();
        if (pid <= 0 || !exitedOrGone(pid))
            continue;
        const int fd = watch->wakeFd.load();
        if (fd >= 0)
            wake(fd);
    }
    g_hooksRunning.fetch_sub(1);
    errno = savedErrno;
}

qintptr openPidfd(qint64 pid, int &error) noexcept
{
#if defined(__linux__) && defined(SYS_pidfd_open)
    const long fd = ::syscall(SYS_pidfd_open, pid_t(pid), 0);
    if (fd >= 0)
        return qintptr(fd); // close-on-exec: the kernel sets it on every pidfd
    error = errno == EPERM || errno == EINVAL || errno == ENOSYS ? ENOSYS : errno; // seccomp or an old kernel
    return -1;
#else
    Q_UNUSED(pid);
    error = ENOSYS;
    return -1;
#endif
}

qintptr watchWithChildSignal(pid_t pid, int &error) noexcept
{
    int ends[2];
    if (::pipe2(ends, O_NONBLOCK | O_CLOEXEC) != 0) {
        error = errno;
        return -1;
    }
    {
        const std::lock_guard lock(g_registry);
        // Installed before the child is registered; a child that exited before that is
        // caught by the look below.
        if (const int failed = addSignalHook(SIGCHLD, wakeExitedChildren)) {
            ::close(ends[0]);
            ::close(ends[1]);
            error = failed;
            return -1;
        }
        ExitWatch *watch = g_watches.load();
        while (watch && (watch->pid.load() != 0 || watch->notifierFd >= 0))
            watch = watch->next;
        if (!watch) {
            watch = new (std::nothrow) ExitWatch;
            if (!watch) {
                ::close(ends[0]);
                ::close(ends[1]);
                error = ENOMEM;
                return -1;
            }
            watch->next = g_watches.load();
            g_watches.store(watch);
        }
        watch->notifierFd = ends[0];
        watch->wakeFd.store(ends[1]);
        watch->pid.store(pid);
    }
    if (exitedOrGone(pid))
        wake(ends[1]);
    return ends[0];
}

} // namespace

bool processHandlesAvailable() noexcept
{
    static const bool available = [] {
        int error = 0;
        const qintptr probe = openPidfd(qint64(::getpid()), error);
        if (probe < 0)
            return false;
        ::close(int(probe));
        return true;
    }();
    return available;
}

qintptr openExitNotifier(qint64 pid, ChildWatch how, int &error) noexcept
{
    if (how == ChildWatch::ProcessHandle)
        return openPidfd(pid, error);
    return watchWithChildSignal(pid_t(pid), error);
}

void clearExitNotifier(qintptr notifier) noexcept
{
    char bytes[64];
    while (::read(int(notifier), bytes, sizeof bytes) > 0) {
    }
}

void closeExitNotifier(qintptr notifier) noexcept
{
    int wakeFd = -1;
    {
        const std::lock_guard lock(g_registry);
        for (ExitWatch *watch = g_watches.load(); watch; watch = watch->next) {
            if (watch->notifierFd != int(notifier))
                continue;
            watch->pid.store(0);
            wakeFd = watch->wakeFd.exchange(-1);
            watch->notifierFd = -1;
            break;
        }
    }
    if (wakeFd >= 0) {
        // A hook that read the descriptor before it was taken may still write to it.
        while (g_hooksRunning.load() != 0)
            std::this_thread::yield();
        ::close(wakeFd);
    }
    ::close(int(notifier));
}

} // namespace qaio::detail::sys
