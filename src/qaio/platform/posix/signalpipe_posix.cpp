// Copyright (c) qaio authors. Licensed under the MIT license.
// POSIX signals for EventLoop::addSignalHandler() (see platform/signalpipe_p.h).
#include <qaio/platform/signalpipe_p.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <mutex>
#include <unistd.h>

namespace qaio::detail::sys {

namespace {

// Written by the main thread (install/restore), read by the handler in whichever thread
// the kernel picks: lock-free atomics only, as a signal handler may touch nothing else.
std::array<std::atomic<bool>, NSIG> g_arrived{};
std::array<struct sigaction, NSIG> g_previous{};
std::array<std::atomic<bool>, NSIG> g_installed{}; // a loop handles the signal
std::array<std::atomic<void (*)()>, NSIG> g_hooks{};
// install / restore / addSignalHook may come from several threads (a loop's handlers from
// the main thread, the child watcher from any loop's); never taken in the handler.
std::mutex g_dispositions;
int g_pipe[2] = {-1, -1};
std::once_flag g_pipeOnce;
int g_pipeError = 0;

void onSignal(int signum, siginfo_t *info, void *context)
{
    const int savedErrno = errno;
    if (signum > 0 && signum < NSIG) {
        // The loop's wake-up comes last: whatever runs when the loop wakes sees all that
        // the chained handler and the hook did.
        const struct sigaction &previous = g_previous[std::size_t(signum)];
        if (previous.sa_flags & SA_SIGINFO) {
            if (previous.sa_sigaction)
                previous.sa_sigaction(signum, info, context);
        } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN && previous.sa_handler) {
            previous.sa_handler(signum);
        }
        if (void (*hook)() = g_hooks[std::size_t(signum)].load(std::memory_order_acquire))
            hook();
        g_arrived[std::size_t(signum)].store(true, std::memory_order_release);
        if (g_installed[std::size_t(signum)].load(std::memory_order_acquire)) {
            const char wake = 1;
            // A full pipe already holds a wake-up; the flag is what counts.
            [[maybe_unused]] const ssize_t n = ::write(g_pipe[1], &wake, 1);
        }
    }
    errno = savedErrno;
}

void makePipe()
{
    if (::pipe2(g_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        g_pipeError = errno;
        g_pipe[0] = g_pipe[1] = -1;
    }
}

// Puts onSignal() in place for \a signum, remembering what it replaces (the disposition
// it chains to); with \a oneShot the kernel resets it on delivery. Under g_dispositions.
int installHandlerLocked(int signum, bool oneShot) noexcept
{
    struct sigaction current{};
    if (::sigaction(signum, nullptr, &current) != 0)
        return errno;
    // Ours already (a one-shot handler the kernel reset is not: it is SIG_DFL again).
    const bool oursNow = (current.sa_flags & SA_SIGINFO) && current.sa_sigaction == onSignal;
    if (oursNow && bool(current.sa_flags & SA_RESETHAND) == oneShot)
        return 0;
    // Known before our handler can run, so that it chains from its first delivery.
    if (!oursNow)
        g_previous[std::size_t(signum)] = current;
    struct sigaction ours{};
    ours.sa_sigaction = onSignal;
    ours.sa_flags = SA_SIGINFO | SA_RESTART | (oneShot ? SA_RESETHAND : 0);
    sigemptyset(&ours.sa_mask);
    if (::sigaction(signum, &ours, nullptr) != 0)
        return errno;
    return 0;
}

} // namespace

bool isValidSignal(int signum) noexcept
{
    return signum > 0 && signum < NSIG;
}

int signalCount() noexcept
{
    return NSIG;
}

qintptr signalPipeReadEnd(int &error) noexcept
{
    std::call_once(g_pipeOnce, makePipe);
    error = g_pipeError;
    return g_pipe[0];
}

bool hasDefaultDisposition(int signum) noexcept
{
    struct sigaction now{};
    return isValidSignal(signum) && ::sigaction(signum, nullptr, &now) == 0 && !(now.sa_flags & SA_SIGINFO)
        && now.sa_handler == SIG_DFL;
}

int installSignalHandler(int signum, bool oneShot) noexcept
{
    if (!isValidSignal(signum))
        return EINVAL;
    const std::lock_guard lock(g_dispositions);
    // A hook needs the handler for every delivery: the kernel must not reset it.
    const bool hooked = g_hooks[std::size_t(signum)].load() != nullptr;
    g_arrived[std::size_t(signum)].store(false);
    g_installed[std::size_t(signum)].store(true);
    if (const int error = installHandlerLocked(signum, oneShot && !hooked)) {
        g_installed[std::size_t(signum)].store(false);
        return error;
    }
    return 0;
}

int restoreSignalHandler(int signum) noexcept
{
    const std::lock_guard lock(g_dispositions);
    if (!isValidSignal(signum) || !g_installed[std::size_t(signum)].load())
        return 0;
    if (!g_hooks[std::size_t(signum)].load()
        && ::sigaction(signum, &g_previous[std::size_t(signum)], nullptr) != 0)
        return errno;
    g_installed[std::size_t(signum)].store(false);
    return 0;
}

int addSignalHook(int signum, void (*hook)()) noexcept
{
    if (!isValidSignal(signum) || !hook)
        return EINVAL;
    const std::lock_guard lock(g_dispositions);
    void (*expected)() = nullptr;
    if (!g_hooks[std::size_t(signum)].compare_exchange_strong(expected, hook) && expected != hook)
        return EBUSY;
    if (const int error = installHandlerLocked(signum, false)) {
        g_hooks[std::size_t(signum)].store(nullptr);
        return error;
    }
    return 0;
}

void drainSignalPipe() noexcept
{
    char bytes[256];
    while (g_pipe[0] >= 0 && ::read(g_pipe[0], bytes, sizeof bytes) > 0) {
    }
}

bool takeArrivedSignal(int signum) noexcept
{
    return isValidSignal(signum) && g_arrived[std::size_t(signum)].exchange(false, std::memory_order_acq_rel);
}

} // namespace qaio::detail::sys
