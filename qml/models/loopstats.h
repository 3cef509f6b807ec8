// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QObject>

namespace qaio {

/*!
    \class qaio::LoopStats
    The inspected loop's figures of the last frame, and short histories of the ones a
    sparkline shows (the last historyLength() frames, oldest first):

    - lagNs: how late timers fired since the previous frame (the floor of the highest
      log2 bucket of the timer-lag histogram that grew; 0 when none fired late),
    - callbacksPerSecond,
    - qtShare: the part of the time since the previous frame the thread spent in Qt
      outside qaio (painting, other events), from 0 to 1: "why does my window stutter".
*/
class LoopStats : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int readyCallbacks READ readyCallbacks NOTIFY changed)
    Q_PROPERTY(int timersPending READ timersPending NOTIFY changed)
    Q_PROPERTY(int watchedFds READ watchedFds NOTIFY changed)
    Q_PROPERTY(int pendingTasks READ pendingTasks NOTIFY changed)
    Q_PROPERTY(int liveFutures READ liveFutures NOTIFY changed)
    Q_PROPERTY(qint64 wakeUps READ wakeUps NOTIFY changed)
    Q_PROPERTY(double callbacksPerSecond READ callbacksPerSecond NOTIFY changed)
    Q_PROPERTY(qint64 lagNs READ lagNs NOTIFY changed)
    Q_PROPERTY(double qtShare READ qtShare NOTIFY changed)
    Q_PROPERTY(QList<qreal> lagHistory READ lagHistory NOTIFY changed)
    Q_PROPERTY(QList<qreal> callbacksPerSecondHistory READ callbacksPerSecondHistory NOTIFY changed)
    Q_PROPERTY(QList<qreal> qtShareHistory READ qtShareHistory NOTIFY changed)
    Q_PROPERTY(int historyLength READ historyLength WRITE setHistoryLength NOTIFY changed)

public:
    explicit LoopStats(QObject *parent = nullptr);

    /*! Applies one frame (whole or changes); false for another protocol version. */
    Q_INVOKABLE bool applyFrame(const QJsonObject &frame);
    Q_INVOKABLE void clear();

    int readyCallbacks() const { return m_readyCallbacks; }
    int timersPending() const { return m_timersPending; }
    int watchedFds() const { return m_watchedFds; }
    int pendingTasks() const { return m_pendingTasks; }
    int liveFutures() const { return m_liveFutures; }
    qint64 wakeUps() const { return m_wakeUps; }
    double callbacksPerSecond() const { return m_callbacksPerSecond; }
    qint64 lagNs() const { return m_lagNs; }
    double qtShare() const { return m_qtShare; }
    QList<qreal> lagHistory() const { return m_lagHistory; }
    QList<qreal> callbacksPerSecondHistory() const { return m_callbacksHistory; }
    QList<qreal> qtShareHistory() const { return m_qtShareHistory; }
    /*! Frames kept in each history (default 120, at least 2). */
    int historyLength() const { return m_historyLength; }
    void setHistoryLength(int frames);

Q_SIGNALS:
    void changed();

private:
    void remember(QList<qreal> &history, qreal value);

    int m_readyCallbacks = 0;
    int m_timersPending = 0;
    int m_watchedFds = 0;
    int m_pendingTasks = 0;
    int m_liveFutures = 0;
    qint64 m_wakeUps = 0;
    double m_callbacksPerSecond = 0;
    qint64 m_lagNs = 0;
    double m_qtShare = 0;
    QList<qreal> m_lagHistory;
    QList<qreal> m_callbacksHistory;
    QList<qreal> m_qtShareHistory;
    int m_historyLength = 120;
    // The previous frame's counters, for the differences.
    QList<qint64> m_lastLagCounts;
    qint64 m_lastTakenAtNs = -1;
    qint64 m_lastOutsideNs = 0;
};

} // namespace qaio
