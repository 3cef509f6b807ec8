// Copyright (c) qaio authors. Licensed under the MIT license.
#include "benchprocess.h"

#include <qaio/qaio.h>

#include <QtCore/QAbstractEventDispatcher>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#ifdef __linux__
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#endif

namespace qaiobench {

std::optional<std::size_t> parseSize(const char *text)
{
    if (!text || !*text)
        return std::nullopt;
    char *end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text, &end, 10);
    if (errno || end == text || text[0] == '-')
        return std::nullopt;
    std::size_t unit = 1;
    if (!std::strcmp(end, "") || !std::strcmp(end, "B"))
        unit = 1;
    else if (!std::strcmp(end, "KiB") || !std::strcmp(end, "K") || !std::strcmp(end, "k"))
        unit = 1024;
    else if (!std::strcmp(end, "MiB") || !std::strcmp(end, "M"))
        unit = 1024 * 1024;
    else
        return std::nullopt;
    if (value > (std::size_t(1) << 40) / unit)
        return std::nullopt;
    return std::size_t(value) * unit;
}

std::string formatSize(std::size_t bytes)
{
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
        return std::to_string(bytes / (1024 * 1024)) + "MiB";
    if (bytes >= 1024 && bytes % 1024 == 0)
        return std::to_string(bytes / 1024) + "KiB";
    return std::to_string(bytes) + "B";
}

std::string describeDispatch()
{
    const QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance();
    qaio::EventLoop probe; // the same environment (QAIO_REACTOR) as the servers it starts
    return std::string("Qt dispatcher ") + (dispatcher ? dispatcher->metaObject()->className() : "(none)") +
           ", qaio reactor " + qaio::reactorBackendName(probe.reactorStats().backend);
}

#ifdef __linux__

bool pinToCpu(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) == 0;
}

std::uint64_t raiseFileLimit(std::uint64_t wanted)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 0;
    if (limit.rlim_cur < wanted) {
        limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min<rlim_t>(wanted, limit.rlim_max);
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return limit.rlim_cur;
}

std::uint64_t processCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

ServerProcess::~ServerProcess()
{
    stop();
}

void ServerProcess::start(const QStringList &args)
{
    int toChild[2];
    int fromChild[2];
    if (pipe2(toChild, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed");
    if (pipe2(fromChild, O_CLOEXEC) != 0) {
        ::close(toChild[0]);
        ::close(toChild[1]);
        throw std::runtime_error("pipe2 failed");
    }
    // Everything exec needs is prepared before fork(): the child only calls async-signal-safe functions.
    std::vector<QByteArray> storage{QByteArrayLiteral("qaio-bench"), QByteArrayLiteral("echo-server"),
                                    QByteArrayLiteral("0"), QByteArrayLiteral("--child")};
    for (const QString &arg : args)
        storage.push_back(arg.toLocal8Bit());
    std::vector<char *> argv;
    for (QByteArray &arg : storage)
        argv.push_back(arg.data());
    argv.push_back(nullptr);

    const pid_t pid = fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(toChild[0], 0);
        dup2(fromChild[1], 1);
        execv("/proc/self/exe", argv.data());
        _exit(127);
    }
    ::close(toChild[0]);
    ::close(fromChild[1]);
    m_pid = pid;
    m_in = toChild[1];
    m_out = fromChild[0];
    const QByteArray line = readLine();
    if (!line.startsWith("listening ")) {
        stop();
        throw std::runtime_error("the server process did not start: '" + line.toStdString() + "'");
    }
    m_port = quint16(line.mid(10).toUInt());
}

QByteArray ServerProcess::readLine()
{
    for (;;) {
        const qsizetype eol = m_pending.indexOf('\n');
        if (eol >= 0) {
            QByteArray line = m_pending.left(eol);
            m_pending.remove(0, eol + 1);
            return line;
        }
        pollfd p{m_out, POLLIN, 0};
        const int ready = ::poll(&p, 1, 60000);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            throw std::runtime_error("the server process did not answer within 60 s");
        char buffer[256];
        const ssize_t n = ::read(m_out, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw std::runtime_error("the server process ended");
        m_pending.append(buffer, qsizetype(n));
    }
}

std::uint64_t ServerProcess::cpuNs()
{
    if (::kill(m_pid, SIGUSR1) != 0)
        throw std::runtime_error("the server process is gone");
    for (;;) {
        const QByteArray line = readLine();
        if (line.startsWith("cpu_ns "))
            return line.mid(7).toULongLong();
    }
}

QByteArray ServerProcess::request(const QByteArray &command)
{
    const QByteArray line = command + '\n';
    if (::write(m_in, line.constData(), std::size_t(line.size())) != line.size())
        throw std::runtime_error("cannot write to the server process");
    for (;;) {
        QByteArray answer = readLine();
        if (!answer.startsWith("cpu_ns "))
            return answer;
    }
}

void ServerProcess::stop()
{
    if (m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        while (waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
        }
        m_pid = -1;
    }
    if (m_in >= 0)
        ::close(std::exchange(m_in, -1));
    if (m_out >= 0)
        ::close(std::exchange(m_out, -1));
    m_pending.clear();
}

#endif

} // namespace qaiobench
