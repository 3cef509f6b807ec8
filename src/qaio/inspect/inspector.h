// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file inspector.h
    Inspector: live introspection of one event loop. Every task with what it awaits (the
    await graph, typed edges: tasks, futures, sleeps, descriptors, Qt signals, QFutures,
    streams, subprocesses, locks and queues), where it waits (the co_await's site and the
    stack of coroutines above it), how its time splits between running, waiting and being
    ready, its step durations; the loop's figures (queues, wake-ups, timer lag, time the
    thread spent in qaio and elsewhere in Qt); and warnings about what looks wrong (slow
    steps, deadlocks, lost wake-ups, exceptions nobody retrieved, fire-and-forget tasks,
    busy-yielding).

    The loop keeps a few counters per step whatever happens (turned off entirely by
    configuring with QAIO_INTROSPECTION=OFF). Creating an Inspector attaches it: from then
    on it also records finished tasks (a ring of the last finishedCapacity), slow callbacks
    and the time spent dispatching. A snapshot is computed on demand, on the loop's thread;
    memory stays bounded whatever the program does.

    Errors: the constructor throws RuntimeError if another Inspector is attached to the
    loop or it is called from another thread; snapshot() and cancelTask() throw
    RuntimeError from another thread.

    \code
    qaio::Inspector inspector(loop);
    // ... later, on the loop's thread:
    const qaio::InspectorSnapshot s = inspector.snapshot();
    for (const qaio::TaskSnapshot &t : s.tasks)
        qDebug() << t.name << qaio::TaskInfo::stateName(t.state)
                 << (t.awaits ? t.awaits->label : QString());
    for (const qaio::InspectorWarning &w : s.warnings)
        qWarning() << w.message;
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/core/resourceinfo.h>
#include <qaio/tasks/awaitedge.h>
#include <qaio/tasks/task.h>

#include <QtCore/QJsonObject>
#include <QtCore/QString>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace qaio {

class LoopCore;

/*! Log2 buckets of durations: bucket 0 counts those under 1.024 µs, bucket k those in
    [2^(k+9), 2^(k+10)) ns, the last all from about 268 ms up. */
using DurationHistogram = std::array<std::uint32_t, 20>;

/*! One task as a snapshot saw it. */
struct TaskSnapshot
{
    std::uint64_t id = 0;
    std::uint64_t parentId = 0; // the task that created it; 0: outside any task
    QString name;
    TaskInfo::State state = TaskInfo::State::Scheduled;
    SourceLocation createdAt;
    /*! The sites of the co_awaits the task is suspended in, outermost (its coroutine)
        first, innermost (where it waits) last; empty before its first step. */
    std::vector<SourceLocation> awaitStack;
    /*! What it waits on, while Waiting. */
    std::optional<AwaitEdge> awaits;
    /*! The tasks waiting on this one (the await graph's reverse edges). */
    std::vector<std::uint64_t> awaitedBy;
    std::uint64_t steps = 0;
    Duration busyTime{};      // inside its steps
    Duration idleTime{};      // suspended on something (up to the snapshot)
    Duration scheduledTime{}; // ready, waiting for the loop (up to the snapshot)
    DurationHistogram stepDurations{};
    std::uint32_t yields = 0; // steps that ended in sleep(0)
    int cancelling = 0;
    QString cancelMessage; // of the last cancellation request

    /*! The innermost await site, or an empty location. */
    SourceLocation awaitSite() const { return awaitStack.empty() ? SourceLocation() : awaitStack.back(); }
};

/*! A step or callback that ran for at least slowCallbackDuration(). */
struct SlowEvent
{
    std::uint64_t taskId = 0; // 0: a plain callback
    QString what;             // the task's name, or the callback's description
    SourceLocation site;      // where the step stopped (its await site) or the callback was scheduled
    Duration took{};
    TimePoint at{};           // when it ended, on the loop's clock
};

/*! The loop's own figures. Counters run from the loop's creation; times from attaching. */
struct LoopFigures
{
    std::size_t readyCallbacks = 0;  // in the ready queue now
    std::size_t timersPending = 0;   // scheduled, not cancelled
    std::size_t watchedFds = 0;      // descriptors with a reader or writer
    std::size_t liveFutures = 0;
    std::size_t pendingTasks = 0;
    std::uint64_t callbacksRun = 0;  // task steps included
    std::uint64_t wakeUps = 0;       // dispatches: batches of ticks or of descriptor events
    double callbacksPerSecond = 0;   // since the previous snapshot (loop clock)
    DurationHistogram timerLag{};    // how late timers became ready
    Duration timeInQaio{};           // dispatching qaio's work, since attaching
    Duration timeInQtOutsideQaio{};  // the thread awake in Qt but not in qaio (painting, other events)
};

struct InspectorWarning
{
    enum class Kind { SlowStep, SlowCallback, AwaitCycle, LostWaker, ExceptionNeverRetrieved, NeverAwaited, BusyYielding };
    Kind kind = Kind::SlowStep;
    std::uint64_t taskId = 0;
    QString taskName;
    std::vector<std::uint64_t> cycle; // AwaitCycle: the tasks of the cycle, in await order
    SourceLocation createdAt;
    SourceLocation awaitSite;
    QString message; // one line: what is wrong and why it matters

    static QString kindName(Kind kind);
};

struct InspectorSnapshot
{
    /*! A frame of Inspector::changesSince(): tasks holds only the tasks that are new or
        changed (steps, state or cancellation) since the previous frame, removedTasks those
        that ended, finished those that finished since; no warnings or slow events. */
    bool partial = false;
    std::vector<std::uint64_t> removedTasks;
    std::uint64_t sequence = 0; // counts the snapshots of this inspector
    TimePoint takenAt{};        // the loop's clock
    std::vector<TaskSnapshot> tasks;    // live (pending) tasks, in creation order
    std::vector<TaskSnapshot> finished; // the ring of finished tasks, oldest first
    LoopFigures loop;
    /*! Open transports and servers (newest first), descriptors watched with addReader()
        or a sock*() call, signal handlers; each with the tasks waiting on it. */
    std::vector<ResourceInfo> resources;
    std::vector<SlowEvent> slow;        // the ring of slow steps and callbacks, oldest first
    std::vector<InspectorWarning> warnings;

    /*! The live or finished task \a id, or nullptr. */
    const TaskSnapshot *task(std::uint64_t id) const;
};

/*! What a stream of frames (Inspector::changesSince()) remembers between two of them. */
struct SnapshotCursor
{
    struct Seen
    {
        std::uint64_t steps = 0;
        int state = 0;
        int cancelling = 0;
        std::uint64_t generation = 0;
    };
    std::unordered_map<std::uint64_t, Seen> tasks;
    std::uint64_t finishedSeen = 0;
    std::uint64_t generation = 0; // 0: no frame yet, the next one is full
};

struct InspectorOptions
{
    std::size_t finishedCapacity = 1000; // finished tasks kept
    std::size_t slowCapacity = 100;      // slow steps and callbacks kept
    std::size_t eventWarningCapacity = 100; // warnings that happened (never retrieved, never awaited)
    /*! A task is busy-yielding when more than half of at least this many steps ended in sleep(0). */
    std::uint64_t busyYieldMinSteps = 16;
};

class QAIO_EXPORT Inspector
{
public:
    /*! Attaches to \a loop (an EventLoop converts). Throws RuntimeError if another
        Inspector is attached or this is not the loop's thread. */
    explicit Inspector(LoopCore &loop, const InspectorOptions &options = {});
    ~Inspector();
    Inspector(const Inspector &) = delete;
    Inspector &operator=(const Inspector &) = delete;

    /*! A consistent picture of the loop now. */
    InspectorSnapshot snapshot();
    /*! The first call with a fresh \a cursor gives snapshot(); later calls only what
        changed since the previous call with the same cursor (see InspectorSnapshot::partial):
        what a live view needs, at a cost that grows with the changes, not the tasks. */
    InspectorSnapshot changesSince(SnapshotCursor &cursor);
    /*! Requests cancellation of the pending task \a id with \a message (Task.cancel()).
        Returns false if no pending task has that id. */
    bool cancelTask(std::uint64_t id, const QString &message = {});
    /*! Starts recording a trace (replacing one recorded before): task steps, task
        lifetimes, the await edges that woke steps, qaio's dispatches with the timer lag,
        slow callbacks. The last \a capacity events are kept. */
    void startTrace(std::size_t capacity = 100000);
    /*! Stops recording; the events recorded stay available to traceJson(). */
    void stopTrace();
    bool isTracing() const noexcept;
    /*! The recorded events in Chrome's trace-event format (loads in ui.perfetto.dev and
        chrome://tracing): {"traceEvents": [...], ...}. Empty events if none was started. */
    QJsonObject traceJson() const;
    /*! Writes traceJson() to \a path. Throws OSError if it cannot be written. */
    void writeTrace(const QString &path) const;

    /*! Callbacks (task steps included) the loop has run so far; 0 without the bookkeeping. */
    std::uint64_t callbacksRun() const noexcept;

    /*! Whether this build keeps the bookkeeping (QAIO_INTROSPECTION). */
    static bool isBookkeepingCompiled() noexcept;

    LoopCore &loop() const noexcept;

private:
    static void addResources(LoopCore &loop, InspectorSnapshot &snapshot);
    void addLoopFigures(InspectorSnapshot &snapshot);
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace qaio
