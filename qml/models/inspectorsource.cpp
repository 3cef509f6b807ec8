// Copyright (c) qaio authors. Licensed under the MIT license.
#include "inspectorsource.h"

#include <qaio/base/errors.h>
#include <qaio/inspect/remoteinspector.h>
#include <qaio/inspect/snapshotjson.h>

#include <QtCore/QJsonDocument>

#include <algorithm>

namespace qaio {

// ---- InspectorSource -------------------------------------------------------------------

InspectorSource::InspectorSource(QObject *parent) : QObject(parent) {}

InspectorSource::~InspectorSource() = default;

void InspectorSource::setRate(int framesPerSecond)
{
    framesPerSecond = std::clamp(framesPerSecond, 1, 10);
    if (framesPerSecond == m_rate)
        return;
    m_rate = framesPerSecond;
    timingChanged();
    Q_EMIT rateChanged();
}

void InspectorSource::setWholeSnapshotInterval(int ms)
{
    ms = std::max(ms, 100);
    if (ms == m_wholeInterval)
        return;
    m_wholeInterval = ms;
    timingChanged();
    Q_EMIT wholeSnapshotIntervalChanged();
}

void InspectorSource::setAttached(bool attached)
{
    if (attached == m_attached)
        return;
    m_attached = attached;
    Q_EMIT attachedChanged();
}

void InspectorSource::setErrorString(const QString &message)
{
    if (message == m_errorString)
        return;
    m_errorString = message;
    Q_EMIT errorStringChanged();
}

// ---- LocalInspectorSource --------------------------------------------------------------

LocalInspectorSource::LocalInspectorSource(Inspector &inspector, QObject *parent)
    : InspectorSource(parent), m_inspector(inspector)
{
    connect(&m_timer, &QTimer::timeout, this, &LocalInspectorSource::sendFrame);
}

LocalInspectorSource::~LocalInspectorSource() = default;

void LocalInspectorSource::start()
{
    m_cursor = SnapshotCursor();
    m_clock.start();
    m_lastWholeMs = 0;
    setAttached(true);
    Q_EMIT frameArrived(snapshotToJson(m_inspector.changesSince(m_cursor))); // a whole one, first
    m_timer.start(1000 / rate());
}

void LocalInspectorSource::stop()
{
    m_timer.stop();
    setAttached(false);
}

void LocalInspectorSource::timingChanged()
{
    if (m_timer.isActive())
        m_timer.start(1000 / rate());
}

void LocalInspectorSource::sendFrame()
{
    if (m_clock.elapsed() - m_lastWholeMs >= wholeSnapshotInterval()) {
        m_lastWholeMs = m_clock.elapsed();
        Q_EMIT frameArrived(snapshotToJson(m_inspector.snapshot()));
        return;
    }
    Q_EMIT frameArrived(snapshotToJson(m_inspector.changesSince(m_cursor)));
}

void LocalInspectorSource::cancelTask(quint64 id, const QString &message)
{
    Q_EMIT cancelFinished(id, m_inspector.cancelTask(id, message));
}

// ---- RemoteInspectorSource -------------------------------------------------------------

RemoteInspectorSource::RemoteInspectorSource(QObject *parent) : InspectorSource(parent)
{
    connect(&m_socket, &QLocalSocket::readyRead, this, &RemoteInspectorSource::readLines);
    connect(&m_socket, &QLocalSocket::disconnected, this, [this] {
        if (isAttached())
            fail(tr("%1 stopped serving").arg(m_name));
    });
    connect(&m_socket, &QLocalSocket::errorOccurred, this, [this] {
        if (m_socket.error() != QLocalSocket::PeerClosedError)
            fail(tr("cannot read %1: %2").arg(m_name, m_socket.errorString()));
    });
    connect(&m_wholeTimer, &QTimer::timeout, this, [this] { request(QStringLiteral("snapshot")); });
}

RemoteInspectorSource::~RemoteInspectorSource()
{
    m_socket.disconnect(this);
    m_socket.abort();
}

QStringList RemoteInspectorSource::servingProcesses(const QString &directory)
{
    RemoteInspectorOptions options;
    options.directory = directory;
    return RemoteInspector::servingSockets(options);
}

void RemoteInspectorSource::attach(const QString &name, const QString &directory)
{
    detach();
    m_name = name;
    RemoteInspectorOptions options;
    options.directory = directory;
    QString path;
    try {
        path = RemoteInspector::socketPathFor(name, options);
    } catch (const ValueError &e) {
        fail(e.message());
        return;
    }
    setErrorString(QString());
    m_socket.connectToServer(path);
}

void RemoteInspectorSource::detach()
{
    m_wholeTimer.stop();
    m_pendingCancels.clear();
    m_buffer.clear();
    m_socket.abort();
    setAttached(false);
}

void RemoteInspectorSource::fail(const QString &message)
{
    m_wholeTimer.stop();
    m_socket.abort();
    setErrorString(message);
    setAttached(false);
}

void RemoteInspectorSource::timingChanged()
{
    if (!isAttached())
        return;
    QJsonObject params;
    params[QLatin1String("rate")] = rate();
    request(QStringLiteral("subscribe"), params);
    m_wholeTimer.start(wholeSnapshotInterval());
}

void RemoteInspectorSource::request(const QString &method, const QJsonObject &params)
{
    QJsonObject message;
    message[QLatin1String("id")] = ++m_lastId;
    message[QLatin1String("method")] = method;
    if (!params.isEmpty())
        message[QLatin1String("params")] = params;
    m_socket.write(QJsonDocument(message).toJson(QJsonDocument::Compact) + '\n');
}

void RemoteInspectorSource::cancelTask(quint64 id, const QString &message)
{
    if (!isAttached()) {
        Q_EMIT cancelFinished(id, false);
        return;
    }
    QJsonObject params;
    params[QLatin1String("taskId")] = qint64(id);
    params[QLatin1String("message")] = message;
    request(QStringLiteral("cancel"), params);
    m_pendingCancels.insert(m_lastId, id);
}

void RemoteInspectorSource::readLines()
{
    m_buffer += m_socket.readAll();
    qsizetype newline;
    while ((newline = m_buffer.indexOf('\n')) >= 0) {
        const QByteArray line = m_buffer.left(newline);
        m_buffer.remove(0, newline + 1);
        QJsonParseError error{};
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !document.isObject()) {
            fail(tr("%1 sent something that is not the inspector protocol").arg(m_name));
            return;
        }
        handle(document.object());
        if (m_socket.state() != QLocalSocket::ConnectedState)
            return;
    }
}

void RemoteInspectorSource::handle(const QJsonObject &message)
{
    const QString event = message.value(QLatin1String("event")).toString();
    if (event == QLatin1String("hello")) {
        const int protocol = message.value(QLatin1String("protocol")).toInt();
        if (protocol != kInspectorProtocolVersion) {
            fail(tr("%1 speaks inspector protocol %2, this inspector %3")
                     .arg(m_name).arg(protocol).arg(kInspectorProtocolVersion));
            return;
        }
        setAttached(true);
        timingChanged(); // subscribe: a whole snapshot comes first, then the changes
        return;
    }
    if (event == QLatin1String("refused")) {
        fail(message.value(QLatin1String("message")).toString());
        return;
    }
    if (event == QLatin1String("snapshot")) {
        Q_EMIT frameArrived(message.value(QLatin1String("data")).toObject());
        return;
    }
    const int id = message.value(QLatin1String("id")).toInt();
    const QJsonObject result = message.value(QLatin1String("result")).toObject();
    if (m_pendingCancels.contains(id)) {
        const quint64 task = m_pendingCancels.take(id);
        Q_EMIT cancelFinished(task, result.value(QLatin1String("cancelled")).toBool());
        return;
    }
    if (message.contains(QLatin1String("error"))) {
        setErrorString(message.value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString());
        return;
    }
    if (result.contains(QLatin1String("protocol")) && result.contains(QLatin1String("tasks")))
        Q_EMIT frameArrived(result); // the reply to a "snapshot" request
}

} // namespace qaio
