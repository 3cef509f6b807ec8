// Copyright (c) qaio authors. Licensed under the MIT license.
#include "inspectload.h"

#include <qaio/qaio.h>
#include <qaio/inspect/snapshotjson.h>

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QLocalSocket>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

namespace qaiobench {

namespace {

qaio::Coro<void> idleForever()
{
    co_await qaio::sleep(std::chrono::hours(1));
}

qaio::Coro<void> busyFor(double seconds, std::uint64_t *steps)
{
    const qaio::TimePoint end = qaio::steadyNow() + qaio::Duration(std::int64_t(seconds * 1e9));
    while (qaio::steadyNow() < end) {
        co_await qaio::sleep(0);
        ++*steps;
    }
}

/*! Subscribes to \a path at \a rate and reads frames until told to stop. */
void streamClient(const QString &path, int rate, const std::atomic<bool> &stop, std::atomic<int> &frames, std::atomic<qint64> &bytes)
{
    QLocalSocket socket;
    socket.connectToServer(path);
    if (!socket.waitForConnected(10000))
        return;
    socket.write(QStringLiteral("{\"id\":1,\"method\":\"subscribe\",\"params\":{\"rate\":%1}}\n").arg(rate).toUtf8());
    socket.flush();
    QByteArray buffer;
    while (!stop.load()) {
        if (!socket.waitForReadyRead(100))
            continue;
        buffer += socket.readAll();
        qsizetype newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
            if (buffer.left(newline).contains("\"event\":\"snapshot\""))
                ++frames;
            bytes += newline + 1;
            buffer.remove(0, newline + 1);
        }
    }
}

struct Run
{
    double stepsPerSecond = 0;
    int frames = 0;
    qint64 bytes = 0;
};

Run measure(const InspectLoadOptions &options, bool remote)
{
    qaio::EventLoop loop;
    std::vector<qaio::Task<void>> idle;
    idle.reserve(options.tasks);
    for (std::size_t i = 0; i < options.tasks; ++i)
        idle.push_back(loop.createTask(idleForever()));
    loop.runOnce(); // every idle task now waits on its sleep

    QTemporaryDir dir;
    std::atomic<bool> stop{false};
    std::atomic<int> frames{0};
    std::atomic<qint64> bytes{0};
    std::thread client;
    if (remote) {
        qaio::RemoteInspectorOptions remoteOptions;
        remoteOptions.directory = dir.path();
        const QString path = loop.serveInspector(QStringLiteral("bench"), remoteOptions).socketPath();
        client = std::thread(streamClient, path, options.rate, std::cref(stop), std::ref(frames), std::ref(bytes));
    }
    std::uint64_t steps = 0;
    const qaio::TimePoint begin = qaio::steadyNow();
    qaio::Task<void> busy = loop.createTask(busyFor(options.seconds, &steps));
    loop.runUntilComplete(qaio::Future<void>(busy));
    const double elapsed = std::chrono::duration<double>(qaio::steadyNow() - begin).count();
    stop = true;
    if (client.joinable())
        client.join();
    loop.stopServingInspector();
    for (qaio::Task<void> &t : idle)
        t.cancel();
    while (loop.pendingTaskCount() > 0)
        loop.runOnce();
    return Run{double(steps) / elapsed, frames.load(), bytes.load()};
}

} // namespace

int runInspectLoad(const InspectLoadOptions &options)
{
    Run plain, remote;
    for (int i = 0; i < options.repeat; ++i) {
        const Run p = measure(options, false);
        const Run r = measure(options, true);
        if (p.stepsPerSecond > plain.stepsPerSecond)
            plain = p;
        if (r.stepsPerSecond > remote.stepsPerSecond)
            remote = r;
    }

    // The cost of one snapshot of that many tasks, and of its JSON.
    qaio::EventLoop loop;
    std::vector<qaio::Task<void>> idle;
    for (std::size_t i = 0; i < options.tasks; ++i)
        idle.push_back(loop.createTask(idleForever()));
    loop.runOnce();
    qaio::Inspector &inspector = loop.inspector();
    double snapshotMs = 1e300, jsonMs = 1e300;
    qsizetype jsonBytes = 0;
    for (int i = 0; i < 5; ++i) {
        const qaio::TimePoint t0 = qaio::steadyNow();
        const qaio::InspectorSnapshot s = inspector.snapshot();
        const qaio::TimePoint t1 = qaio::steadyNow();
        const QByteArray json = qaio::snapshotToCompactJson(s);
        const qaio::TimePoint t2 = qaio::steadyNow();
        snapshotMs = std::min(snapshotMs, std::chrono::duration<double, std::milli>(t1 - t0).count());
        jsonMs = std::min(jsonMs, std::chrono::duration<double, std::milli>(t2 - t1).count());
        jsonBytes = json.size();
    }
    for (qaio::Task<void> &t : idle)
        t.cancel();
    while (loop.pendingTaskCount() > 0)
        loop.runOnce();

    std::printf("inspect_load_tasks %zu\n", options.tasks);
    std::printf("inspect_load_plain_steps_per_s %.0f\n", plain.stepsPerSecond);
    std::printf("inspect_load_remote_steps_per_s %.0f\n", remote.stepsPerSecond);
    std::printf("inspect_load_ratio %.3f\n", remote.stepsPerSecond / plain.stepsPerSecond);
    std::printf("inspect_load_frames_per_s %.1f\n", remote.frames / options.seconds);
    std::printf("inspect_snapshot_ms %.2f\n", snapshotMs);
    std::printf("inspect_snapshot_json_ms %.2f\n", jsonMs);
    std::printf("inspect_snapshot_json_bytes %lld\n", static_cast<long long>(jsonBytes));
    std::printf("# each run: %g s, best of %d; %d snapshots/s asked of the remote inspector\n", options.seconds,
                options.repeat, options.rate);
    return remote.frames > 0 ? 0 : 1;
}

} // namespace qaiobench
