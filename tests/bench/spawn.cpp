// Copyright (c) qaio authors. Licensed under the MIT license.
// The spawn benchmark: what starting a child and awaiting its exit costs with qaio's
// subprocessExec(), against a bare posix_spawn() + waitpid() loop (the floor) and QProcess
// driven by its finished() signal on the same Qt event loop, in the same run.
#include "spawn.h"

#include "benchprocess.h"

#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QProcess>

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <limits>
#include <memory>
#include <vector>

#ifdef __linux__
#  include <spawn.h>
#  include <sys/wait.h>
#endif

extern char **environ;

namespace qaiobench {

#ifdef __linux__

namespace {

const char kProgram[] = "/bin/true";

double microsecondsPer(qint64 nanoseconds, int count)
{
    return double(nanoseconds) / 1000.0 / double(count);
}

// The floor: posix_spawn() and waitpid(), nothing else.
double rawSpawn(int count, bool concurrent)
{
    char *argv[] = {const_cast<char *>(kProgram), nullptr};
    QElapsedTimer timer;
    timer.start();
    std::vector<pid_t> children;
    for (int i = 0; i < count; ++i) {
        pid_t pid = -1;
        if (::posix_spawn(&pid, kProgram, nullptr, nullptr, argv, environ) != 0)
            throw std::runtime_error("posix_spawn failed");
        if (concurrent) {
            children.push_back(pid);
        } else {
            int status = 0;
            ::waitpid(pid, &status, 0);
        }
    }
    for (pid_t pid : children) {
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
    return microsecondsPer(timer.nsecsElapsed(), count);
}

class ExitWatcher : public qaio::SubprocessProtocol
{
public:
    explicit ExitWatcher(qaio::Future<void> done) : m_done(std::move(done)) {}
    void connectionLost(std::exception_ptr) override
    {
        if (!m_done.done())
            m_done.setResult();
    }

private:
    qaio::Future<void> m_done;
};

qaio::Coro<void> spawnOne(qaio::EventLoop &loop)
{
    qaio::Future<void> done = loop.createFuture<void>();
    auto factory = [done] { return std::make_unique<ExitWatcher>(done); };
    auto starting = loop.subprocessExec(factory, QString::fromLatin1(kProgram));
    auto made = co_await std::move(starting);
    co_await done;
}

qaio::Coro<void> spawnMany(qaio::EventLoop &loop, int count, bool concurrent)
{
    if (!concurrent) {
        for (int i = 0; i < count; ++i)
            co_await spawnOne(loop);
        co_return;
    }
    std::vector<qaio::Task<void>> tasks;
    tasks.reserve(std::size_t(count));
    for (int i = 0; i < count; ++i)
        tasks.push_back(loop.createTask(spawnOne(loop)));
    for (qaio::Task<void> &task : tasks)
        co_await task;
}

double qaioSpawn(int count, bool concurrent)
{
    qaio::EventLoop loop;
    QElapsedTimer timer;
    timer.start();
    loop.runUntilComplete(spawnMany(loop, count, concurrent));
    const qint64 elapsed = timer.nsecsElapsed();
    loop.close();
    return microsecondsPer(elapsed, count);
}

// QProcess on the same kind of Qt event loop: start(), then the next one from finished().
double qprocessSpawn(int count, bool concurrent)
{
    QEventLoop events;
    int started = 0;
    int finished = 0;
    std::vector<std::unique_ptr<QProcess>> processes;
    std::function<void()> startOne = [&] {
        auto process = std::make_unique<QProcess>();
        QProcess *p = process.get();
        QObject::connect(p, &QProcess::finished, p, [&](int, QProcess::ExitStatus) {
            if (++finished == count)
                events.quit();
            else if (!concurrent)
                startOne();
        });
        processes.push_back(std::move(process));
        ++started;
        p->start(QString::fromLatin1(kProgram), {});
    };
    QElapsedTimer timer;
    timer.start();
    if (concurrent) {
        for (int i = 0; i < count; ++i)
            startOne();
    } else {
        startOne();
    }
    events.exec();
    const qint64 elapsed = timer.nsecsElapsed();
    processes.clear();
    return microsecondsPer(elapsed, count);
}

} // namespace

int runSpawn(const SpawnOptions &options)
{
    std::fprintf(stderr, "note: spawn count=%d repeat=%d program=%s, %s\n", options.count, options.repeat, kProgram,
                 describeDispatch().c_str());
    raiseFileLimit(std::uint64_t(options.count) * 8 + 256); // concurrent: 3 pipes and a pidfd each
    constexpr double inf = std::numeric_limits<double>::infinity();
    double raw = inf, qaioFigure = inf, qprocess = inf;
    double rawConcurrent = inf, qaioConcurrent = inf, qprocessConcurrent = inf;
    const auto runs = [&options](const char *which) { return !options.only || !std::strcmp(options.only, which); };
    try {
        for (int r = 0; r < options.repeat; ++r) { // interleaved: a slow phase hits all three
            if (runs("raw")) {
                raw = std::min(raw, rawSpawn(options.count, false));
                rawConcurrent = std::min(rawConcurrent, rawSpawn(options.count, true));
            }
            if (runs("qaio")) {
                qaioFigure = std::min(qaioFigure, qaioSpawn(options.count, false));
                qaioConcurrent = std::min(qaioConcurrent, qaioSpawn(options.count, true));
            }
            if (runs("qprocess")) {
                qprocess = std::min(qprocess, qprocessSpawn(options.count, false));
                qprocessConcurrent = std::min(qprocessConcurrent, qprocessSpawn(options.count, true));
            }
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "qaio-bench spawn: %s\n", e.what());
        return 1;
    }
    std::printf("raw_spawn_us %.1f\n", raw);
    std::printf("spawn_us %.1f\n", qaioFigure);
    std::printf("qprocess_spawn_us %.1f\n", qprocess);
    std::printf("spawn_ratio %.3f\n", qaioFigure / raw);
    std::printf("qprocess_spawn_ratio %.3f\n", qprocess / raw);
    std::printf("raw_spawn_concurrent_us %.1f\n", rawConcurrent);
    std::printf("spawn_concurrent_us %.1f\n", qaioConcurrent);
    std::printf("qprocess_spawn_concurrent_us %.1f\n", qprocessConcurrent);
    std::printf("spawn_concurrent_ratio %.3f\n", qaioConcurrent / rawConcurrent);
    return 0;
}

#else

int runSpawn(const SpawnOptions &)
{
    std::fprintf(stderr, "qaio-bench spawn: not supported on this platform\n");
    return 1;
}

#endif

} // namespace qaiobench
