// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/inspect/snapshotjson.h>

#include <QtCore/QJsonArray>

namespace qaio {

namespace {

qint64 nanoseconds(Duration d)
{
    return qint64(d.count());
}

qint64 nanoseconds(TimePoint t)
{
    return qint64(t.time_since_epoch().count());
}

QJsonArray histogramToJson(const DurationHistogram &h)
{
    QJsonArray out;
    for (std::uint32_t count : h)
        out.append(qint64(count));
    return out;
}

QJsonArray idsToJson(const std::vector<std::uint64_t> &ids)
{
    QJsonArray out;
    for (std::uint64_t id : ids)
        out.append(qint64(id));
    return out;
}

QJsonObject edgeToJson(const AwaitEdge &e)
{
    QJsonObject o;
    o[QLatin1String("kind")] = AwaitEdge::kindName(e.kind);
    o[QLatin1String("label")] = e.label;
    o[QLatin1String("detail")] = e.detail;
    if (e.kind == AwaitEdge::Kind::Task)
        o[QLatin1String("taskId")] = qint64(e.taskId);
    o[QLatin1String("futureCreatedAt")] = siteToJson(e.futureCreatedAt);
    o[QLatin1String("futureCreatedByTask")] = qint64(e.futureCreatedByTask);
    if (e.deadline != TimePoint{})
        o[QLatin1String("deadlineNs")] = nanoseconds(e.deadline);
    if (e.fd >= 0)
        o[QLatin1String("fd")] = qint64(e.fd);
    if (e.pid)
        o[QLatin1String("pid")] = e.pid;
    if (e.resourceId)
        o[QLatin1String("resourceId")] = qint64(e.resourceId);
    return o;
}

QJsonObject warningToJson(const InspectorWarning &w)
{
    QJsonObject o;
    o[QLatin1String("kind")] = InspectorWarning::kindName(w.kind);
    o[QLatin1String("taskId")] = qint64(w.taskId);
    o[QLatin1String("taskName")] = w.taskName;
    if (!w.cycle.empty())
        o[QLatin1String("cycle")] = idsToJson(w.cycle);
    o[QLatin1String("createdAt")] = siteToJson(w.createdAt);
    o[QLatin1String("awaitSite")] = siteToJson(w.awaitSite);
    o[QLatin1String("message")] = w.message;
    return o;
}

} // namespace

QJsonObject siteToJson(const SourceLocation &site)
{
    QJsonObject o;
    o[QLatin1String("file")] = QString::fromUtf8(site.file_name());
    o[QLatin1String("line")] = qint64(site.line());
    o[QLatin1String("function")] = QString::fromUtf8(site.function_name());
    return o;
}

QJsonObject taskToJson(const TaskSnapshot &t)
{
    QJsonObject o;
    o[QLatin1String("id")] = qint64(t.id);
    o[QLatin1String("parentId")] = qint64(t.parentId);
    o[QLatin1String("name")] = t.name;
    o[QLatin1String("state")] = TaskInfo::stateName(t.state);
    o[QLatin1String("createdAt")] = siteToJson(t.createdAt);
    QJsonArray stack;
    for (const SourceLocation &site : t.awaitStack)
        stack.append(siteToJson(site));
    o[QLatin1String("awaitStack")] = stack;
    if (t.awaits)
        o[QLatin1String("awaits")] = edgeToJson(*t.awaits);
    o[QLatin1String("awaitedBy")] = idsToJson(t.awaitedBy);
    o[QLatin1String("steps")] = qint64(t.steps);
    o[QLatin1String("busyNs")] = nanoseconds(t.busyTime);
    o[QLatin1String("idleNs")] = nanoseconds(t.idleTime);
    o[QLatin1String("scheduledNs")] = nanoseconds(t.scheduledTime);
    o[QLatin1String("stepHistogram")] = histogramToJson(t.stepDurations);
    o[QLatin1String("yields")] = qint64(t.yields);
    o[QLatin1String("cancelling")] = t.cancelling;
    o[QLatin1String("cancelMessage")] = t.cancelMessage;
    return o;
}

QJsonObject snapshotToJson(const InspectorSnapshot &s)
{
    QJsonObject o;
    o[QLatin1String("protocol")] = kInspectorProtocolVersion;
    o[QLatin1String("partial")] = s.partial;
    if (s.partial)
        o[QLatin1String("removedTasks")] = idsToJson(s.removedTasks);
    o[QLatin1String("sequence")] = qint64(s.sequence);
    o[QLatin1String("takenAtNs")] = nanoseconds(s.takenAt);
    auto tasksToJson = [](const std::vector<TaskSnapshot> &tasks) {
        QJsonArray out;
        for (const TaskSnapshot &t : tasks)
            out.append(taskToJson(t));
        return out;
    };
    o[QLatin1String("tasks")] = tasksToJson(s.tasks);
    o[QLatin1String("finished")] = tasksToJson(s.finished);

    const LoopFigures &f = s.loop;
    QJsonObject loop;
    loop[QLatin1String("readyCallbacks")] = qint64(f.readyCallbacks);
    loop[QLatin1String("timersPending")] = qint64(f.timersPending);
    loop[QLatin1String("watchedFds")] = qint64(f.watchedFds);
    loop[QLatin1String("liveFutures")] = qint64(f.liveFutures);
    loop[QLatin1String("pendingTasks")] = qint64(f.pendingTasks);
    loop[QLatin1String("callbacksRun")] = qint64(f.callbacksRun);
    loop[QLatin1String("wakeUps")] = qint64(f.wakeUps);
    loop[QLatin1String("callbacksPerSecond")] = f.callbacksPerSecond;
    loop[QLatin1String("timerLagHistogram")] = histogramToJson(f.timerLag);
    loop[QLatin1String("timeInQaioNs")] = nanoseconds(f.timeInQaio);
    loop[QLatin1String("timeInQtOutsideQaioNs")] = nanoseconds(f.timeInQtOutsideQaio);
    o[QLatin1String("loop")] = loop;

    QJsonArray resources;
    for (const ResourceInfo &r : s.resources) {
        QJsonObject j;
        j[QLatin1String("id")] = qint64(r.id);
        j[QLatin1String("kind")] = r.kind;
        j[QLatin1String("description")] = r.description;
        if (r.fd >= 0)
            j[QLatin1String("fd")] = qint64(r.fd);
        if (r.bytesIn >= 0)
            j[QLatin1String("bytesIn")] = qint64(r.bytesIn);
        if (r.bytesOut >= 0)
            j[QLatin1String("bytesOut")] = qint64(r.bytesOut);
        j[QLatin1String("writeBufferSize")] = qint64(r.writeBufferSize);
        j[QLatin1String("readingPaused")] = r.readingPaused;
        j[QLatin1String("writingPaused")] = r.writingPaused;
        j[QLatin1String("closing")] = r.closing;
        j[QLatin1String("waitingTasks")] = idsToJson(r.waitingTasks);
        resources.append(j);
    }
    o[QLatin1String("resources")] = resources;

    QJsonArray slow;
    for (const SlowEvent &e : s.slow) {
        QJsonObject j;
        j[QLatin1String("taskId")] = qint64(e.taskId);
        j[QLatin1String("what")] = e.what;
        j[QLatin1String("site")] = siteToJson(e.site);
        j[QLatin1String("tookNs")] = nanoseconds(e.took);
        j[QLatin1String("atNs")] = nanoseconds(e.at);
        slow.append(j);
    }
    o[QLatin1String("slow")] = slow;
    QJsonArray warnings;
    for (const InspectorWarning &w : s.warnings)
        warnings.append(warningToJson(w));
    o[QLatin1String("warnings")] = warnings;
    return o;
}

} // namespace qaio
