// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/inspect/detail/tracerecorder_p.h>

#include <QtCore/QJsonArray>

#include <unordered_map>

namespace qaio::detail {

namespace {

// One process, one thread in the trace: the loop's (its events are nested by time).
constexpr int kLoopThread = 1;

double microseconds(Duration d)
{
    return double(d.count()) / 1000.0;
}

QJsonObject baseEvent(const QString &name, const char *category, const char *phase, double ts, qint64 pid)
{
    QJsonObject e;
    e[QLatin1String("name")] = name;
    e[QLatin1String("cat")] = QLatin1String(category);
    e[QLatin1String("ph")] = QLatin1String(phase);
    e[QLatin1String("ts")] = ts;
    e[QLatin1String("pid")] = pid;
    e[QLatin1String("tid")] = kLoopThread;
    return e;
}

QString hexId(std::uint64_t id)
{
    return QStringLiteral("0x%1").arg(id, 0, 16);
}

} // namespace

void TraceRecorder::taskStarted(std::uint64_t id, const QString &name, TimePoint at)
{
    Event e;
    e.type = Event::Type::TaskBegin;
    e.taskId = id;
    e.at = at;
    e.text = name;
    m_events.push(std::move(e));
}

void TraceRecorder::taskFinished(std::uint64_t id, const QString &name, const QString &state, TimePoint at)
{
    Event e;
    e.type = Event::Type::TaskEnd;
    e.taskId = id;
    e.at = at;
    e.text = name + u'\n' + state;
    m_events.push(std::move(e));
}

void TraceRecorder::step(std::uint64_t id, TimePoint begin, TimePoint end, std::uint64_t wokenByTask)
{
    Event e;
    e.type = Event::Type::Step;
    e.taskId = id;
    e.wokenByTask = wokenByTask;
    e.at = begin;
    e.length = end - begin;
    m_events.push(std::move(e));
}

void TraceRecorder::dispatch(TimePoint begin, TimePoint end, Duration maxTimerLag)
{
    Event e;
    e.type = Event::Type::Dispatch;
    e.at = begin;
    e.length = end - begin;
    e.timerLag = maxTimerLag;
    m_events.push(std::move(e));
}

void TraceRecorder::slowCallback(const SourceLocation &site, TimePoint end, Duration took)
{
    Event e;
    e.type = Event::Type::SlowCallback;
    e.at = end - took;
    e.length = took;
    e.text = QStringLiteral("%1:%2").arg(QString::fromUtf8(site.file_name())).arg(site.line());
    m_events.push(std::move(e));
}

QJsonObject TraceRecorder::toJson(qint64 pid) const
{
    const std::vector<Event> events = m_events.items();
    // Task names come with their begin events; a step whose task began before the ring's
    // oldest event gets "Task-<id>".
    std::unordered_map<std::uint64_t, QString> names;
    for (const Event &e : events)
        if (e.type == Event::Type::TaskBegin)
            names.emplace(e.taskId, e.text);
    auto nameOf = [&](std::uint64_t id) {
        const auto it = names.find(id);
        return it != names.end() ? it->second : QStringLiteral("Task-%1").arg(id);
    };
    auto ts = [&](TimePoint t) { return t > m_origin ? microseconds(t - m_origin) : 0.0; };

    QJsonArray out;
    QJsonObject processName = baseEvent(QStringLiteral("process_name"), "__metadata", "M", 0, pid);
    processName[QLatin1String("args")] = QJsonObject{{QStringLiteral("name"), QStringLiteral("qaio")}};
    out.append(processName);
    QJsonObject threadName = baseEvent(QStringLiteral("thread_name"), "__metadata", "M", 0, pid);
    threadName[QLatin1String("args")] = QJsonObject{{QStringLiteral("name"), QStringLiteral("qaio event loop")}};
    out.append(threadName);

    for (const Event &e : events) {
        switch (e.type) {
        case Event::Type::TaskBegin: {
            QJsonObject j = baseEvent(e.text, "task", "b", ts(e.at), pid);
            j[QLatin1String("id")] = hexId(e.taskId);
            j[QLatin1String("args")] = QJsonObject{{QStringLiteral("taskId"), qint64(e.taskId)}};
            out.append(j);
            break;
        }
        case Event::Type::TaskEnd: {
            const qsizetype newline = e.text.indexOf(u'\n');
            QJsonObject j = baseEvent(e.text.left(newline), "task", "e", ts(e.at), pid);
            j[QLatin1String("id")] = hexId(e.taskId);
            j[QLatin1String("args")] = QJsonObject{{QStringLiteral("taskId"), qint64(e.taskId)},
                                                   {QStringLiteral("state"), e.text.mid(newline + 1)}};
            out.append(j);
            // Where the tasks that awaited this one continue from.
            QJsonObject flow = baseEvent(QStringLiteral("await"), "await", "s", ts(e.at), pid);
            flow[QLatin1String("id")] = hexId(e.taskId);
            out.append(flow);
            break;
        }
        case Event::Type::Step: {
            QJsonObject j = baseEvent(nameOf(e.taskId), "step", "X", ts(e.at), pid);
            j[QLatin1String("dur")] = microseconds(e.length);
            j[QLatin1String("args")] = QJsonObject{{QStringLiteral("taskId"), qint64(e.taskId)}};
            out.append(j);
            if (e.wokenByTask) {
                QJsonObject flow = baseEvent(QStringLiteral("await"), "await", "f", ts(e.at), pid);
                flow[QLatin1String("id")] = hexId(e.wokenByTask);
                flow[QLatin1String("bp")] = QStringLiteral("e");
                out.append(flow);
            }
            break;
        }
        case Event::Type::Dispatch: {
            QJsonObject j = baseEvent(QStringLiteral("qaio dispatch"), "loop", "X", ts(e.at), pid);
            j[QLatin1String("dur")] = microseconds(e.length);
            out.append(j);
            QJsonObject lag = baseEvent(QStringLiteral("timer lag"), "loop", "C", ts(e.at), pid);
            lag[QLatin1String("args")] = QJsonObject{{QStringLiteral("ms"), microseconds(e.timerLag) / 1000.0}};
            out.append(lag);
            break;
        }
        case Event::Type::SlowCallback: {
            QJsonObject j = baseEvent(QStringLiteral("slow callback"), "loop", "X", ts(e.at), pid);
            j[QLatin1String("dur")] = microseconds(e.length);
            j[QLatin1String("args")] = QJsonObject{{QStringLiteral("site"), e.text}};
            out.append(j);
            break;
        }
        }
    }
    QJsonObject trace;
    trace[QLatin1String("traceEvents")] = out;
    trace[QLatin1String("displayTimeUnit")] = QStringLiteral("ms");
    trace[QLatin1String("otherData")] = QJsonObject{{QStringLiteral("producer"), QStringLiteral("qaio")},
                                                    {QStringLiteral("droppedOldest"), m_events.size() == m_events.capacity()}};
    return trace;
}

} // namespace qaio::detail
