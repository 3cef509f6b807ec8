// Copyright (c) qaio authors. Licensed under the MIT license.
#include "loopstats.h"

#include <qaio/inspect/snapshotjson.h>

#include <QtCore/QJsonArray>

#include <algorithm>

namespace qaio {

namespace {

// The smallest duration log2 bucket \a i counts (inspector protocol: bucket 0 under
// 1.024 µs, bucket k from 2^(k+9) ns).
qint64 bucketFloorNs(qsizetype i)
{
    return i == 0 ? 0 : qint64(1) << (i + 9);
}

} // namespace

LoopStats::LoopStats(QObject *parent) : QObject(parent) {}

void LoopStats::setHistoryLength(int frames)
{
    frames = std::max(frames, 2);
    if (frames == m_historyLength)
        return;
    m_historyLength = frames;
    for (QList<qreal> *history : {&m_lagHistory, &m_callbacksHistory, &m_qtShareHistory}) {
        if (history->size() > frames)
            history->remove(0, history->size() - frames);
    }
    Q_EMIT changed();
}

void LoopStats::remember(QList<qreal> &history, qreal value)
{
    history.append(value);
    if (history.size() > m_historyLength)
        history.removeFirst();
}

void LoopStats::clear()
{
    m_readyCallbacks = m_timersPending = m_watchedFds = m_pendingTasks = m_liveFutures = 0;
    m_wakeUps = m_lagNs = m_lastOutsideNs = 0;
    m_callbacksPerSecond = m_qtShare = 0;
    m_lagHistory.clear();
    m_callbacksHistory.clear();
    m_qtShareHistory.clear();
    m_lastLagCounts.clear();
    m_lastTakenAtNs = -1;
    Q_EMIT changed();
}

bool LoopStats::applyFrame(const QJsonObject &frame)
{
    if (frame.value(QLatin1String("protocol")).toInt() != kInspectorProtocolVersion)
        return false;
    const QJsonObject loop = frame.value(QLatin1String("loop")).toObject();
    m_readyCallbacks = loop.value(QLatin1String("readyCallbacks")).toInt();
    m_timersPending = loop.value(QLatin1String("timersPending")).toInt();
    m_watchedFds = loop.value(QLatin1String("watchedFds")).toInt();
    m_pendingTasks = loop.value(QLatin1String("pendingTasks")).toInt();
    m_liveFutures = loop.value(QLatin1String("liveFutures")).toInt();
    m_wakeUps = loop.value(QLatin1String("wakeUps")).toInteger();
    m_callbacksPerSecond = loop.value(QLatin1String("callbacksPerSecond")).toDouble();

    QList<qint64> lagCounts;
    for (const QJsonValue &count : loop.value(QLatin1String("timerLagHistogram")).toArray())
        lagCounts << count.toInteger();
    m_lagNs = 0;
    if (lagCounts.size() == m_lastLagCounts.size()) {
        for (qsizetype i = lagCounts.size() - 1; i > 0; --i) {
            if (lagCounts[i] > m_lastLagCounts[i]) {
                m_lagNs = bucketFloorNs(i);
                break;
            }
        }
    }
    m_lastLagCounts = lagCounts;

    const qint64 takenAt = frame.value(QLatin1String("takenAtNs")).toInteger();
    const qint64 outside = loop.value(QLatin1String("timeInQtOutsideQaioNs")).toInteger();
    m_qtShare = 0;
    if (m_lastTakenAtNs >= 0 && takenAt > m_lastTakenAtNs)
        m_qtShare = std::clamp(double(outside - m_lastOutsideNs) / double(takenAt - m_lastTakenAtNs), 0.0, 1.0);
    m_lastTakenAtNs = takenAt;
    m_lastOutsideNs = outside;

    remember(m_lagHistory, qreal(m_lagNs));
    remember(m_callbacksHistory, m_callbacksPerSecond);
    remember(m_qtShareHistory, m_qtShare);
    Q_EMIT changed();
    return true;
}

} // namespace qaio
