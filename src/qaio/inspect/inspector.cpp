// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/inspect/inspector.h>

#include <qaio/base/errors.h>
#include <qaio/core/loopcore.h>
#include <qaio/core/detail/fdwatcher_p.h>
#include <qaio/core/detail/introspectionsink_p.h>
#include <qaio/core/detail/loopresource_p.h>
#include <qaio/inspect/detail/boundedring_p.h>
#include <qaio/inspect/detail/tracerecorder_p.h>
#include <qaio/platform/oserror.h>
#include <qaio/tasks/future.h>

#include <QtCore/QAbstractEventDispatcher>
#include <QtCore/QCoreApplication>
#include <QtCore/QJsonDocument>
#include <QtCore/QSaveFile>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QThread>

#include <algorithm>
#include <unordered_map>

namespace qaio {

QString AwaitEdge::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Future: return QStringLiteral("future");
    case Kind::Task: return QStringLiteral("task");
    case Kind::Sleep: return QStringLiteral("sleep");
    case Kind::Fd: return QStringLiteral("fd");
    case Kind::Signal: return QStringLiteral("signal");
    case Kind::QFuture: return QStringLiteral("qfuture");
    case Kind::StreamRead: return QStringLiteral("stream-read");
    case Kind::StreamDrain: return QStringLiteral("stream-drain");
    case Kind::Subprocess: return QStringLiteral("subprocess");
    case Kind::Lock: return QStringLiteral("lock");
    case Kind::Event: return QStringLiteral("event");
    case Kind::Condition: return QStringLiteral("condition");
    case Kind::Semaphore: return QStringLiteral("semaphore");
    case Kind::Barrier: return QStringLiteral("barrier");
    case Kind::Queue: return QStringLiteral("queue");
    case Kind::Gather: return QStringLiteral("gather");
    case Kind::Connection: return QStringLiteral("connection");
    case Kind::Server: return QStringLiteral("server");
    case Kind::Other: return QStringLiteral("other");
    }
    return {};
}

QString InspectorWarning::kindName(Kind kind)
{
    switch (kind) {
    case Kind::SlowStep: return QStringLiteral("slow-step");
    case Kind::SlowCallback: return QStringLiteral("slow-callback");
    case Kind::AwaitCycle: return QStringLiteral("await-cycle");
    case Kind::LostWaker: return QStringLiteral("lost-waker");
    case Kind::ExceptionNeverRetrieved: return QStringLiteral("exception-never-retrieved");
    case Kind::NeverAwaited: return QStringLiteral("never-awaited");
    case Kind::BusyYielding: return QStringLiteral("busy-yielding");
    }
    return {};
}

const TaskSnapshot *InspectorSnapshot::task(std::uint64_t id) const
{
    for (const TaskSnapshot &t : tasks)
        if (t.id == id)
            return &t;
    for (const TaskSnapshot &t : finished)
        if (t.id == id)
            return &t;
    return nullptr;
}

namespace {

// A pending task's state, without describing what it awaits (as TaskInfo says it).
TaskInfo::State pendingState(const detail::TaskStateBase &t)
{
    return t.running ? TaskInfo::State::Running : t.waitingOn ? TaskInfo::State::Waiting : TaskInfo::State::Scheduled;
}

// The inspector reads the loop's own structures: only ever from the loop's thread.
void requireLoopThread(const LoopCore &loop, const char *operation)
{
    if (detail::currentThreadTag() != loop.ownerThreadTag())
        throw RuntimeError(QStringLiteral("%1: not the loop's thread").arg(QLatin1String(operation)));
}

QString siteText(const SourceLocation &site)
{
    if (site.line() == 0)
        return QStringLiteral("an unknown site");
    return QStringLiteral("%1:%2").arg(QString::fromUtf8(site.file_name())).arg(site.line());
}

double seconds(Duration d)
{
    return std::chrono::duration<double>(d).count();
}

} // namespace

class Inspector::Private final : public detail::IntrospectionSink
{
public:
    Private(LoopCore &loop, const InspectorOptions &options)
        : loop(loop), options(options), finished(options.finishedCapacity), slow(options.slowCapacity),
          eventWarnings(options.eventWarningCapacity)
    {
    }

    // ---- IntrospectionSink: what only the moment can tell --------------------------
    void taskFinished(const detail::TaskStateBase &task, bool keptByNobody) noexcept override
    {
        try {
            TaskSnapshot done = describeTask(task, loop.time());
            if (keptByNobody) {
                InspectorWarning w;
                w.kind = InspectorWarning::Kind::NeverAwaited;
                w.taskId = done.id;
                w.taskName = done.name;
                w.createdAt = done.createdAt;
                w.message = QStringLiteral("%1 (created at %2) finished %3 and was never awaited nor kept: "
                                           "its outcome was dropped")
                                .arg(done.name, siteText(done.createdAt), TaskInfo::stateName(done.state));
                eventWarnings.push(std::move(w));
            }
            if (trace && loop.m_traceSteps)
                trace->taskFinished(done.id, done.name, TaskInfo::stateName(done.state), loop.time());
            finished.push(std::move(done));
            ++finishedTotal;
        } catch (...) {
            // Out of memory while recording: the inspector loses this one, the loop goes on.
        }
    }

    void taskStarted(const detail::TaskStateBase &task) noexcept override
    {
        try {
            if (trace)
                trace->taskStarted(task.id, task.displayName(), loop.time());
        } catch (...) {
        }
    }

    void stepRan(const detail::TaskStateBase &task, TimePoint begin, TimePoint end, std::uint64_t wokenByTask) noexcept override
    {
        try {
            if (trace)
                trace->step(task.id, begin, end, wokenByTask);
        } catch (...) {
        }
    }

    void slowStep(const detail::TaskStateBase &task, Duration took) noexcept override
    {
        try {
            SlowEvent e;
            e.taskId = task.id;
            e.what = task.displayName();
            const std::vector<SourceLocation> stack = awaitStackOf(task);
            e.site = stack.empty() ? task.future->where : stack.back();
            e.took = took;
            e.at = loop.time();
            slow.push(std::move(e));
        } catch (...) {
        }
    }

    void slowCallback(const detail::HandleImpl &handle, Duration took) noexcept override
    {
        try {
            SlowEvent e;
            e.what = QStringLiteral("callback scheduled at %1").arg(siteText(handle.where));
            e.site = handle.where;
            e.took = took;
            e.at = loop.time();
            if (trace && loop.m_traceSteps)
                trace->slowCallback(e.site, e.at, took);
            slow.push(std::move(e));
        } catch (...) {
        }
    }

    void exceptionNeverRetrieved(const detail::FutureStateBase &future) noexcept override
    {
        try {
            InspectorWarning w;
            w.kind = InspectorWarning::Kind::ExceptionNeverRetrieved;
            if (future.task) {
                w.taskId = future.task->id;
                w.taskName = future.task->displayName();
            }
            w.createdAt = future.where;
            w.message = QStringLiteral("%1 failed and nobody retrieved its exception (created at %2)")
                            .arg(future.describe(), siteText(future.where));
            eventWarnings.push(std::move(w));
        } catch (...) {
        }
    }

    void dispatched(TimePoint begin, TimePoint end, Duration maxTimerLag) noexcept override
    {
        timeInQaio += end - begin;
        try {
            if (trace && loop.m_traceSteps)
                trace->dispatch(begin, end, maxTimerLag);
        } catch (...) {
        }
    }

    // ---- snapshots -----------------------------------------------------------------
    static std::vector<SourceLocation> awaitStackOf(const detail::TaskStateBase &task)
    {
        std::vector<SourceLocation> stack;
#if QAIO_INTROSPECTION
        if (!task.started || !task.root)
            return stack;
        for (const detail::CoroPromiseBase *p = task.rootPromise; p; p = p->awaitedCoro) {
            if (p->awaitSite.line() != 0)
                stack.push_back(p->awaitSite);
            if (stack.size() > 256)
                break; // a runaway recursion: the innermost sites are the interesting ones anyway
        }
#else
        (void)task;
#endif
        return stack;
    }

    static AwaitEdge describeEdge(const detail::FutureStateBase &awaited)
    {
        AwaitEdge edge;
        edge.kind = awaited.task ? AwaitEdge::Kind::Task : awaited.awaitKind;
        edge.label = awaited.label ? QString::fromLatin1(awaited.label) : QString();
        edge.futureCreatedAt = awaited.where;
        edge.futureCreatedByTask = awaited.createdByTask;
        if (awaited.task) {
            edge.taskId = awaited.task->id;
            edge.futureCreatedByTask = awaited.task->parentId;
            edge.detail = awaited.task->displayName();
        }
        if (awaited.awaitTarget)
            awaited.awaitTarget->describeAwait(edge);
        if (edge.detail.isEmpty() && !awaited.task)
            edge.detail = awaited.describe();
        return edge;
    }

    TaskSnapshot describeTask(const detail::TaskStateBase &task, TimePoint now) const
    {
        const TaskInfo info = task.info();
        TaskSnapshot t;
        t.id = info.id;
        t.parentId = info.parentId;
        t.name = info.name;
        t.state = info.state;
        t.createdAt = info.createdAt;
        t.steps = info.steps;
        t.busyTime = info.runTime;
        t.cancelling = info.cancelling;
        t.cancelMessage = task.future->status == detail::FutureStatus::Cancelled ? task.future->cancelMessage
                                                                                   : task.cancelMessage;
        t.awaitStack = awaitStackOf(task);
        if (info.state == TaskInfo::State::Waiting && task.waitingOn)
            t.awaits = describeEdge(*task.waitingOn);
#if QAIO_INTROSPECTION
        t.idleTime = task.waitTime;
        t.scheduledTime = task.readyTime;
        if (info.state == TaskInfo::State::Waiting && now > task.waitingSince)
            t.idleTime += now - task.waitingSince;
        else if (info.state == TaskInfo::State::Scheduled && task.readyMarked && now > task.readySince)
            t.scheduledTime += now - task.readySince;
        t.stepDurations = task.stepDurations.counts;
        t.yields = task.yields;
#else
        (void)now;
#endif
        return t;
    }

    void addTaskWarnings(const detail::TaskStateBase &task, const TaskSnapshot &t, std::vector<InspectorWarning> &out) const
    {
        auto warning = [&](InspectorWarning::Kind kind, QString message) {
            InspectorWarning w;
            w.kind = kind;
            w.taskId = t.id;
            w.taskName = t.name;
            w.createdAt = t.createdAt;
            w.awaitSite = t.awaitSite();
            w.message = std::move(message);
            out.push_back(std::move(w));
        };
#if QAIO_INTROSPECTION
        const detail::FutureStateBase *awaited = task.waitingOn;
        if (awaited && !awaited->isDone() && !awaited->task && awaited->awaitKind == AwaitEdge::Kind::Future
            && task.ownRefsOnAwaited > 0 && awaited->refs.load(std::memory_order_relaxed) <= task.ownRefsOnAwaited
            && awaited->waitingTask == &task && awaited->callbacks.empty()) {
            warning(InspectorWarning::Kind::LostWaker,
                    QStringLiteral("%1 waits at %2 on a future (created at %3) that nothing else holds: "
                                   "nothing can complete it, the task will wait forever")
                        .arg(t.name, siteText(t.awaitSite()), siteText(awaited->where)));
        }
        if (t.steps >= options.busyYieldMinSteps && std::uint64_t(t.yields) * 2 > t.steps) {
            warning(InspectorWarning::Kind::BusyYielding,
                    QStringLiteral("%1 rescheduled itself in %2 of its %3 steps: it polls instead of awaiting "
                                   "what it needs, and keeps the loop busy")
                        .arg(t.name).arg(t.yields).arg(t.steps));
        }
#else
        (void)task;
        (void)warning;
#endif
    }

    // The reverse edges of the await graph: each awaited task's id, and who awaits it, in
    // the order of the loop's task list.
    using AwaitersByTask = std::unordered_map<std::uint64_t, std::vector<std::uint64_t>>;
    static AwaitersByTask awaitersByTask(const LoopCore &loop)
    {
        AwaitersByTask awaiters;
        for (const detail::TaskStateBase *t = loop.m_tasksHead; t; t = t->nextTask) {
            if (pendingState(*t) == TaskInfo::State::Waiting && t->waitingOn->task)
                awaiters[t->waitingOn->task->id].push_back(t->id);
        }
        return awaiters;
    }

    static void addCycleWarnings(std::vector<TaskSnapshot> &tasks, std::vector<InspectorWarning> &out)
    {
        // Each task awaits at most one thing, so its edges to other tasks (the task it
        // awaits, or the holder of the lock it waits for) form chains; a chain that comes
        // back to a task of the same walk is a deadlock.
        std::unordered_map<std::uint64_t, std::size_t> index;
        for (std::size_t i = 0; i < tasks.size(); ++i)
            index.emplace(tasks[i].id, i);
        auto blocker = [](const TaskSnapshot &t) -> std::uint64_t {
            if (!t.awaits)
                return 0;
            if (t.awaits->kind == AwaitEdge::Kind::Task)
                return t.awaits->taskId;
            if (t.awaits->kind == AwaitEdge::Kind::Lock)
                return t.awaits->holderTaskId;
            return 0;
        };
        auto next = [&](std::size_t i) -> std::optional<std::size_t> {
            const auto it = index.find(blocker(tasks[i]));
            if (it == index.end())
                return std::nullopt;
            return it->second;
        };
        std::vector<int> walk(tasks.size(), -1); // the walk that first reached each task
        for (std::size_t start = 0; start < tasks.size(); ++start) {
            if (walk[start] != -1)
                continue;
            std::size_t at = start;
            std::optional<std::size_t> step = start;
            while (step && walk[*step] == -1) {
                at = *step;
                walk[at] = int(start);
                step = next(at);
            }
            if (!step || walk[*step] != int(start))
                continue; // the chain ends, or joins an earlier walk
            InspectorWarning w;
            w.kind = InspectorWarning::Kind::AwaitCycle;
            std::size_t member = *step;
            QStringList names;
            QStringList lockWaits; // the edges that are a lock's wait, not a task's
            do {
                const std::size_t following = *next(member);
                w.cycle.push_back(tasks[member].id);
                names << tasks[member].name;
                if (tasks[member].awaits->kind == AwaitEdge::Kind::Lock)
                    lockWaits << QStringLiteral("%1 waits for %2 held by %3")
                                     .arg(tasks[member].name, tasks[member].awaits->detail, tasks[following].name);
                member = following;
            } while (member != *step);
            const TaskSnapshot &first = tasks[*step];
            w.taskId = first.id;
            w.taskName = first.name;
            w.createdAt = first.createdAt;
            w.awaitSite = first.awaitSite();
            if (names.size() == 1) {
                // Only a lock's wait leads back to its own task (a task cannot await itself).
                w.message = QStringLiteral("deadlock: %1 waits for %2, which it holds itself (a Lock is not "
                                           "reentrant); it can never finish")
                                .arg(first.name, first.awaits->detail);
            } else {
                w.message = QStringLiteral("deadlock: %1 await each other in a cycle (%1 → %2)%3; none of them can finish")
                            .arg(names.join(QStringLiteral(" → ")), names.first(),
                                 lockWaits.isEmpty() ? QString() : QStringLiteral(": ") + lockWaits.join(QStringLiteral(", ")));
            }
            out.push_back(std::move(w));
        }
    }

    LoopCore &loop;
    InspectorOptions options;
    detail::BoundedRing<TaskSnapshot> finished;
    detail::BoundedRing<SlowEvent> slow;
    detail::BoundedRing<InspectorWarning> eventWarnings;
    std::uint64_t sequence = 0;
    Duration timeInQaio{};
    Duration timeAwake{};
    TimePoint awakeSince{};
    bool awake = false;
    std::uint64_t lastCallbacksRun = 0;
    TimePoint lastSnapshotAt{};
    std::unique_ptr<detail::TraceRecorder> trace;
    std::uint64_t finishedTotal = 0; // tasks recorded in the finished ring so far
    QObject dispatcherContext;
};

void Inspector::addResources(LoopCore &loop, InspectorSnapshot &s)
{
    detail::LoopResource::forEach(loop, [&s](const detail::LoopResource &r) {
        ResourceInfo info;
        info.id = r.resourceId();
        r.describeResource(info);
        s.resources.push_back(std::move(info));
    });
    std::vector<qintptr> fds;
    for (const auto &[fd, watcher] : loop.m_fdWatchers)
        if (!watcher->isIdle() && !loop.m_transportFds.count(fd))
            fds.push_back(fd);
    std::sort(fds.begin(), fds.end());
    for (qintptr fd : fds) {
        const detail::FdWatcher &watcher = *loop.m_fdWatchers.at(fd);
        ResourceInfo info;
        info.kind = QStringLiteral("fd");
        info.fd = fd;
        info.description = watcher.hasReader() && watcher.hasWriter() ? QStringLiteral("reader and writer")
                           : watcher.hasReader()                      ? QStringLiteral("reader")
                                                                      : QStringLiteral("writer");
        s.resources.push_back(std::move(info));
    }
    std::vector<int> signalNumbers;
    for (const auto &entry : loop.m_signalHandlers)
        signalNumbers.push_back(entry.first);
    std::sort(signalNumbers.begin(), signalNumbers.end());
    for (int signum : signalNumbers) {
        ResourceInfo info;
        info.kind = QStringLiteral("signal");
        info.description = QStringLiteral("signal %1").arg(signum);
        s.resources.push_back(std::move(info));
    }
    // Which tasks wait on each.
    for (const TaskSnapshot &t : s.tasks) {
        if (!t.awaits)
            continue;
        for (ResourceInfo &r : s.resources) {
            const bool named = t.awaits->resourceId != 0 && r.id == t.awaits->resourceId;
            const bool sameFd = t.awaits->kind == AwaitEdge::Kind::Fd && r.kind == QLatin1String("fd") && r.fd == t.awaits->fd;
            if (named || sameFd)
                r.waitingTasks.push_back(t.id);
        }
    }
}

Inspector::Inspector(LoopCore &loop, const InspectorOptions &options)
{
    if (detail::currentThreadTag() != loop.ownerThreadTag())
        throw RuntimeError("Inspector(): not the loop's thread (create it where the loop runs)");
    if (loop.m_introspection)
        throw RuntimeError("Inspector(): another Inspector is attached to this loop");
    d = std::make_unique<Private>(loop, options);
    loop.m_introspection = d.get();
    // The time the thread is awake in Qt, less the time in qaio: what else keeps it busy.
    if (QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance(QThread::currentThread())) {
        Private *p = d.get();
        QObject::connect(dispatcher, &QAbstractEventDispatcher::awake, &p->dispatcherContext, [p] {
            if (!p->awake) {
                p->awake = true;
                p->awakeSince = p->loop.time();
            }
        });
        QObject::connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, &p->dispatcherContext, [p] {
            if (p->awake) {
                p->awake = false;
                p->timeAwake += p->loop.time() - p->awakeSince;
            }
        });
    }
}

Inspector::~Inspector()
{
    if (d->loop.m_introspection == d.get()) {
        d->loop.m_introspection = nullptr;
        d->loop.m_traceSteps = false;
    }
}

void Inspector::startTrace(std::size_t capacity)
{
    LoopCore &loop = d->loop;
    requireLoopThread(loop, "Inspector::startTrace()");
    if (capacity == 0)
        throw ValueError("Inspector::startTrace(): capacity must be positive");
    const TimePoint now = loop.time();
    d->trace = std::make_unique<detail::TraceRecorder>(capacity, now);
    // The tasks alive now begin at the start of the trace.
    for (const detail::TaskStateBase *t = loop.m_tasksHead; t; t = t->nextTask)
        d->trace->taskStarted(t->id, t->displayName(), now);
    loop.m_traceSteps = true;
}

void Inspector::stopTrace()
{
    d->loop.m_traceSteps = false;
}

bool Inspector::isTracing() const noexcept
{
    return d->loop.m_traceSteps && d->loop.m_introspection == d.get();
}

QJsonObject Inspector::traceJson() const
{
    if (!d->trace)
        return detail::TraceRecorder(1, d->loop.time()).toJson(QCoreApplication::applicationPid());
    return d->trace->toJson(QCoreApplication::applicationPid());
}

void Inspector::writeTrace(const QString &path) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(traceJson()).toJson(QJsonDocument::Compact)) < 0
        || !file.commit())
        throw OSError(QStringLiteral("Inspector::writeTrace(): cannot write %1: %2").arg(path, file.errorString()));
}

LoopCore &Inspector::loop() const noexcept
{
    return d->loop;
}

std::uint64_t Inspector::callbacksRun() const noexcept
{
#if QAIO_INTROSPECTION
    return d->loop.m_callbacksRun;
#else
    return 0;
#endif
}

bool Inspector::isBookkeepingCompiled() noexcept
{
    return QAIO_INTROSPECTION != 0;
}

InspectorSnapshot Inspector::snapshot()
{
    LoopCore &loop = d->loop;
    requireLoopThread(loop, "Inspector::snapshot()");
    InspectorSnapshot s;
    s.sequence = ++d->sequence;
    s.takenAt = loop.time();

    std::size_t count = 0;
    for (const detail::TaskStateBase *t = loop.m_tasksHead; t; t = t->nextTask)
        ++count;
    s.tasks.reserve(count);
    for (const detail::TaskStateBase *t = loop.m_tasksHead; t; t = t->nextTask) {
        s.tasks.push_back(d->describeTask(*t, s.takenAt));
        d->addTaskWarnings(*t, s.tasks.back(), s.warnings);
    }
    Private::AwaitersByTask awaiters = Private::awaitersByTask(loop);
    for (TaskSnapshot &t : s.tasks) {
        const auto it = awaiters.find(t.id);
        if (it != awaiters.end())
            t.awaitedBy = std::move(it->second);
    }
    Private::addCycleWarnings(s.tasks, s.warnings);
    s.finished = d->finished.items();
    addResources(loop, s);

    addLoopFigures(s);

    s.slow = d->slow.items();
    for (const SlowEvent &e : s.slow) {
        InspectorWarning w;
        w.kind = e.taskId ? InspectorWarning::Kind::SlowStep : InspectorWarning::Kind::SlowCallback;
        w.taskId = e.taskId;
        w.taskName = e.taskId ? e.what : QString();
        w.awaitSite = e.site;
        w.message = e.taskId ? QStringLiteral("a step of %1 ran %2 s without yielding (until %3): the loop and the "
                                              "window stalled meanwhile")
                                   .arg(e.what)
                                   .arg(seconds(e.took), 0, 'f', 3)
                                   .arg(siteText(e.site))
                             : QStringLiteral("a %1 ran %2 s: the loop and the window stalled meanwhile")
                                   .arg(e.what)
                                   .arg(seconds(e.took), 0, 'f', 3);
        s.warnings.push_back(std::move(w));
    }
    for (InspectorWarning &w : d->eventWarnings.items())
        s.warnings.push_back(std::move(w));
    return s;
}

void Inspector::addLoopFigures(InspectorSnapshot &s)
{
    LoopCore &loop = d->loop;
    LoopFigures &f = s.loop;
    f.readyCallbacks = loop.m_ready.size();
    f.timersPending = loop.m_timers.size() - loop.m_timers.cancelledCount();
    f.watchedFds = loop.m_fdWatchers.size();
    f.liveFutures = loop.m_liveFutures;
    f.pendingTasks = loop.m_pendingTasks;
#if QAIO_INTROSPECTION
    f.callbacksRun = loop.m_callbacksRun;
    f.wakeUps = loop.m_dispatches;
    f.timerLag = loop.m_timerLag.counts;
    if (d->lastSnapshotAt != TimePoint{} && s.takenAt > d->lastSnapshotAt)
        f.callbacksPerSecond = double(f.callbacksRun - d->lastCallbacksRun) / seconds(s.takenAt - d->lastSnapshotAt);
    d->lastCallbacksRun = f.callbacksRun;
#endif
    d->lastSnapshotAt = s.takenAt;
    f.timeInQaio = d->timeInQaio;
    Duration awake = d->timeAwake;
    if (d->awake && s.takenAt > d->awakeSince)
        awake += s.takenAt - d->awakeSince;
    f.timeInQtOutsideQaio = awake > d->timeInQaio ? awake - d->timeInQaio : Duration::zero();
}

InspectorSnapshot Inspector::changesSince(SnapshotCursor &cursor)
{
    LoopCore &loop = d->loop;
    requireLoopThread(loop, "Inspector::changesSince()");
    const std::uint64_t generation = ++cursor.generation;
    if (generation == 1) {
        InspectorSnapshot full = snapshot();
        for (const detail::TaskStateBase *t = loop.m_tasksHead; t; t = t->nextTask)
            cursor.tasks[t->id] = SnapshotCursor::Seen{t->steps, int(pendingState(*t)), t->cancelRequests, generation};
        cursor.finishedSeen = d->finishedTotal;
        return full;
    }
    InspectorSnapshot s;
    s.partial = true;
    s.sequence = ++d->sequence;
    s.takenAt = loop.time();
    Private::AwaitersByTask waiters = Private::awaitersByTask(loop);
    for (const detail::TaskStateBase *t = loop.m_tasksHead; t; t = t->nextTask) {
        const auto it = cursor.tasks.find(t->id);
        const TaskInfo::State state = pendingState(*t);
        if (it != cursor.tasks.end() && it->second.steps == t->steps && it->second.state == int(state)
            && it->second.cancelling == t->cancelRequests) {
            it->second.generation = generation;
            continue;
        }
        TaskSnapshot changed = d->describeTask(*t, s.takenAt);
        const auto w = waiters.find(t->id);
        if (w != waiters.end())
            changed.awaitedBy = std::move(w->second);
        cursor.tasks[t->id] = SnapshotCursor::Seen{t->steps, int(state), t->cancelRequests, generation};
        s.tasks.push_back(std::move(changed));
    }
    for (auto it = cursor.tasks.begin(); it != cursor.tasks.end();) {
        if (it->second.generation != generation) {
            s.removedTasks.push_back(it->first);
            it = cursor.tasks.erase(it);
        } else {
            ++it;
        }
    }
    std::sort(s.removedTasks.begin(), s.removedTasks.end());
    const std::uint64_t newlyFinished = d->finishedTotal - cursor.finishedSeen;
    if (newlyFinished > 0) {
        std::vector<TaskSnapshot> ring = d->finished.items();
        const std::size_t take = std::size_t(std::min<std::uint64_t>(newlyFinished, ring.size()));
        s.finished.assign(std::make_move_iterator(ring.end() - std::ptrdiff_t(take)), std::make_move_iterator(ring.end()));
    }
    cursor.finishedSeen = d->finishedTotal;
    addResources(loop, s);
    addLoopFigures(s);
    return s;
}

bool Inspector::cancelTask(std::uint64_t id, const QString &message)
{
    LoopCore &loop = d->loop;
    requireLoopThread(loop, "Inspector::cancelTask()");
    for (detail::TaskStateBase *t = loop.m_tasksHead; t; t = t->nextTask) {
        if (t->id == id)
            return TaskBase::fromState(t->future).cancel(message);
    }
    return false;
}

} // namespace qaio
