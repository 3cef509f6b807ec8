// Copyright (c) qaio authors. Licensed under the MIT license.
// The pipe benchmark: throughput through `cat` with qaio's subprocess transport (stdin
// written with flow control, stdout delivered to pipeDataReceived()) against a plain
// read/write loop over the same pipes, in the same run.
#include "pipe.h"

#include "benchprocess.h"

#include <qaio/qaio.h>

#include <QtCore/QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <stdexcept>

#ifdef __linux__
#  include <fcntl.h>
#  include <poll.h>
#  include <spawn.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif

extern char **environ;

namespace qaiobench {

#ifdef __linux__

namespace {

constexpr qsizetype kChunk = 256 * 1024;

// The reference: cat with its stdin and stdout on two pipes, fed and drained by one
// poll() loop of plain write()/read() calls (non-blocking on our ends).
double rawPipe(std::uint64_t total)
{
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    char *argv[] = {const_cast<char *>("cat"), nullptr};
    pid_t pid = -1;
    if (::posix_spawnp(&pid, "cat", &actions, nullptr, argv, environ) != 0)
        throw std::runtime_error("posix_spawn cat failed");
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    ::fcntl(in[1], F_SETFL, O_NONBLOCK);
    ::fcntl(out[0], F_SETFL, O_NONBLOCK);
    const QByteArray chunk(kChunk, 'p');
    std::unique_ptr<char[]> buffer(new char[kChunk]);
    std::uint64_t written = 0, read = 0;
    qsizetype offset = 0; // into the chunk being written
    QElapsedTimer timer;
    timer.start();
    while (read < total) {
        pollfd fds[2] = {{out[0], POLLIN, 0}, {written < total ? in[1] : -1, POLLOUT, 0}};
        ::poll(fds, 2, -1);
        if (written < total && (fds[1].revents & POLLOUT)) {
            const std::size_t want = std::size_t(std::min<std::uint64_t>(kChunk - offset, total - written));
            const ssize_t n = ::write(in[1], chunk.constData() + offset, want);
            if (n > 0) {
                written += std::uint64_t(n);
                offset = (offset + n) % kChunk;
                if (written == total)
                    ::close(in[1]);
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            const ssize_t n = ::read(out[0], buffer.get(), std::size_t(kChunk));
            if (n > 0)
                read += std::uint64_t(n);
            else if (n == 0)
                break;
        }
    }
    const qint64 elapsed = timer.nsecsElapsed();
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return double(total) * 8.0 / double(elapsed); // Gbit/s
}

// Writes while the pipe takes it, pauses on pauseWriting(), goes on at resumeWriting();
// counts what cat sends back.
class Pump : public qaio::SubprocessProtocol
{
public:
    Pump(std::uint64_t total, qaio::Future<void> done) : m_total(total), m_chunk(kChunk, 'p'), m_done(std::move(done)) {}
    void connectionMade(qaio::BaseTransport &) override
    {
        m_stdin = dynamic_cast<qaio::WriteTransport *>(transport()->pipeTransport(0));
        produce();
    }
    void pauseWriting() override { m_paused = true; }
    void resumeWriting() override
    {
        m_paused = false;
        produce();
    }
    void pipeDataReceived(int, QByteArrayView data) override { m_received += std::uint64_t(data.size()); }
    void connectionLost(std::exception_ptr) override
    {
        if (!m_done.done())
            m_done.setResult();
    }
    std::uint64_t received() const { return m_received; }

private:
    void produce()
    {
        while (!m_paused && m_written < m_total) {
            const qsizetype n = qsizetype(std::min<std::uint64_t>(kChunk, m_total - m_written));
            m_stdin->write(n == kChunk ? m_chunk : m_chunk.left(n)); // shared, never copied
            m_written += std::uint64_t(n);
        }
        if (m_written == m_total && !m_eofSent) {
            m_eofSent = true;
            m_stdin->writeEof();
        }
    }

    std::uint64_t m_total;
    QByteArray m_chunk;
    qaio::Future<void> m_done;
    qaio::WriteTransport *m_stdin = nullptr;
    std::uint64_t m_written = 0;
    std::uint64_t m_received = 0;
    bool m_paused = false;
    bool m_eofSent = false;
};

qaio::Coro<std::uint64_t> pumpThroughCat(qaio::EventLoop &loop, std::uint64_t total)
{
    qaio::Future<void> done = loop.createFuture<void>();
    auto factory = [total, done] { return std::make_unique<Pump>(total, done); };
    auto starting = loop.subprocessExec(factory, QStringLiteral("cat"), {}, {.stdErr = qaio::Stdio::inherit()});
    auto made = co_await std::move(starting);
    co_await done;
    co_return made.protocol->received();
}

double qaioPipe(std::uint64_t total)
{
    qaio::EventLoop loop;
    QElapsedTimer timer;
    timer.start();
    const std::uint64_t received = loop.runUntilComplete(pumpThroughCat(loop, total));
    const qint64 elapsed = timer.nsecsElapsed();
    loop.close();
    if (received != total)
        throw std::runtime_error("qaio: cat sent back a different number of bytes");
    return double(total) * 8.0 / double(elapsed);
}

} // namespace

int runPipe(const PipeOptions &options)
{
    std::fprintf(stderr, "note: pipe bytes=%llu repeat=%d, %s\n", (unsigned long long)options.bytes, options.repeat,
                 describeDispatch().c_str());
    double raw = 0, qaioFigure = 0;
    try {
        for (int r = 0; r < options.repeat; ++r) {
            raw = std::max(raw, rawPipe(options.bytes));
            qaioFigure = std::max(qaioFigure, qaioPipe(options.bytes));
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "qaio-bench pipe: %s\n", e.what());
        return 1;
    }
    std::printf("raw_pipe_gbps %.3f\n", raw);
    std::printf("pipe_gbps %.3f\n", qaioFigure);
    std::printf("pipe_ratio %.3f\n", qaioFigure / raw);
    return 0;
}

#else

int runPipe(const PipeOptions &)
{
    std::fprintf(stderr, "qaio-bench pipe: not supported on this platform\n");
    return 1;
}

#endif

} // namespace qaiobench
