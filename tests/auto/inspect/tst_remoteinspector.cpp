// Copyright (c) qaio authors. Licensed under the MIT license.
// RemoteInspector and qaio-inspect: a child process serves (this executable with
// --serve), the tool dumps its named tasks with the right awaits, prints the await chain,
// lists it, shows it live and cancels a task in it; a peer of another user, a directory
// others may enter, malformed and oversized requests are refused while serving goes on.
#include "looptestcase.h"
#include "taskprograms.h"
#include "tracechecks.h"

#include <qaio/qaio.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QLocalSocket>
#include <QtTest/QtTest>

#include <sys/stat.h>
#include <unistd.h>

#include <thread>

using namespace std::chrono_literals;
using namespace taskprograms;

namespace {

qaio::Coro<void> awaitTask(qaio::Task<void> t)
{
    co_await t;
}

/*! The child: serves NAME in DIR with a consumer awaiting a producer that sleeps, until
    its stdin closes. */
int serve(const QString &name, const QString &dir)
{
    qaio::EventLoop loop;
    qaio::RemoteInspectorOptions options;
    options.directory = dir;
    loop.serveInspector(name, options);
    qaio::Task<void> producer = loop.createTask(sleepFor(1h), QStringLiteral("producer"));
    qaio::Task<void> consumer = loop.createTask(awaitTask(producer), QStringLiteral("consumer"));
    loop.addReader(0, [&loop] {
        char buffer[64];
        if (::read(0, buffer, sizeof buffer) <= 0) {
            loop.removeReader(0);
            loop.stop();
        }
    });
    loop.callSoon([] {
        std::fputs("ready\n", stdout);
        std::fflush(stdout);
    });
    loop.runForever();
    producer.cancel();
    consumer.cancel();
    while (!producer.done() || !consumer.done())
        loop.runOnce();
    return 0;
}

QString toolPath()
{
    return QCoreApplication::applicationDirPath() + QStringLiteral("/qaio-inspect");
}

/*! Runs qaio-inspect with \a arguments to its end; returns stdout, stderr in \a errors. */
QByteArray runTool(const QStringList &arguments, int *exitCode = nullptr, QByteArray *errors = nullptr)
{
    QProcess tool;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("TERM"), QStringLiteral("dumb"));
    tool.setProcessEnvironment(environment);
    tool.start(toolPath(), arguments);
    if (!tool.waitForFinished(60000))
        qFatal("qaio-inspect did not finish");
    if (exitCode)
        *exitCode = tool.exitCode();
    if (errors)
        *errors = tool.readAllStandardError();
    return tool.readAllStandardOutput();
}

QJsonObject taskNamed(const QJsonObject &snapshot, const QString &name)
{
    for (const QJsonValue &v : snapshot.value(QLatin1String("tasks")).toArray())
        if (v.toObject().value(QLatin1String("name")).toString() == name)
            return v.toObject();
    return {};
}

/*! A blocking client on a thread of its own (the loop's thread serves meanwhile): sends
    each line, collects one reply per line. */
struct ThreadClient
{
    QString path;
    QList<QByteArray> requests;
    QList<QJsonObject> replies;
    QString failure;

    void run()
    {
        QLocalSocket socket;
        socket.connectToServer(path);
        if (!socket.waitForConnected(30000)) {
            failure = socket.errorString();
            return;
        }
        QByteArray buffer;
        auto nextMessage = [&]() -> std::optional<QJsonObject> {
            for (;;) {
                const qsizetype newline = buffer.indexOf('\n');
                if (newline >= 0) {
                    const QJsonObject o = QJsonDocument::fromJson(buffer.left(newline)).object();
                    buffer.remove(0, newline + 1);
                    return o;
                }
                if (!socket.waitForReadyRead(30000))
                    return std::nullopt;
                buffer += socket.readAll();
            }
        };
        const std::optional<QJsonObject> greeting = nextMessage();
        if (!greeting) {
            failure = QStringLiteral("no greeting");
            return;
        }
        replies << *greeting;
        for (const QByteArray &request : requests) {
            socket.write(request);
            socket.flush();
            const std::optional<QJsonObject> reply = nextMessage();
            if (!reply) {
                failure = QStringLiteral("no reply to %1").arg(QString::fromUtf8(request.left(40)));
                return;
            }
            replies << *reply;
        }
    }
};

/*! Runs \a client on a thread while \a loop serves; returns when it is done. */
void runClient(qaio::EventLoop &loop, ThreadClient &client)
{
    qaio::Future<void> done = loop.createFuture<void>();
    std::thread thread([&client, &loop, done]() mutable {
        client.run();
        loop.callSoonThreadsafe([done]() mutable { done.setResult(); });
    });
    loop.runUntilComplete(done);
    thread.join();
}

} // namespace

class tst_RemoteInspector : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void toolAttachesToAChildProcess()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(::chmod(QFile::encodeName(dir.path()).constData(), 0700) == 0);
        QTemporaryDir traces;
        QProcess child;
        child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--serve"), QStringLiteral("tst-child"), dir.path()});
        QVERIFY(child.waitForStarted(30000));
        QVERIFY2(child.waitForReadyRead(60000), "the child did not start serving");
        QCOMPARE(child.readLine().trimmed(), QByteArray("ready"));
        const QString pid = QString::number(child.processId());

        const QString socketPath = dir.path() + QStringLiteral("/tst-child.") + pid;
        struct stat info{};
        QCOMPARE(::stat(QFile::encodeName(socketPath).constData(), &info), 0);
        QCOMPARE(int(info.st_mode & 0777), 0600);

        const QByteArray listed = runTool({QStringLiteral("--dir"), dir.path(), QStringLiteral("--list")});
        QCOMPARE(listed, QStringLiteral("tst-child\t%1\n").arg(pid).toUtf8());

        const QJsonObject snapshot =
            QJsonDocument::fromJson(runTool({QStringLiteral("--dir"), dir.path(), QStringLiteral("--dump"), QStringLiteral("tst-child")})).object();
        QCOMPARE(snapshot.value(QLatin1String("protocol")).toInt(), qaio::kInspectorProtocolVersion);
        const QJsonObject producer = taskNamed(snapshot, QStringLiteral("producer"));
        const QJsonObject consumer = taskNamed(snapshot, QStringLiteral("consumer"));
        QCOMPARE(producer.value(QLatin1String("state")).toString(), QStringLiteral("waiting"));
        QCOMPARE(producer.value(QLatin1String("awaits")).toObject().value(QLatin1String("kind")).toString(), QStringLiteral("sleep"));
        QCOMPARE(consumer.value(QLatin1String("awaits")).toObject().value(QLatin1String("kind")).toString(), QStringLiteral("task"));
        QCOMPARE(consumer.value(QLatin1String("awaits")).toObject().value(QLatin1String("taskId")).toInteger(),
                 producer.value(QLatin1String("id")).toInteger());
        QCOMPARE(producer.value(QLatin1String("awaitedBy")).toArray().size(), 1);

        const QString tree = QString::fromUtf8(runTool({QStringLiteral("--dir"), dir.path(), QStringLiteral("--tree"), QStringLiteral("tst-child.") + pid}));
        const QStringList lines = tree.split(u'\n', Qt::SkipEmptyParts);
        QVERIFY2(lines.size() >= 3, qPrintable(tree));
        QVERIFY2(lines[0].startsWith(QStringLiteral("└── (T) consumer")), qPrintable(tree));
        QVERIFY2(lines[1].startsWith(QStringLiteral("    └── (T) producer")), qPrintable(tree));
        QVERIFY2(lines[2].startsWith(QStringLiteral("        └── sleep")), qPrintable(tree));

        const QString live = QString::fromUtf8(runTool({QStringLiteral("--dir"), dir.path(), QStringLiteral("--top"), QStringLiteral("tst-child"), QStringLiteral("--count"), QStringLiteral("1")}));
        QVERIFY2(live.contains(QStringLiteral("producer")) && live.contains(QStringLiteral("consumer")), qPrintable(live));

        const QString recorded = traces.filePath(QStringLiteral("remote.json"));
        const QByteArray traced = runTool({QStringLiteral("--dir"), dir.path(), QStringLiteral("--trace"), QStringLiteral("tst-child"),
                                           recorded, QStringLiteral("--seconds"), QStringLiteral("0.1")});
        QVERIFY2(traced.contains("events written to"), traced.constData());
        {
            QFile file(recorded);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QJsonObject trace = QJsonDocument::fromJson(file.readAll()).object();
            QCOMPARE(tracecheck::traceProblems(trace), QString());
            QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("b"), QStringLiteral("producer")), 1);
        }

        int exitCode = -1;
        const QByteArray cancelled = runTool({QStringLiteral("--dir"), dir.path(), QStringLiteral("--cancel"), QStringLiteral("tst-child"),
                                              QString::number(producer.value(QLatin1String("id")).toInteger()), QStringLiteral("from"), QStringLiteral("outside")},
                                             &exitCode);
        QCOMPARE(cancelled, QByteArray("cancelled\n"));
        QCOMPARE(exitCode, 0);
        // The cancellation ran in the child before it answered the next request.
        const QJsonObject after =
            QJsonDocument::fromJson(runTool({QStringLiteral("--dir"), dir.path(), QStringLiteral("--dump"), QStringLiteral("tst-child")})).object();
        QVERIFY(taskNamed(after, QStringLiteral("producer")).isEmpty());
        QVERIFY(taskNamed(after, QStringLiteral("consumer")).isEmpty());
        bool sawCancelled = false;
        for (const QJsonValue &v : after.value(QLatin1String("finished")).toArray()) {
            const QJsonObject t = v.toObject();
            if (t.value(QLatin1String("name")).toString() == QLatin1String("producer")) {
                sawCancelled = t.value(QLatin1String("state")).toString() == QLatin1String("cancelled")
                               && t.value(QLatin1String("cancelMessage")).toString() == QLatin1String("from outside");
            }
        }
        QVERIFY(sawCancelled);

        child.closeWriteChannel();
        QVERIFY(child.waitForFinished(60000));
        QCOMPARE(child.exitStatus(), QProcess::NormalExit);
        QCOMPARE(child.exitCode(), 0);
        QVERIFY(!QFile::exists(socketPath));
        QCOMPARE(runTool({QStringLiteral("--dir"), dir.path(), QStringLiteral("--list")}), QByteArray());
    }

    void traceWrittenAtExit()
    {
        QTemporaryDir dir;
        QVERIFY(::chmod(QFile::encodeName(dir.path()).constData(), 0700) == 0);
        const QString path = dir.filePath(QStringLiteral("at-exit.json"));
        QProcess child;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QAIO_TRACE"), path);
        child.setProcessEnvironment(environment);
        child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--serve"), QStringLiteral("traced"), dir.path()});
        QVERIFY(child.waitForStarted(30000));
        QVERIFY2(child.waitForReadyRead(60000), "the child did not start");
        child.closeWriteChannel();
        QVERIFY(child.waitForFinished(60000));
        QCOMPARE(child.exitCode(), 0);
        // The whole run, written when the child's loop went.
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject trace = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(tracecheck::traceProblems(trace), QString());
        QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("b"), QStringLiteral("producer")), 1);
        QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("e"), QStringLiteral("producer")), 1);
        QCOMPARE(tracecheck::countEvents(trace, QStringLiteral("X"), QStringLiteral("consumer")), 2);
    }

    void refusesAnotherUser()
    {
        auto &loop = guard->loop();
        QTemporaryDir dir;
        QVERIFY(::chmod(QFile::encodeName(dir.path()).constData(), 0700) == 0);
        qaio::RemoteInspectorOptions options;
        options.directory = dir.path();
        options.allowedUserId = std::uint32_t(::geteuid()) + 1;
        qaio::RemoteInspector remote(loop.inspector(), QStringLiteral("guarded"), options);
        QProcess tool;
        tool.start(toolPath(), {QStringLiteral("--dir"), dir.path(), QStringLiteral("--dump"), QStringLiteral("guarded")});
        auto finished = qaio::signal(&tool, &QProcess::finished);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("refused a connection of user")));
        loop.runUntilComplete(finished);
        QCOMPARE(tool.exitCode(), 1);
        const QString errors = QString::fromUtf8(tool.readAllStandardError());
        QVERIFY2(errors.contains(QStringLiteral("refused: only user %1 may inspect").arg(*options.allowedUserId)), qPrintable(errors));
        QCOMPARE(remote.connectionCount(), 0);
    }

    void refusesADirectoryOthersMayEnter()
    {
        auto &loop = guard->loop();
        QTemporaryDir dir;
        QVERIFY(::chmod(QFile::encodeName(dir.path()).constData(), 0755) == 0);
        qaio::RemoteInspectorOptions options;
        options.directory = dir.path();
        try {
            qaio::RemoteInspector remote(loop.inspector(), QStringLiteral("public"), options);
            QFAIL("served from a directory of mode 0755");
        } catch (const qaio::RuntimeError &e) {
            QVERIFY2(e.message().contains(QStringLiteral("has mode 0755")), qPrintable(e.message()));
        }
        QVERIFY(QDir(dir.path()).entryList(QDir::System | QDir::Files).isEmpty());
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.serveInspector(QStringLiteral("bad/name")));
    }

    void badRequestsGetErrorsAndServingGoesOn()
    {
        auto &loop = guard->loop();
        QTemporaryDir dir;
        QVERIFY(::chmod(QFile::encodeName(dir.path()).constData(), 0700) == 0);
        qaio::RemoteInspectorOptions options;
        options.directory = dir.path();
        options.maxRequestBytes = 1024;
        qaio::RemoteInspector &remote = loop.serveInspector(QStringLiteral("robust"), options);
        qaio::Task<void> sleeper = loop.createTask(sleepFor(1h), QStringLiteral("sleeper"));
        loop.runOnce();

        ThreadClient client;
        client.path = remote.socketPath();
        client.requests = {
            "not json\n",
            "[1, 2]\n",
            "{\"method\": 5}\n",
            QByteArray(5000, 'x') + "\n",
            "{\"id\": 1, \"method\": \"format-disk\"}\n",
            "{\"id\": 2, \"method\": \"cancel\", \"params\": {\"taskId\": -3}}\n",
            "{\"id\": 3, \"method\": \"subscribe\", \"params\": {\"rate\": 1000}}\n",
            "{\"id\": 4, \"method\": \"snapshot\"}\n",
            "{\"id\": 5, \"method\": \"cancel\", \"params\": {\"taskId\": " + QByteArray::number(qulonglong(sleeper.id())) + ", \"message\": \"remote\"}}\n",
        };
        runClient(loop, client);
        QVERIFY2(client.failure.isEmpty(), qPrintable(client.failure));
        QCOMPARE(client.replies.size(), 10);
        QCOMPARE(client.replies[0].value(QLatin1String("event")).toString(), QStringLiteral("hello"));
        auto code = [&](int i) {
            return client.replies[i].value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString();
        };
        QCOMPARE(code(1), QStringLiteral("parse-error"));
        QCOMPARE(code(2), QStringLiteral("parse-error"));
        QCOMPARE(code(3), QStringLiteral("invalid-request"));
        QCOMPARE(code(4), QStringLiteral("request-too-large"));
        QCOMPARE(code(5), QStringLiteral("unknown-method"));
        QCOMPARE(code(6), QStringLiteral("invalid-params"));
        QCOMPARE(code(7), QStringLiteral("invalid-params"));
        const QJsonObject snapshot = client.replies[8].value(QLatin1String("result")).toObject();
        QCOMPARE(client.replies[8].value(QLatin1String("id")).toInt(), 4);
        QCOMPARE(taskNamed(snapshot, QStringLiteral("sleeper")).value(QLatin1String("awaits")).toObject().value(QLatin1String("kind")).toString(),
                 QStringLiteral("sleep"));
        QCOMPARE(client.replies[9].value(QLatin1String("result")).toObject().value(QLatin1String("cancelled")).toBool(), true);
        while (!sleeper.done())
            loop.runOnce();
        QVERIFY(sleeper.cancelled());
        loop.stopServingInspector();
        QVERIFY(!QFile::exists(client.path));
    }
};

int main(int argc, char **argv)
{
    if (argc == 4 && qstrcmp(argv[1], "--serve") == 0) {
        QCoreApplication app(argc, argv);
        return serve(QString::fromLocal8Bit(argv[2]), QString::fromLocal8Bit(argv[3]));
    }
    QCoreApplication app(argc, argv);
    tst_RemoteInspector test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_remoteinspector.moc"
