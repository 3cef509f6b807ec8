// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QTimer>
#include <QtNetwork/QLocalSocket>

#include <qaio/inspect/inspector.h>

namespace qaio {

/*!
    \class qaio::InspectorSource
    Where the inspector's models get their frames (docs/inspector-protocol.md): this
    process (LocalInspectorSource) or another one (RemoteInspectorSource). Both send a
    whole snapshot first, then change frames at rate() a second, and a whole snapshot
    again every wholeSnapshotInterval() milliseconds (warnings come only with those), so
    TaskModel and the other models work the same with either.

    Errors are not thrown: errorString() says what went wrong and attached() turns false.
*/
class InspectorSource : public QObject
{
    Q_OBJECT
    Q_PROPERTY(bool attached READ isAttached NOTIFY attachedChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(int rate READ rate WRITE setRate NOTIFY rateChanged)
    Q_PROPERTY(int wholeSnapshotInterval READ wholeSnapshotInterval WRITE setWholeSnapshotInterval NOTIFY
                   wholeSnapshotIntervalChanged)

public:
    ~InspectorSource() override;

    bool isAttached() const { return m_attached; }
    QString errorString() const { return m_errorString; }
    /*! Frames a second, 1 to 10 (default 10). */
    int rate() const { return m_rate; }
    void setRate(int framesPerSecond);
    /*! Milliseconds between whole snapshots, at least 100 (default 2,000). */
    int wholeSnapshotInterval() const { return m_wholeInterval; }
    void setWholeSnapshotInterval(int ms);

    /*! Asks for task \a id to be cancelled with \a message; cancelFinished() tells how it went. */
    Q_INVOKABLE virtual void cancelTask(quint64 id, const QString &message = QString()) = 0;

Q_SIGNALS:
    void frameArrived(const QJsonObject &frame);
    void cancelFinished(quint64 id, bool cancelled);
    void attachedChanged();
    void errorStringChanged();
    void rateChanged();
    void wholeSnapshotIntervalChanged();

protected:
    explicit InspectorSource(QObject *parent);
    void setAttached(bool attached);
    void setErrorString(const QString &message);
    /*! The rate or the interval changed while attached. */
    virtual void timingChanged() {}

private:
    bool m_attached = false;
    QString m_errorString;
    int m_rate = 10;
    int m_wholeInterval = 2000;
};

/*!
    \class qaio::LocalInspectorSource
    The frames of a loop of this process, read on its thread (the source must live there).

    \code
    qaio::LocalInspectorSource source(loop.inspector());
    qaio::TaskModel tasks;
    QObject::connect(&source, &qaio::InspectorSource::frameArrived, &tasks, &qaio::TaskModel::applyFrame);
    source.start();
    \endcode
*/
class LocalInspectorSource final : public InspectorSource
{
    Q_OBJECT

public:
    /*! Reads \a inspector (EventLoop::inspector()), on its loop's thread. */
    explicit LocalInspectorSource(Inspector &inspector, QObject *parent = nullptr);
    ~LocalInspectorSource() override;

    /*! Sends a whole snapshot now, then frames at rate(). */
    Q_INVOKABLE void start();
    Q_INVOKABLE void stop();
    void cancelTask(quint64 id, const QString &message = QString()) override;

protected:
    void timingChanged() override;

private:
    void sendFrame();

    Inspector &m_inspector;
    SnapshotCursor m_cursor;
    QTimer m_timer;
    qint64 m_lastWholeMs = 0;
    QElapsedTimer m_clock;
};

/*!
    \class qaio::RemoteInspectorSource
    The frames of another process of this user that serves its inspector
    (QAIO_INSPECT=NAME, EventLoop::serveInspector()), read over its socket.

    \code
    qaio::RemoteInspectorSource source;
    source.attach("my-app"); // or "my-app.4242"
    \endcode
*/
class RemoteInspectorSource final : public InspectorSource
{
    Q_OBJECT
    Q_PROPERTY(QString name READ name NOTIFY attachedChanged)

public:
    explicit RemoteInspectorSource(QObject *parent = nullptr);
    ~RemoteInspectorSource() override;

    /*! The processes that serve in \a directory (empty: the default one), "NAME.PID". */
    Q_INVOKABLE static QStringList servingProcesses(const QString &directory = QString());

    /*! Connects to the process serving \a name ("NAME" or "NAME.PID") in \a directory;
        attached() turns true once it said hello. */
    Q_INVOKABLE void attach(const QString &name, const QString &directory = QString());
    Q_INVOKABLE void detach();
    QString name() const { return m_name; }
    void cancelTask(quint64 id, const QString &message = QString()) override;

protected:
    void timingChanged() override;

private:
    void readLines();
    void handle(const QJsonObject &message);
    void request(const QString &method, const QJsonObject &params = QJsonObject());
    void fail(const QString &message);

    QLocalSocket m_socket;
    QByteArray m_buffer;
    QString m_name;
    QTimer m_wholeTimer;
    int m_lastId = 0;
    QHash<int, quint64> m_pendingCancels; // request id -> task id
};

} // namespace qaio
