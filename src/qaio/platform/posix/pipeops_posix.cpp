// Copyright (c) qaio authors. Licensed under the MIT license.
// POSIX pipes for qaio's pipe transports.
#include <qaio/platform/pipeops_p.h>

#include <qaio/platform/socketops_p.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

namespace qaio::detail::sys {

PipeKind describePipe(qintptr fd) noexcept
{
    struct stat info{};
    if (fd < 0 || ::fstat(int(fd), &info) != 0)
        return PipeKind::Invalid;
    if (S_ISFIFO(info.st_mode))
        return PipeKind::Fifo;
    if (S_ISSOCK(info.st_mode))
        return PipeKind::Socket;
    if (S_ISCHR(info.st_mode))
        return ::isatty(int(fd)) ? PipeKind::Terminal : PipeKind::CharDevice;
    return PipeKind::Other;
}

int openPipe(qintptr ends[2], bool nonBlocking) noexcept
{
    int fds[2];
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
    if (::pipe2(fds, O_CLOEXEC | (nonBlocking ? O_NONBLOCK : 0)) != 0)
        return errno;
#else
    if (::pipe(fds) != 0)
        return errno;
    for (int fd : fds) {
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        if (nonBlocking)
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
#endif
    ends[0] = fds[0];
    ends[1] = fds[1];
    return 0;
}

void closeDescriptor(qintptr fd) noexcept
{
    if (fd >= 0)
        ::close(int(fd));
}

std::ptrdiff_t readSome(qintptr fd, void *buffer, std::size_t size, int &error) noexcept
{
    ssize_t n;
    do {
        n = ::read(int(fd), buffer, size);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        error = errno;
    return n;
}

std::ptrdiff_t writeVector(qintptr fd, const QByteArrayView *parts, std::size_t count, int &error) noexcept
{
    ssize_t n;
    if (count == 1) {
        do {
            n = ::write(int(fd), parts[0].data(), std::size_t(parts[0].size()));
        } while (n < 0 && errno == EINTR);
    } else {
        constexpr std::size_t kStackParts = 64;
        iovec vectors[kStackParts];
        count = std::min(count, std::min(maxVectorParts(), kStackParts));
        for (std::size_t i = 0; i < count; ++i) {
            vectors[i].iov_base = const_cast<char *>(parts[i].data());
            vectors[i].iov_len = std::size_t(parts[i].size());
        }
        do {
            n = ::writev(int(fd), vectors, int(count));
        } while (n < 0 && errno == EINTR);
    }
    if (n < 0)
        error = errno;
    return n;
}

bool isTerminalHangup(int error) noexcept
{
    return error == EIO;
}

int brokenPipeError() noexcept
{
    return EPIPE;
}

void ignoreBrokenPipeSignal() noexcept
{
    static std::atomic<bool> done{false};
    if (done.exchange(true))
        return;
    struct sigaction current{};
    if (::sigaction(SIGPIPE, nullptr, &current) != 0)
        return;
    if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_DFL) {
        struct sigaction ignore{};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        ::sigaction(SIGPIPE, &ignore, nullptr);
    }
}

} // namespace qaio::detail::sys
