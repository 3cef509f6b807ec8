// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/inspect/remoteinspector.h>

#include <qaio/base/detail/jsonwriter_p.h>
#include <qaio/base/errors.h>
#include <qaio/core/loopcore.h>
#include <qaio/inspect/inspector.h>
#include <qaio/inspect/snapshotjson.h>
#include <qaio/platform/privatesocketdir_p.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QRegularExpression>
#include <QtCore/QTimer>
#include <QtNetwork/QLocalServer>
#include <QtNetwork/QLocalSocket>

#include <list>
#include <variant>

namespace qaio {

namespace {

// A client that stops reading must not make the process buffer snapshots without end:
// streamed snapshots are skipped while this much is still unsent.
constexpr qint64 kMaxUnsentBytes = 8 * 1024 * 1024;

QJsonObject errorReply(const QJsonValue &id, const QString &code, const QString &message)
{
    QJsonObject error;
    error[QLatin1String("code")] = code;
    error[QLatin1String("message")] = message;
    QJsonObject reply;
    reply[QLatin1String("id")] = id;
    reply[QLatin1String("error")] = error;
    return reply;
}

/*! A reply whose result is JSON already serialised (a snapshot: no QJsonObject of it). */
QByteArray resultReply(const QJsonValue &id, const QByteArray &resultJson)
{
    QByteArray out;
    detail::JsonWriter json(out);
    json.beginObject().key("id");
    if (id.isString())
        json.value(id.toString());
    else if (id.isDouble())
        json.value(id.toDouble());
    else
        json.null();
    json.key("result").raw(resultJson);
    json.endObject();
    return out;
}

QJsonObject resultReply(const QJsonValue &id, const QJsonValue &result)
{
    QJsonObject reply;
    reply[QLatin1String("id")] = id;
    reply[QLatin1String("result")] = result;
    return reply;
}

} // namespace

class RemoteInspector::Private
{
public:
    struct Connection
    {
        QLocalSocket *socket = nullptr;
        QByteArray pending;      // bytes of a request not complete yet
        bool discarding = false; // skipping the rest of an oversized request
        QTimer *stream = nullptr;
        std::uint64_t lastStreamedRun = ~std::uint64_t(0);
        std::shared_ptr<SnapshotCursor> cursor; // the stream's frames: changes after a full one
    };

    Private(Inspector &inspector, QString name, RemoteInspectorOptions options)
        : inspector(inspector), name(std::move(name)), options(std::move(options))
    {
    }

    void accept()
    {
        while (QLocalSocket *socket = server.nextPendingConnection()) {
            const std::optional<std::uint32_t> peer = detail::sys::peerUserId(socket->socketDescriptor());
            const std::uint32_t allowed = options.allowedUserId.value_or(detail::sys::currentUserId());
            if (!peer || *peer != allowed) {
                QJsonObject refused;
                refused[QLatin1String("event")] = QStringLiteral("refused");
                refused[QLatin1String("message")] =
                    QStringLiteral("only user %1 may inspect this process").arg(allowed);
                socket->write(QJsonDocument(refused).toJson(QJsonDocument::Compact) + '\n');
                socket->disconnectFromServer();
                QObject::connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
                if (socket->state() == QLocalSocket::UnconnectedState)
                    socket->deleteLater();
                qCWarning(lcQaio).noquote() << QStringLiteral("remote inspector %1: refused a connection of user %2")
                                                   .arg(name, peer ? QString::number(*peer) : QStringLiteral("unknown"));
                continue;
            }
            connections.push_back(Connection{socket, {}, false, nullptr, ~std::uint64_t(0), nullptr});
            Connection *c = &connections.back();
            QObject::connect(socket, &QLocalSocket::readyRead, socket, [this, c] { readRequests(*c); });
            QObject::connect(socket, &QLocalSocket::disconnected, socket, [this, c] { drop(c); });
            QJsonObject hello;
            hello[QLatin1String("event")] = QStringLiteral("hello");
            hello[QLatin1String("protocol")] = kInspectorProtocolVersion;
            hello[QLatin1String("name")] = name;
            hello[QLatin1String("pid")] = QCoreApplication::applicationPid();
            send(*c, hello);
            if (socket->bytesAvailable() > 0)
                readRequests(*c);
        }
    }

    /*! The socket may report its end from inside a write of ours: the connection goes
        once that call has returned. */
    void drop(Connection *c)
    {
        QObject::disconnect(c->socket, nullptr, nullptr, nullptr);
        QMetaObject::invokeMethod(
            &server,
            [this, c] {
                for (auto it = connections.begin(); it != connections.end(); ++it) {
                    if (&*it == c) {
                        it->socket->deleteLater();
                        connections.erase(it);
                        return;
                    }
                }
            },
            Qt::QueuedConnection);
    }

    void send(Connection &c, const QJsonObject &message)
    {
        send(c, QJsonDocument(message).toJson(QJsonDocument::Compact));
    }

    void send(Connection &c, QByteArray line)
    {
        line += '\n';
        c.socket->write(line);
    }

    void refuseLargeRequest(Connection &c)
    {
        send(c, errorReply(QJsonValue(), QStringLiteral("request-too-large"),
                           QStringLiteral("a request may not exceed %1 bytes").arg(options.maxRequestBytes)));
    }

    void readRequests(Connection &c)
    {
        c.pending += c.socket->readAll();
        for (;;) {
            const qsizetype newline = c.pending.indexOf('\n');
            if (newline < 0) {
                if (c.pending.size() > options.maxRequestBytes) {
                    if (!c.discarding)
                        refuseLargeRequest(c);
                    c.discarding = true;
                    c.pending.clear();
                }
                return;
            }
            const QByteArray line = c.pending.left(newline);
            c.pending.remove(0, newline + 1);
            if (c.discarding) {
                c.discarding = false; // the end of the oversized request
                continue;
            }
            if (line.size() > options.maxRequestBytes) {
                refuseLargeRequest(c);
                continue;
            }
            if (line.trimmed().isEmpty())
                continue;
            std::visit([&](auto &&reply) { send(c, std::move(reply)); }, handle(c, line));
        }
    }

    /*! The reply to the request \a line: an object, or bytes already serialised. */
    std::variant<QJsonObject, QByteArray> handle(Connection &c, const QByteArray &line)
    {
        QJsonParseError parseError{};
        const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
        if (parseError.error != QJsonParseError::NoError || !document.isObject())
            return errorReply(QJsonValue(), QStringLiteral("parse-error"),
                              parseError.error != QJsonParseError::NoError
                                  ? QStringLiteral("not JSON: %1 at offset %2").arg(parseError.errorString()).arg(parseError.offset)
                                  : QStringLiteral("a request is a JSON object"));
        const QJsonObject request = document.object();
        const QJsonValue id = request.value(QLatin1String("id"));
        if (!id.isUndefined() && !id.isDouble() && !id.isString())
            return errorReply(QJsonValue(), QStringLiteral("invalid-request"), QStringLiteral("\"id\" must be a number or a string"));
        const QJsonValue method = request.value(QLatin1String("method"));
        if (!method.isString())
            return errorReply(id, QStringLiteral("invalid-request"), QStringLiteral("\"method\" must be a string"));
        const QJsonValue paramsValue = request.value(QLatin1String("params"));
        if (!paramsValue.isUndefined() && !paramsValue.isObject())
            return errorReply(id, QStringLiteral("invalid-params"), QStringLiteral("\"params\" must be an object"));
        const QJsonObject params = paramsValue.toObject();
        const QString m = method.toString();
        try {
            if (m == QLatin1String("hello")) {
                QJsonObject result;
                result[QLatin1String("protocol")] = kInspectorProtocolVersion;
                result[QLatin1String("name")] = name;
                result[QLatin1String("pid")] = QCoreApplication::applicationPid();
                return resultReply(id, result);
            }
            if (m == QLatin1String("snapshot"))
                return resultReply(id, snapshotToCompactJson(inspector.snapshot()));
            if (m == QLatin1String("subscribe"))
                return subscribe(c, id, params);
            if (m == QLatin1String("unsubscribe")) {
                if (c.stream)
                    c.stream->stop();
                return resultReply(id, QJsonObject());
            }
            if (m == QLatin1String("cancel"))
                return cancel(id, params);
            if (m == QLatin1String("startTrace")) {
                const QJsonValue capacity = params.value(QLatin1String("capacity"));
                const double events = capacity.isUndefined() ? 100000 : capacity.toDouble(-1);
                if (events < 1 || events > 10000000 || events != double(qint64(events)))
                    return errorReply(id, QStringLiteral("invalid-params"),
                                      QStringLiteral("\"capacity\" must be an integer from 1 to 10000000 (events kept)"));
                inspector.startTrace(std::size_t(events));
                return resultReply(id, QJsonObject());
            }
            if (m == QLatin1String("stopTrace")) {
                inspector.stopTrace();
                return resultReply(id, inspector.traceJson());
            }
        } catch (const std::exception &e) {
            return errorReply(id, QStringLiteral("internal-error"), QString::fromUtf8(e.what()));
        }
        return errorReply(id, QStringLiteral("unknown-method"),
                          QStringLiteral("unknown method \"%1\" (hello, snapshot, subscribe, unsubscribe, cancel, "
                                         "startTrace, stopTrace)")
                              .arg(m));
    }

    QJsonObject subscribe(Connection &c, const QJsonValue &id, const QJsonObject &params)
    {
        int rate = options.maxSnapshotsPerSecond;
        const QJsonValue rateValue = params.value(QLatin1String("rate"));
        if (!rateValue.isUndefined()) {
            const double asked = rateValue.toDouble(-1);
            if (!rateValue.isDouble() || asked < 1 || asked > options.maxSnapshotsPerSecond || asked != int(asked))
                return errorReply(id, QStringLiteral("invalid-params"),
                                  QStringLiteral("\"rate\" must be an integer from 1 to %1 (snapshots per second)")
                                      .arg(options.maxSnapshotsPerSecond));
            rate = int(asked);
        }
        if (!c.stream) {
            c.stream = new QTimer(c.socket);
            Connection *conn = &c;
            QObject::connect(c.stream, &QTimer::timeout, c.socket, [this, conn] { streamSnapshot(*conn); });
        }
        c.stream->start(1000 / rate);
        c.lastStreamedRun = ~std::uint64_t(0);
        c.cursor = std::make_shared<SnapshotCursor>(); // a full frame first
        QJsonObject result;
        result[QLatin1String("rate")] = rate;
        return resultReply(id, result);
    }

    void streamSnapshot(Connection &c)
    {
        if (c.socket->bytesToWrite() > kMaxUnsentBytes)
            return; // the client lags: skip a frame rather than buffer it
        const std::uint64_t run = inspector.callbacksRun();
        if (run == c.lastStreamedRun && Inspector::isBookkeepingCompiled())
            return; // nothing ran since the last one: nothing changed
        c.lastStreamedRun = run;
        const InspectorSnapshot snapshot = inspector.changesSince(*c.cursor);
        QByteArray event;
        detail::JsonWriter json(event);
        json.beginObject().key("event").value("snapshot");
        json.key("data").raw(snapshotToCompactJson(snapshot));
        json.endObject();
        send(c, std::move(event));
    }

    QJsonObject cancel(const QJsonValue &id, const QJsonObject &params)
    {
        const QJsonValue taskId = params.value(QLatin1String("taskId"));
        const double value = taskId.toDouble(-1);
        if (!taskId.isDouble() || value < 1 || value != double(qint64(value)))
            return errorReply(id, QStringLiteral("invalid-params"), QStringLiteral("\"taskId\" must be a positive integer"));
        const QJsonValue message = params.value(QLatin1String("message"));
        if (!message.isUndefined() && !message.isString())
            return errorReply(id, QStringLiteral("invalid-params"), QStringLiteral("\"message\" must be a string"));
        QJsonObject result;
        result[QLatin1String("cancelled")] = inspector.cancelTask(std::uint64_t(value), message.toString());
        return resultReply(id, result);
    }

    Inspector &inspector;
    QString name;
    RemoteInspectorOptions options;
    QString path;
    QLocalServer server;
    std::list<Connection> connections; // stable addresses: the sockets' lambdas hold them
};

QString RemoteInspector::directory(const RemoteInspectorOptions &options)
{
    if (!options.directory.isEmpty())
        return options.directory;
    const QString fromEnvironment = qEnvironmentVariable("QAIO_INSPECT_DIR");
    return fromEnvironment.isEmpty() ? detail::sys::defaultInspectDirectory() : fromEnvironment;
}

QStringList RemoteInspector::servingSockets(const RemoteInspectorOptions &options)
{
    return QDir(directory(options)).entryList(QDir::System | QDir::Files | QDir::NoDotAndDotDot, QDir::Name);
}

QString RemoteInspector::socketPathFor(const QString &name, const RemoteInspectorOptions &options)
{
    const QString dir = directory(options);
    QStringList matches;
    for (const QString &entry : servingSockets(options)) {
        if (entry == name)
            return dir + u'/' + entry;
        const qsizetype dot = entry.lastIndexOf(u'.');
        if (dot > 0 && entry.left(dot) == name)
            matches << entry;
    }
    if (matches.isEmpty())
        throw ValueError(QStringLiteral("no process serves \"%1\" in %2 (qaio-inspect --list shows those that do)")
                             .arg(name, dir));
    if (matches.size() > 1)
        throw ValueError(QStringLiteral("several processes serve \"%1\": %2; name one as NAME.PID")
                             .arg(name, matches.join(u", ")));
    return dir + u'/' + matches.first();
}

RemoteInspector::RemoteInspector(Inspector &inspector, const QString &name, const RemoteInspectorOptions &options)
{
    static const QRegularExpression validName(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    if (!validName.match(name).hasMatch())
        throw ValueError(QStringLiteral("RemoteInspector(): name must be 1 to 64 characters of A-Z a-z 0-9 . _ -, "
                                        "got \"%1\"")
                             .arg(name));
    if (options.maxSnapshotsPerSecond < 1 || options.maxSnapshotsPerSecond > 1000)
        throw ValueError("RemoteInspector(): maxSnapshotsPerSecond must be from 1 to 1000");
    if (options.maxRequestBytes < 256)
        throw ValueError("RemoteInspector(): maxRequestBytes must be at least 256");
    if (detail::currentThreadTag() != inspector.loop().ownerThreadTag())
        throw RuntimeError("RemoteInspector(): not the loop's thread");
    const QString dir = directory(options);
    const QString problem = detail::sys::ensurePrivateDirectory(dir);
    if (!problem.isEmpty())
        throw RuntimeError(QStringLiteral("RemoteInspector(): refusing to serve: %1").arg(problem));

    d = std::make_unique<Private>(inspector, name, options);
    d->path = QStringLiteral("%1/%2.%3").arg(dir, name).arg(QCoreApplication::applicationPid());
    QLocalServer::removeServer(d->path); // a stale socket of a process that had our pid
    d->server.setSocketOptions(QLocalServer::UserAccessOption);
    if (!d->server.listen(d->path))
        throw RuntimeError(QStringLiteral("RemoteInspector(): cannot listen on %1: %2").arg(d->path, d->server.errorString()));
    QFile::setPermissions(d->path, QFile::ReadOwner | QFile::WriteOwner);
    Private *p = d.get();
    QObject::connect(&d->server, &QLocalServer::newConnection, &d->server, [p] { p->accept(); });
    qCDebug(lcQaio).noquote() << QStringLiteral("remote inspector serving on %1").arg(d->path);
}

RemoteInspector::~RemoteInspector()
{
    for (Private::Connection &c : d->connections) {
        QObject::disconnect(c.socket, nullptr, nullptr, nullptr);
        c.socket->abort();
        delete c.socket;
    }
    d->connections.clear();
    d->server.close();
}

QString RemoteInspector::name() const
{
    return d->name;
}

QString RemoteInspector::socketPath() const
{
    return d->path;
}

int RemoteInspector::connectionCount() const
{
    return int(d->connections.size());
}

} // namespace qaio
