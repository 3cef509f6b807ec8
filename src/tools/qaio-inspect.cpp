// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio-inspect: looks into a running qaio program that serves its inspector
// (QAIO_INSPECT=NAME, EventLoop::serveInspector()): its tasks, what each awaits, the
// await tree, a live table; and cancels a task. The protocol: docs/inspector-protocol.md.
#include <qaio/base/errors.h>
#include <qaio/inspect/remoteinspector.h>
#include <qaio/inspect/snapshotjson.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QSaveFile>
#include <QtCore/QTextStream>
#include <QtCore/QThread>
#include <QtNetwork/QLocalSocket>

#include <cstdio>
#include <map>
#include <optional>
#include <set>

namespace {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

constexpr int kTimeoutMs = 5000;

/*! One connection to a serving process; requests are answered in order. */
class Client
{
public:
    /*! Connects and reads the greeting; an empty string on success, else why not. */
    QString connectTo(const QString &path)
    {
        m_socket.connectToServer(path);
        if (!m_socket.waitForConnected(kTimeoutMs))
            return m_socket.errorString();
        const std::optional<QJsonObject> greeting = next();
        if (!greeting)
            return QStringLiteral("no greeting");
        const QString event = greeting->value(QLatin1String("event")).toString();
        if (event == QLatin1String("refused"))
            return QStringLiteral("refused: %1").arg(greeting->value(QLatin1String("message")).toString());
        if (event != QLatin1String("hello"))
            return QStringLiteral("unexpected greeting");
        const int protocol = greeting->value(QLatin1String("protocol")).toInt();
        if (protocol != qaio::kInspectorProtocolVersion)
            return QStringLiteral("the process speaks protocol %1, this tool %2").arg(protocol).arg(qaio::kInspectorProtocolVersion);
        m_hello = *greeting;
        return {};
    }
    const QJsonObject &hello() const { return m_hello; }

    /*! The next message, or nullopt when the connection ends or times out. */
    std::optional<QJsonObject> next(int timeoutMs = kTimeoutMs)
    {
        for (;;) {
            const qsizetype newline = m_buffer.indexOf('\n');
            if (newline >= 0) {
                const QByteArray line = m_buffer.left(newline);
                m_buffer.remove(0, newline + 1);
                const QJsonDocument document = QJsonDocument::fromJson(line);
                if (document.isObject())
                    return document.object();
                continue;
            }
            if (m_socket.state() != QLocalSocket::ConnectedState && m_socket.bytesAvailable() == 0)
                return std::nullopt;
            if (!m_socket.waitForReadyRead(timeoutMs) && m_socket.bytesAvailable() == 0)
                return std::nullopt;
            m_buffer += m_socket.readAll();
        }
    }

    /*! Sends \a method and returns its result; throws a QString with the error. */
    QJsonValue call(const QString &method, const QJsonObject &params = {})
    {
        QJsonObject request;
        request[QLatin1String("id")] = ++m_lastId;
        request[QLatin1String("method")] = method;
        if (!params.isEmpty())
            request[QLatin1String("params")] = params;
        m_socket.write(QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n');
        m_socket.flush();
        for (;;) {
            const std::optional<QJsonObject> reply = next();
            if (!reply)
                throw QStringLiteral("the process did not answer");
            if (reply->value(QLatin1String("id")).toInt() != m_lastId)
                continue; // a streamed event
            if (reply->contains(QLatin1String("error")))
                throw reply->value(QLatin1String("error")).toObject().value(QLatin1String("message")).toString();
            return reply->value(QLatin1String("result"));
        }
    }

private:
    QLocalSocket m_socket;
    QByteArray m_buffer;
    QJsonObject m_hello;
    int m_lastId = 0;
};

QString site(const QJsonObject &s)
{
    const int line = s.value(QLatin1String("line")).toInt();
    if (line == 0)
        return QStringLiteral("?");
    return QStringLiteral("%1:%2").arg(QDir(s.value(QLatin1String("file")).toString()).dirName()).arg(line);
}

QString millis(const QJsonValue &ns)
{
    return QString::number(ns.toDouble() / 1e6, 'f', 1) + QStringLiteral(" ms");
}

QString describeTask(const QJsonObject &t)
{
    const QJsonArray stack = t.value(QLatin1String("awaitStack")).toArray();
    const QString where = stack.isEmpty() ? QStringLiteral("created at %1").arg(site(t.value(QLatin1String("createdAt")).toObject()))
                                          : QStringLiteral("at %1").arg(site(stack.last().toObject()));
    return QStringLiteral("(T) %1 #%2 [%3] %4")
        .arg(t.value(QLatin1String("name")).toString())
        .arg(t.value(QLatin1String("id")).toInteger())
        .arg(t.value(QLatin1String("state")).toString(), where);
}

QString describeEdge(const QJsonObject &e, qint64 takenAtNs)
{
    QString text = e.value(QLatin1String("kind")).toString();
    const QString label = e.value(QLatin1String("label")).toString();
    const QString detail = e.value(QLatin1String("detail")).toString();
    if (!label.isEmpty() && label != text)
        text += QStringLiteral(" (%1)").arg(label);
    if (!detail.isEmpty())
        text += QStringLiteral(": %1").arg(detail);
    if (e.contains(QLatin1String("deadlineNs")))
        text += QStringLiteral(", ends in %1").arg(millis(e.value(QLatin1String("deadlineNs")).toDouble() - double(takenAtNs)));
    return text;
}

/*! The await tree, as `python -m asyncio pstree` prints it: each task that no task
    awaits, then what it awaits, down to the leaf it waits on. */
void printTree(const QJsonObject &snapshot)
{
    const QJsonArray tasks = snapshot.value(QLatin1String("tasks")).toArray();
    const qint64 takenAt = snapshot.value(QLatin1String("takenAtNs")).toInteger();
    std::map<qint64, QJsonObject> byId;
    for (const QJsonValue &v : tasks)
        byId.emplace(v.toObject().value(QLatin1String("id")).toInteger(), v.toObject());
    for (const QJsonValue &v : tasks) {
        QJsonObject t = v.toObject();
        if (!t.value(QLatin1String("awaitedBy")).toArray().isEmpty())
            continue; // printed under the task that awaits it
        std::set<qint64> seen;
        QString indent;
        out() << "└── " << describeTask(t) << '\n';
        for (;;) {
            seen.insert(t.value(QLatin1String("id")).toInteger());
            indent += QStringLiteral("    ");
            const QJsonObject edge = t.value(QLatin1String("awaits")).toObject();
            if (edge.isEmpty())
                break;
            if (edge.value(QLatin1String("kind")).toString() == QLatin1String("task")) {
                const qint64 next = edge.value(QLatin1String("taskId")).toInteger();
                const auto it = byId.find(next);
                if (it == byId.end())
                    break;
                if (seen.count(next)) {
                    out() << indent << "└── (cycle) back to #" << next << '\n';
                    break;
                }
                t = it->second;
                out() << indent << "└── " << describeTask(t) << '\n';
                continue;
            }
            out() << indent << "└── " << describeEdge(edge, takenAt) << '\n';
            break;
        }
    }
    for (const QJsonValue &w : snapshot.value(QLatin1String("warnings")).toArray())
        out() << "warning: " << w.toObject().value(QLatin1String("message")).toString() << '\n';
}

void printTop(const QJsonObject &snapshot, const QString &name)
{
    const QJsonObject loop = snapshot.value(QLatin1String("loop")).toObject();
    if (qEnvironmentVariable("TERM") != QLatin1String("dumb") && !qEnvironmentVariableIsEmpty("TERM"))
        out() << "\x1b[H\x1b[2J";
    out() << QStringLiteral("%1: %2 tasks, %3 ready callbacks, %4 timers, %5 callbacks/s, %6 wake-ups\n")
                 .arg(name)
                 .arg(loop.value(QLatin1String("pendingTasks")).toInteger())
                 .arg(loop.value(QLatin1String("readyCallbacks")).toInteger())
                 .arg(loop.value(QLatin1String("timersPending")).toInteger())
                 .arg(loop.value(QLatin1String("callbacksPerSecond")).toDouble(), 0, 'f', 0)
                 .arg(loop.value(QLatin1String("wakeUps")).toInteger());
    out() << QStringLiteral("%1 %2 %3 %4 %5 %6  %7\n")
                 .arg(QStringLiteral("ID"), 6)
                 .arg(QStringLiteral("NAME"), -20)
                 .arg(QStringLiteral("STATE"), -10)
                 .arg(QStringLiteral("STEPS"), 8)
                 .arg(QStringLiteral("BUSY"), 12)
                 .arg(QStringLiteral("IDLE"), 12)
                 .arg(QStringLiteral("AWAITS"));
    const qint64 takenAt = snapshot.value(QLatin1String("takenAtNs")).toInteger();
    for (const QJsonValue &v : snapshot.value(QLatin1String("tasks")).toArray()) {
        const QJsonObject t = v.toObject();
        out() << QStringLiteral("%1 %2 %3 %4 %5 %6  %7\n")
                     .arg(t.value(QLatin1String("id")).toInteger(), 6)
                     .arg(t.value(QLatin1String("name")).toString().left(20), -20)
                     .arg(t.value(QLatin1String("state")).toString(), -10)
                     .arg(t.value(QLatin1String("steps")).toInteger(), 8)
                     .arg(millis(t.value(QLatin1String("busyNs"))), 12)
                     .arg(millis(t.value(QLatin1String("idleNs"))), 12)
                     .arg(describeEdge(t.value(QLatin1String("awaits")).toObject(), takenAt));
    }
    out().flush();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qaio-inspect"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Looks into a running qaio program that serves its inspector (QAIO_INSPECT=NAME)."));
    parser.addHelpOption();
    const QCommandLineOption list(QStringLiteral("list"), QStringLiteral("List the processes that serve."));
    const QCommandLineOption dump(QStringLiteral("dump"), QStringLiteral("Print one snapshot of NAME as JSON."), QStringLiteral("NAME"));
    const QCommandLineOption tree(QStringLiteral("tree"), QStringLiteral("Print the await tree of NAME."), QStringLiteral("NAME"));
    const QCommandLineOption top(QStringLiteral("top"), QStringLiteral("Show NAME's tasks live."), QStringLiteral("NAME"));
    const QCommandLineOption cancel(QStringLiteral("cancel"), QStringLiteral("Cancel task ID of NAME (arguments: ID [MESSAGE])."),
                                    QStringLiteral("NAME"));
    const QCommandLineOption trace(QStringLiteral("trace"), QStringLiteral("Record a trace of NAME into FILE (arguments: FILE), for --seconds."),
                                   QStringLiteral("NAME"));
    const QCommandLineOption seconds(QStringLiteral("seconds"), QStringLiteral("--trace: how long to record (default 5)."),
                                     QStringLiteral("S"), QStringLiteral("5"));
    const QCommandLineOption count(QStringLiteral("count"), QStringLiteral("--top: stop after N refreshes."), QStringLiteral("N"));
    const QCommandLineOption rate(QStringLiteral("rate"), QStringLiteral("--top: refreshes per second (default 2)."), QStringLiteral("R"), QStringLiteral("2"));
    const QCommandLineOption dir(QStringLiteral("dir"), QStringLiteral("Where processes put their sockets (default: QAIO_INSPECT_DIR, else the per-user directory)."),
                                 QStringLiteral("DIR"));
    parser.addOptions({list, dump, tree, top, cancel, trace, seconds, count, rate, dir});
    parser.addPositionalArgument(QStringLiteral("args"), QStringLiteral("--cancel: the task id and an optional message; --trace: the file."));
    parser.process(app);

    qaio::RemoteInspectorOptions options;
    options.directory = parser.value(dir);
    const QString directory = qaio::RemoteInspector::directory(options);
    try {
        if (parser.isSet(list)) {
            for (const QString &entry : qaio::RemoteInspector::servingSockets(options)) {
                Client client;
                if (!client.connectTo(directory + u'/' + entry).isEmpty())
                    continue; // a socket its process left behind
                out() << client.hello().value(QLatin1String("name")).toString() << '\t'
                      << client.hello().value(QLatin1String("pid")).toInteger() << '\n';
            }
            return 0;
        }
        const QString name = parser.isSet(dump) ? parser.value(dump)
                             : parser.isSet(tree) ? parser.value(tree)
                             : parser.isSet(top)  ? parser.value(top)
                             : parser.isSet(trace) ? parser.value(trace)
                                                  : parser.value(cancel);
        if (name.isEmpty()) {
            err() << "qaio-inspect: say what to do: --list, --dump NAME, --tree NAME, --top NAME, --trace NAME FILE "
                     "or --cancel NAME ID\n";
            return 2;
        }
        Client client;
        const QString problem = client.connectTo(qaio::RemoteInspector::socketPathFor(name, options));
        if (!problem.isEmpty())
            throw QStringLiteral("cannot attach to %1: %2").arg(name, problem);
        if (parser.isSet(dump)) {
            out() << QJsonDocument(client.call(QStringLiteral("snapshot")).toObject()).toJson(QJsonDocument::Indented);
            return 0;
        }
        if (parser.isSet(tree)) {
            printTree(client.call(QStringLiteral("snapshot")).toObject());
            return 0;
        }
        if (parser.isSet(trace)) {
            const QString file = parser.positionalArguments().value(0);
            if (file.isEmpty())
                throw QStringLiteral("--trace NAME FILE: say where to write the trace");
            bool ok = false;
            const double duration = parser.value(seconds).toDouble(&ok);
            if (!ok || duration <= 0 || duration > 3600)
                throw QStringLiteral("--seconds must be a number of seconds from 0 to 3600");
            client.call(QStringLiteral("startTrace"));
            QThread::msleep(static_cast<unsigned long>(duration * 1000));
            const QJsonObject recorded = client.call(QStringLiteral("stopTrace")).toObject();
            QSaveFile output(file);
            if (!output.open(QIODevice::WriteOnly) || output.write(QJsonDocument(recorded).toJson(QJsonDocument::Compact)) < 0
                || !output.commit())
                throw QStringLiteral("cannot write %1: %2").arg(file, output.errorString());
            out() << recorded.value(QLatin1String("traceEvents")).toArray().size() << " events written to " << file
                  << " (open it in ui.perfetto.dev)\n";
            return 0;
        }
        if (parser.isSet(cancel)) {
            const QStringList args = parser.positionalArguments();
            bool ok = false;
            const qint64 id = args.value(0).toLongLong(&ok);
            if (!ok || id <= 0)
                throw QStringLiteral("--cancel NAME ID [MESSAGE]: ID must be a task id (a positive integer)");
            QJsonObject params;
            params[QLatin1String("taskId")] = id;
            if (args.size() > 1)
                params[QLatin1String("message")] = args.mid(1).join(u' ');
            const bool done = client.call(QStringLiteral("cancel"), params).toObject().value(QLatin1String("cancelled")).toBool();
            out() << (done ? "cancelled\n" : "no pending task with that id\n");
            return done ? 0 : 1;
        }
        QJsonObject params;
        params[QLatin1String("rate")] = qBound(1, parser.value(rate).toInt(), 10);
        client.call(QStringLiteral("subscribe"), params);
        const int frames = parser.isSet(count) ? parser.value(count).toInt() : -1;
        std::map<qint64, QJsonObject> tasks; // the live tasks, kept up to date by the frames
        for (int shown = 0; frames < 0 || shown < frames;) {
            const std::optional<QJsonObject> message = client.next(60000);
            if (!message)
                break; // the process ended
            if (message->value(QLatin1String("event")).toString() != QLatin1String("snapshot"))
                continue;
            QJsonObject frame = message->value(QLatin1String("data")).toObject();
            if (!frame.value(QLatin1String("partial")).toBool())
                tasks.clear();
            for (const QJsonValue &removed : frame.value(QLatin1String("removedTasks")).toArray())
                tasks.erase(removed.toInteger());
            for (const QJsonValue &v : frame.value(QLatin1String("tasks")).toArray())
                tasks[v.toObject().value(QLatin1String("id")).toInteger()] = v.toObject();
            QJsonArray all;
            for (const auto &entry : tasks)
                all.append(entry.second);
            frame[QLatin1String("tasks")] = all;
            printTop(frame, name);
            ++shown;
        }
        return 0;
    } catch (const QString &message) {
        err() << "qaio-inspect: " << message << '\n';
        return 1;
    } catch (const qaio::ValueError &e) {
        err() << "qaio-inspect: " << e.message() << '\n';
        return 1;
    }
}
