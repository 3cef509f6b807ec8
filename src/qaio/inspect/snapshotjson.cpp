// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/inspect/snapshotjson.h>

#include <qaio/base/detail/jsonwriter_p.h>

#include <QtCore/QJsonDocument>

namespace qaio {

namespace {

using detail::JsonWriter;

std::int64_t nanoseconds(Duration d)
{
    return std::int64_t(d.count());
}

std::int64_t nanoseconds(TimePoint t)
{
    return std::int64_t(t.time_since_epoch().count());
}

void writeHistogram(JsonWriter &json, const DurationHistogram &h)
{
    json.beginArray();
    for (std::uint32_t count : h)
        json.value(std::uint64_t(count));
    json.endArray();
}

void writeIds(JsonWriter &json, const std::vector<std::uint64_t> &ids)
{
    json.beginArray();
    for (std::uint64_t id : ids)
        json.value(id);
    json.endArray();
}

void writeSite(JsonWriter &json, const SourceLocation &site)
{
    json.beginObject();
    json.key("file").value(site.file_name());
    json.key("line").value(std::int64_t(site.line()));
    json.key("function").value(site.function_name());
    json.endObject();
}

void writeEdge(JsonWriter &json, const AwaitEdge &e)
{
    json.beginObject();
    json.key("kind").value(AwaitEdge::kindName(e.kind));
    json.key("label").value(e.label);
    json.key("detail").value(e.detail);
    if (e.kind == AwaitEdge::Kind::Task)
        json.key("taskId").value(e.taskId);
    json.key("futureCreatedAt");
    writeSite(json, e.futureCreatedAt);
    json.key("futureCreatedByTask").value(e.futureCreatedByTask);
    if (e.deadline != TimePoint{})
        json.key("deadlineNs").value(nanoseconds(e.deadline));
    if (e.fd >= 0)
        json.key("fd").value(std::int64_t(e.fd));
    if (e.pid)
        json.key("pid").value(std::int64_t(e.pid));
    if (e.resourceId)
        json.key("resourceId").value(e.resourceId);
    if (e.holderTaskId)
        json.key("holderTaskId").value(e.holderTaskId);
    json.endObject();
}

void writeTask(JsonWriter &json, const TaskSnapshot &t)
{
    json.beginObject();
    json.key("id").value(t.id);
    json.key("parentId").value(t.parentId);
    json.key("name").value(t.name);
    json.key("state").value(TaskInfo::stateName(t.state));
    json.key("createdAt");
    writeSite(json, t.createdAt);
    json.key("awaitStack").beginArray();
    for (const SourceLocation &site : t.awaitStack)
        writeSite(json, site);
    json.endArray();
    if (t.awaits) {
        json.key("awaits");
        writeEdge(json, *t.awaits);
    }
    json.key("awaitedBy");
    writeIds(json, t.awaitedBy);
    json.key("steps").value(std::uint64_t(t.steps));
    json.key("busyNs").value(nanoseconds(t.busyTime));
    json.key("idleNs").value(nanoseconds(t.idleTime));
    json.key("scheduledNs").value(nanoseconds(t.scheduledTime));
    json.key("stepHistogram");
    writeHistogram(json, t.stepDurations);
    json.key("yields").value(std::uint64_t(t.yields));
    json.key("cancelling").value(t.cancelling);
    json.key("cancelMessage").value(t.cancelMessage);
    json.endObject();
}

void writeWarning(JsonWriter &json, const InspectorWarning &w)
{
    json.beginObject();
    json.key("kind").value(InspectorWarning::kindName(w.kind));
    json.key("taskId").value(w.taskId);
    json.key("taskName").value(w.taskName);
    if (!w.cycle.empty()) {
        json.key("cycle");
        writeIds(json, w.cycle);
    }
    json.key("createdAt");
    writeSite(json, w.createdAt);
    json.key("awaitSite");
    writeSite(json, w.awaitSite);
    json.key("message").value(w.message);
    json.endObject();
}

void writeLoop(JsonWriter &json, const LoopFigures &f)
{
    json.beginObject();
    json.key("readyCallbacks").value(std::uint64_t(f.readyCallbacks));
    json.key("timersPending").value(std::uint64_t(f.timersPending));
    json.key("watchedFds").value(std::uint64_t(f.watchedFds));
    json.key("liveFutures").value(std::uint64_t(f.liveFutures));
    json.key("pendingTasks").value(std::uint64_t(f.pendingTasks));
    json.key("callbacksRun").value(std::uint64_t(f.callbacksRun));
    json.key("wakeUps").value(std::uint64_t(f.wakeUps));
    json.key("callbacksPerSecond").value(f.callbacksPerSecond);
    json.key("timerLagHistogram");
    writeHistogram(json, f.timerLag);
    json.key("timeInQaioNs").value(nanoseconds(f.timeInQaio));
    json.key("timeInQtOutsideQaioNs").value(nanoseconds(f.timeInQtOutsideQaio));
    json.endObject();
}

void writeResource(JsonWriter &json, const ResourceInfo &r)
{
    json.beginObject();
    json.key("id").value(r.id);
    json.key("kind").value(r.kind);
    json.key("description").value(r.description);
    if (r.fd >= 0)
        json.key("fd").value(std::int64_t(r.fd));
    if (r.bytesIn >= 0)
        json.key("bytesIn").value(std::int64_t(r.bytesIn));
    if (r.bytesOut >= 0)
        json.key("bytesOut").value(std::int64_t(r.bytesOut));
    json.key("writeBufferSize").value(std::int64_t(r.writeBufferSize));
    json.key("readingPaused").value(r.readingPaused);
    json.key("writingPaused").value(r.writingPaused);
    json.key("closing").value(r.closing);
    json.key("waitingTasks");
    writeIds(json, r.waitingTasks);
    json.endObject();
}

void writeSlowEvent(JsonWriter &json, const SlowEvent &e)
{
    json.beginObject();
    json.key("taskId").value(e.taskId);
    json.key("what").value(e.what);
    json.key("site");
    writeSite(json, e.site);
    json.key("tookNs").value(nanoseconds(e.took));
    json.key("atNs").value(nanoseconds(e.at));
    json.endObject();
}

void writeSnapshot(JsonWriter &json, const InspectorSnapshot &s)
{
    json.beginObject();
    json.key("protocol").value(kInspectorProtocolVersion);
    json.key("partial").value(s.partial);
    if (s.partial) {
        json.key("removedTasks");
        writeIds(json, s.removedTasks);
    }
    json.key("sequence").value(std::uint64_t(s.sequence));
    json.key("takenAtNs").value(nanoseconds(s.takenAt));
    json.key("tasks").beginArray();
    for (const TaskSnapshot &t : s.tasks)
        writeTask(json, t);
    json.endArray();
    json.key("finished").beginArray();
    for (const TaskSnapshot &t : s.finished)
        writeTask(json, t);
    json.endArray();
    json.key("loop");
    writeLoop(json, s.loop);
    json.key("resources").beginArray();
    for (const ResourceInfo &r : s.resources)
        writeResource(json, r);
    json.endArray();
    json.key("slow").beginArray();
    for (const SlowEvent &e : s.slow)
        writeSlowEvent(json, e);
    json.endArray();
    json.key("warnings").beginArray();
    for (const InspectorWarning &w : s.warnings)
        writeWarning(json, w);
    json.endArray();
    json.endObject();
}

template <class Value, class Write>
QJsonObject toJsonObject(const Value &value, Write write)
{
    QByteArray out;
    JsonWriter json(out);
    write(json, value);
    return QJsonDocument::fromJson(out).object();
}

} // namespace

QByteArray snapshotToCompactJson(const InspectorSnapshot &snapshot)
{
    QByteArray out;
    // About 900 bytes a task: one allocation for the common sizes.
    out.reserve(qsizetype(1024 + 900 * (snapshot.tasks.size() + snapshot.finished.size())));
    JsonWriter json(out);
    writeSnapshot(json, snapshot);
    return out;
}

QJsonObject snapshotToJson(const InspectorSnapshot &snapshot)
{
    return QJsonDocument::fromJson(snapshotToCompactJson(snapshot)).object();
}

QJsonObject taskToJson(const TaskSnapshot &task)
{
    return toJsonObject(task, writeTask);
}

QJsonObject siteToJson(const SourceLocation &site)
{
    return toJsonObject(site, writeSite);
}

} // namespace qaio
