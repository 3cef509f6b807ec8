// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QStringList>

#include <cstdint>
#include <optional>
#include <string>

namespace qaiobench {

/*! Parses a byte count such as "1024", "1KiB", "100KiB", "2MiB" ("K"/"M" work too).
    Returns nothing when the text is not one. */
std::optional<std::size_t> parseSize(const char *text);

/*! "1KiB" for 1024, "100KiB", "1000B": the form parseSize() reads. */
std::string formatSize(std::size_t bytes);

/*! "Qt dispatcher QEventDispatcherGlib, qaio reactor epoll": what a qaio server started
    from this process with the same environment dispatches with. */
std::string describeDispatch();

#ifdef __linux__

/*! Pins the calling thread (and the threads it starts later) to \a cpu. Returns false
    (and leaves the affinity alone) when the machine refuses, e.g. fewer CPUs. */
bool pinToCpu(int cpu);

/*! Raises the soft RLIMIT_NOFILE to at least \a wanted, at most the hard limit. Returns
    the soft limit now in force. */
std::uint64_t raiseFileLimit(std::uint64_t wanted);

/*! The CPU time consumed so far by the whole calling process, in nanoseconds. */
std::uint64_t processCpuNs();

/*!
    A server of the benchmarks running as a child process: this same executable started
    with "echo-server 0 --child ...". The child writes "listening PORT" once it accepts
    connections, answers SIGUSR1 with "cpu_ns N" (its own CPU time, written from the
    signal handler so the server needs no extra descriptor or timer for it), and reads
    control lines from its standard input when started with --control. stop() kills it.
*/
class ServerProcess
{
public:
    ServerProcess() = default;
    ~ServerProcess();
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;

    /*! Starts the child with \a args after "echo-server 0 --child". Throws
        std::runtime_error when it cannot start or does not report its port. */
    void start(const QStringList &args);
    quint16 port() const noexcept { return m_port; }
    int pid() const noexcept { return m_pid; }
    /*! The child's CPU time (ns), asked with SIGUSR1. */
    std::uint64_t cpuNs();
    /*! Sends \a command and returns the child's one-line answer. */
    QByteArray request(const QByteArray &command);
    /*! SIGKILL and reap; the CPU time after the last cpuNs() is of no interest. */
    void stop();

private:
    QByteArray readLine();

    int m_pid = -1;
    int m_in = -1;  // the child's standard input
    int m_out = -1; // the child's standard output
    QByteArray m_pending;
    quint16 m_port = 0;
};

#endif

} // namespace qaiobench
