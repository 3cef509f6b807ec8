// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// Checks of an exported trace shared by the inspector suites.

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QString>

namespace tracecheck {

// The trace-event format's required fields (Chrome's "Trace Event Format" document, which
// ui.perfetto.dev follows): every event has a name, a phase, a timestamp, pid and tid;
// complete events a duration; async and flow events an id. Returns what is wrong, or "".
inline QString traceProblems(const QJsonObject &trace)
{
    if (!trace.value(QLatin1String("traceEvents")).isArray())
        return QStringLiteral("no traceEvents array");
    const QString phases = QStringLiteral("XbesfCMi");
    for (const QJsonValue &v : trace.value(QLatin1String("traceEvents")).toArray()) {
        const QJsonObject e = v.toObject();
        const QString text = QString::fromUtf8(QJsonDocument(e).toJson(QJsonDocument::Compact));
        const QString ph = e.value(QLatin1String("ph")).toString();
        if (!e.value(QLatin1String("name")).isString() || ph.size() != 1 || !phases.contains(ph))
            return QStringLiteral("bad name or phase: %1").arg(text);
        if (!e.value(QLatin1String("ts")).isDouble() || e.value(QLatin1String("ts")).toDouble() < 0)
            return QStringLiteral("bad ts: %1").arg(text);
        if (!e.value(QLatin1String("pid")).isDouble() || !e.value(QLatin1String("tid")).isDouble())
            return QStringLiteral("no pid/tid: %1").arg(text);
        if (ph == QLatin1String("X") && !(e.value(QLatin1String("dur")).toDouble(-1) >= 0))
            return QStringLiteral("complete event without dur: %1").arg(text);
        if (QStringLiteral("besf").contains(ph) && !e.value(QLatin1String("id")).isString())
            return QStringLiteral("async or flow event without id: %1").arg(text);
        if (QStringLiteral("bes").contains(ph) && !e.value(QLatin1String("cat")).isString())
            return QStringLiteral("async or flow event without cat: %1").arg(text);
    }
    return {};
}

inline int countEvents(const QJsonObject &trace, const QString &ph, const QString &name = {})
{
    int n = 0;
    for (const QJsonValue &v : trace.value(QLatin1String("traceEvents")).toArray()) {
        const QJsonObject e = v.toObject();
        if (e.value(QLatin1String("ph")).toString() == ph && (name.isEmpty() || e.value(QLatin1String("name")).toString() == name))
            ++n;
    }
    return n;
}

} // namespace tracecheck
