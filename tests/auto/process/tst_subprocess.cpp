// Copyright (c) qaio authors. Licensed under the MIT license.
// Subprocesses: EventLoop::subprocessExec() / subprocessShell(), SubprocessTransport and
// SubprocessProtocol (ported from CPython's test_asyncio test_subprocess /
// test_base_subprocess and uvloop's tests/test_process.py): call order with
// processExited() after every pipe, stdin round trips, the shell, exec failures as
// FileNotFoundError / PermissionError, kill / terminate / sendSignal return codes and
// ProcessLookupError, close() killing a running child, the stdio modes (DEVNULL, STDOUT,
// a descriptor, inherit), cwd and env, no descriptor inherited beyond passFds, many
// spawns without leaked descriptors or zombies, a daemonising child, QProcess in the same
// program, cancellation and loop close.
#include "looptestcase.h"
#include "../net/nettransport_helpers.h" // runUntil(), poke(), expectThrow()

#include <qaio/process/detail/childprocesstransport_p.h> // whenExited(), until Process::wait() lands

#include <QtCore/QDir>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace nettest;
using qaio::Stdio;
using qaio::SubprocessOptions;

namespace {

struct ChildTrace
{
    QStringList events; // "made", "out", "err", "lost0", "lost1", "lost2", "exited", "lost", "pause", "resume"
    QByteArray out;
    QByteArray err;
    std::exception_ptr pipeErrors[3];
    std::optional<int> returnCodeAtExit;
    int lost = 0;
    bool destroyed = false;
};

class ChildProtocol : public qaio::SubprocessProtocol
{
public:
    explicit ChildProtocol(std::shared_ptr<ChildTrace> trace) : trace(std::move(trace)) {}
    ~ChildProtocol() override
    {
        trace->destroyed = true;
        poke();
    }
    void connectionMade(qaio::BaseTransport &t) override
    {
        if (static_cast<qaio::BaseTransport *>(transport()) != &t)
            qFatal("SubprocessProtocol::transport() is not the transport that called connectionMade()");
        trace->events << QStringLiteral("made");
        poke();
    }
    void pipeDataReceived(int fd, QByteArrayView data) override
    {
        if (trace->events.isEmpty() || trace->events.back() != (fd == 1 ? QLatin1String("out") : QLatin1String("err")))
            trace->events << (fd == 1 ? QStringLiteral("out") : QStringLiteral("err"));
        (fd == 1 ? trace->out : trace->err).append(data);
        poke();
    }
    void pipeConnectionLost(int fd, std::exception_ptr error) override
    {
        trace->events << QStringLiteral("lost%1").arg(fd);
        trace->pipeErrors[fd] = error;
        poke();
    }
    void processExited() override
    {
        trace->events << QStringLiteral("exited");
        trace->returnCodeAtExit = transport()->returnCode();
        poke();
    }
    void pauseWriting() override { trace->events << QStringLiteral("pause"); }
    void resumeWriting() override { trace->events << QStringLiteral("resume"); }
    void connectionLost(std::exception_ptr) override
    {
        trace->events << QStringLiteral("lost");
        ++trace->lost;
        poke();
    }
    std::shared_ptr<ChildTrace> trace;
};

using Child = qaio::SubprocessConnection<ChildProtocol>;

Child exec(qaio::EventLoop &loop, const QString &program, const QStringList &arguments, SubprocessOptions options,
           std::shared_ptr<ChildTrace> trace)
{
    auto factory = [trace] { return std::make_unique<ChildProtocol>(trace); };
    return loop.runUntilComplete(loop.subprocessExec(factory, program, arguments, std::move(options)));
}

Child shell(qaio::EventLoop &loop, const QString &command, std::shared_ptr<ChildTrace> trace,
            SubprocessOptions options = {})
{
    auto factory = [trace] { return std::make_unique<ChildProtocol>(trace); };
    return loop.runUntilComplete(loop.subprocessShell(factory, command, std::move(options)));
}

/*! Runs the loop until the child's transport has finished (connectionLost()). */
void finish(qaio::EventLoop &loop, const std::shared_ptr<ChildTrace> &trace)
{
    runUntil(loop, [&] { return trace->lost == 1; });
}

/*! Children of this process still known to the kernel (zombies included). */
QByteArray childrenOfThisProcess()
{
    QByteArray all;
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &task : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile children(tasks.filePath(task + QStringLiteral("/children")));
        if (children.open(QIODevice::ReadOnly))
            all += children.readAll().trimmed();
    }
    return all;
}

} // namespace

class tst_Subprocess : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // Qt Test catches SIGPIPE as a crash; an application ignores it (QProcess makes it
        // so, and so does the first write pipe where it has the default action). Writes to
        // a vanished reader then fail with BrokenPipeError, which is what these tests check.
        ::signal(SIGPIPE, SIG_IGN);
    }
    void callOrderAndOutput();
    void stdinRoundTrip();
    void shellCommand();
    void execFailures();
    void killTerminateSendSignal();
    void closeKillsRunningChild();
    void stdioModes();
    void cwdAndEnvironment();
    void nothingInheritedButPassFds();
    void manySpawnsLeakNothing();
    void daemonisingChildDoesNotHangExit();
    void qprocessInTheSameProgram();
    void argumentErrors();
    void cancelledCreationKillsChild();
    void loopCloseKillsChild();
};

// asyncio's order: made, data, every pipe lost, then exited, then lost.
void tst_Subprocess::callOrderAndOutput()
{
    qaio::EventLoop &loop = guard->loop();
    auto trace = std::make_shared<ChildTrace>();
    auto made = exec(loop, QStringLiteral("/bin/sh"),
                     {QStringLiteral("-c"), QStringLiteral("printf hello; printf oops >&2; exit 3")}, {}, trace);
    QVERIFY(made.transport->pid() > 0);
    QCOMPARE(made.transport->extraInfo(QStringLiteral("subprocess")).value<qint64>(), made.transport->pid());
    QVERIFY(made.transport->pipeTransport(0) && made.transport->pipeTransport(1) && made.transport->pipeTransport(2));
    QVERIFY(!made.transport->pipeTransport(3));
    finish(loop, trace);
    QCOMPARE(trace->out, QByteArray("hello"));
    QCOMPARE(trace->err, QByteArray("oops"));
    QCOMPARE(made.transport->returnCode(), std::optional<int>(3));
    QCOMPARE(trace->returnCodeAtExit, std::optional<int>(3));
    QCOMPARE(trace->events.front(), QStringLiteral("made"));
    const qsizetype exitedAt = trace->events.indexOf(QStringLiteral("exited"));
    for (const char *lost : {"lost0", "lost1", "lost2"}) {
        QVERIFY2(trace->events.contains(QLatin1String(lost)), lost);
        QVERIFY(trace->events.indexOf(QLatin1String(lost)) < exitedAt);
    }
    QCOMPARE(trace->events.back(), QStringLiteral("lost"));
    QCOMPARE(trace->events.count(QStringLiteral("exited")), 1);
    QVERIFY(made.transport->isClosing());
}

// asyncio's test_stdin_stdout: what is written to the child's stdin comes back.
void tst_Subprocess::stdinRoundTrip()
{
    qaio::EventLoop &loop = guard->loop();
    auto trace = std::make_shared<ChildTrace>();
    auto made = exec(loop, QStringLiteral("cat"), {}, {}, trace);
    auto *in = dynamic_cast<qaio::WriteTransport *>(made.transport->pipeTransport(0));
    QVERIFY(in);
    const QByteArray payload = patternBytes(300000); // more than a pipe holds: flow control
    in->write(payload);
    in->writeEof();
    finish(loop, trace);
    QCOMPARE(trace->out.size(), payload.size());
    QVERIFY(trace->out == payload);
    QCOMPARE(made.transport->returnCode(), std::optional<int>(0));
    QVERIFY(!trace->pipeErrors[0] && !trace->pipeErrors[1]);
}

void tst_Subprocess::shellCommand()
{
    qaio::EventLoop &loop = guard->loop();
    auto trace = std::make_shared<ChildTrace>();
    auto made = shell(loop, QStringLiteral("echo $((6 * 7)); exit 0"), trace);
    finish(loop, trace);
    QCOMPARE(trace->out, QByteArray("42\n"));
    QCOMPARE(made.transport->returnCode(), std::optional<int>(0));
}

// A program that cannot be started fails the awaiting call with the right OSError, not
// an exit code 127; nothing is left behind.
void tst_Subprocess::execFailures()
{
    qaio::EventLoop &loop = guard->loop();
    const int fdsBefore = LoopGuard::openFdCount();
    auto factory = [] { return std::make_unique<ChildProtocol>(std::make_shared<ChildTrace>()); };
    QVERIFY(expectThrow<qaio::FileNotFoundError>(loop, loop.subprocessExec(factory, QStringLiteral("/nonexistent/qaio-program")))
                .contains(QLatin1String("/nonexistent/qaio-program")));
    QVERIFY(!expectThrow<qaio::FileNotFoundError>(loop, loop.subprocessExec(factory, QStringLiteral("qaio-no-such-program")))
                 .startsWith(QLatin1String("NO EXCEPTION")));
    QTemporaryDir dir;
    QFile notExecutable(dir.filePath(QStringLiteral("script.sh"))); // mode 0644
    QVERIFY(notExecutable.open(QIODevice::WriteOnly));
    notExecutable.write("#!/bin/sh\nexit 0\n");
    notExecutable.close();
    QVERIFY(!expectThrow<qaio::PermissionError>(loop, loop.subprocessExec(factory, notExecutable.fileName()))
                 .startsWith(QLatin1String("NO EXCEPTION")));
    SubprocessOptions inMissingDir{.cwd = QStringLiteral("/nonexistent/qaio-dir")};
    QVERIFY(!expectThrow<qaio::FileNotFoundError>(
                 loop, loop.subprocessExec(factory, QStringLiteral("/bin/true"), {}, std::move(inMissingDir)))
                 .startsWith(QLatin1String("NO EXCEPTION")));
    QCOMPARE(LoopGuard::openFdCount(), fdsBefore);
    QCOMPARE(childrenOfThisProcess(), QByteArray());
}

// asyncio's test_kill / test_terminate / test_send_signal: -9, -15, and
// ProcessLookupError once the child is gone.
void tst_Subprocess::killTerminateSendSignal()
{
    qaio::EventLoop &loop = guard->loop();
    struct Case
    {
        void (*act)(qaio::SubprocessTransport &);
        int expected;
    };
    const Case cases[] = {{[](qaio::SubprocessTransport &t) { t.kill(); }, -SIGKILL},
                          {[](qaio::SubprocessTransport &t) { t.terminate(); }, -SIGTERM},
                          {[](qaio::SubprocessTransport &t) { t.sendSignal(SIGHUP); }, -SIGHUP}};
    for (const Case &c : cases) {
        auto trace = std::make_shared<ChildTrace>();
        auto made = exec(loop, QStringLiteral("sleep"), {QStringLiteral("100")}, {.stdIn = Stdio::devNull()}, trace);
        c.act(*made.transport);
        finish(loop, trace);
        QCOMPARE(made.transport->returnCode(), std::optional<int>(c.expected));
        QVERIFY(!qaiotest::messageOf<qaio::ProcessLookupError>([&] { made.transport->kill(); }).isEmpty());
        QVERIFY(!qaiotest::messageOf<qaio::ProcessLookupError>([&] { made.transport->terminate(); }).isEmpty());
        QVERIFY(!qaiotest::messageOf<qaio::ProcessLookupError>([&] { made.transport->sendSignal(SIGTERM); }).isEmpty());
    }
}

// close() kills a running child (asyncio), which is still reaped; not a finished one.
void tst_Subprocess::closeKillsRunningChild()
{
    qaio::EventLoop &loop = guard->loop();
    auto trace = std::make_shared<ChildTrace>();
    auto made = exec(loop, QStringLiteral("sleep"), {QStringLiteral("100")}, {}, trace);
    made.transport->close();
    QVERIFY(made.transport->isClosing());
    finish(loop, trace);
    QCOMPARE(made.transport->returnCode(), std::optional<int>(-SIGKILL));
    QCOMPARE(trace->events.count(QStringLiteral("exited")), 1);

    auto doneTrace = std::make_shared<ChildTrace>();
    auto done = exec(loop, QStringLiteral("/bin/true"), {}, {}, doneTrace);
    finish(loop, doneTrace);
    done.transport->close(); // nothing to kill
    QCOMPARE(done.transport->returnCode(), std::optional<int>(0));
    QCOMPARE(childrenOfThisProcess(), QByteArray());
}

void tst_Subprocess::stdioModes()
{
    qaio::EventLoop &loop = guard->loop();
    const QString both = QStringLiteral("printf out; printf err >&2");
    {
        auto trace = std::make_shared<ChildTrace>();
        auto made = shell(loop, both, trace, {.stdIn = Stdio::devNull(), .stdOut = Stdio::devNull()});
        QVERIFY(!made.transport->pipeTransport(0) && !made.transport->pipeTransport(1));
        finish(loop, trace);
        QCOMPARE(trace->out, QByteArray());
        QCOMPARE(trace->err, QByteArray("err"));
    }
    {
        auto trace = std::make_shared<ChildTrace>();
        auto made = shell(loop, both, trace, {.stdErr = Stdio::toStdout()});
        QVERIFY(!made.transport->pipeTransport(2));
        finish(loop, trace);
        QCOMPARE(trace->out, QByteArray("outerr"));
        QCOMPARE(trace->err, QByteArray());
    }
    {
        int fds[2];
        QCOMPARE(::pipe2(fds, O_CLOEXEC), 0);
        auto trace = std::make_shared<ChildTrace>();
        auto made = shell(loop, both, trace, {.stdOut = Stdio::descriptor(fds[1]), .stdErr = Stdio::descriptor(fds[1])});
        finish(loop, trace);
        ::close(fds[1]); // still ours: the transport did not take it
        char buffer[16] = {};
        QCOMPARE(::read(fds[0], buffer, sizeof buffer), ssize_t(6));
        QCOMPARE(QByteArray(buffer, 6), QByteArray("outerr"));
        ::close(fds[0]);
    }
}

void tst_Subprocess::cwdAndEnvironment()
{
    qaio::EventLoop &loop = guard->loop();
    QTemporaryDir dir;
    QProcessEnvironment env;
    env.insert(QStringLiteral("QAIO_TEST_VALUE"), QStringLiteral("from the parent"));
    env.insert(QStringLiteral("PATH"), QStringLiteral("/usr/bin:/bin"));
    auto trace = std::make_shared<ChildTrace>();
    auto made = shell(loop, QStringLiteral("pwd; printf %s \"$QAIO_TEST_VALUE\"; printf %s \"${HOME:-no home}\""),
                      trace, {.cwd = dir.path(), .env = env});
    finish(loop, trace);
    QCOMPARE(trace->out, (QDir(dir.path()).canonicalPath() + QStringLiteral("\nfrom the parentno home")).toLocal8Bit());
}

// The child gets 0, 1, 2 and what passFds names, nothing else (even without close-on-exec).
void tst_Subprocess::nothingInheritedButPassFds()
{
    qaio::EventLoop &loop = guard->loop();
    const int leaky = ::fcntl(0, F_DUPFD, 50); // no close-on-exec on purpose
    const int passed = ::fcntl(0, F_DUPFD, 60);
    QVERIFY(leaky >= 50 && passed >= 60);
    auto trace = std::make_shared<ChildTrace>();
    // The shell lists its descriptors without opening one of its own.
    auto made = shell(loop, QStringLiteral("for fd in /proc/$$/fd/*; do printf '%s ' \"${fd##*/}\"; done"), trace,
                      {.passFds = {passed}});
    finish(loop, trace);
    const QList<QByteArray> fds = trace->out.trimmed().split(' ');
    QVERIFY2(fds.contains("0") && fds.contains("1") && fds.contains("2"), trace->out.constData());
    QVERIFY2(fds.contains(QByteArray::number(passed)), trace->out.constData());
    QVERIFY2(!fds.contains(QByteArray::number(leaky)), trace->out.constData());
    ::close(leaky);
    ::close(passed);
}

// Spawning many children leaves the descriptor count where it was and no zombie.
void tst_Subprocess::manySpawnsLeakNothing()
{
    qaio::EventLoop &loop = guard->loop();
    const int fdsBefore = LoopGuard::openFdCount();
    for (int i = 0; i < 1000; ++i) {
        auto trace = std::make_shared<ChildTrace>();
        auto made = exec(loop, QStringLiteral("/bin/true"), {}, {}, trace);
        finish(loop, trace);
        QCOMPARE(made.transport->returnCode(), std::optional<int>(0));
    }
    QCOMPARE(LoopGuard::openFdCount(), fdsBefore);
    QCOMPARE(childrenOfThisProcess(), QByteArray());
}

// A child that leaves a grandchild holding its pipes: its exit is known at once (a wait
// does not hang); processExited() waits for the pipes, which end with the grandchild.
void tst_Subprocess::daemonisingChildDoesNotHangExit()
{
    qaio::EventLoop &loop = guard->loop();
    auto trace = std::make_shared<ChildTrace>();
    auto made = shell(loop, QStringLiteral("sleep 100 & echo $!"), trace, {.stdIn = Stdio::devNull()});
    auto *child = dynamic_cast<qaio::detail::ChildProcessTransport *>(made.transport.get());
    QVERIFY(child);
    std::optional<int> exitCode;
    child->whenExited([&exitCode](int code) {
        exitCode = code;
        poke();
    });
    runUntil(loop, [&] { return exitCode.has_value() && trace->out.endsWith('\n'); });
    QCOMPARE(*exitCode, 0);
    QVERIFY(!trace->events.contains(QStringLiteral("exited"))); // the grandchild holds stdout
    const qint64 grandchild = trace->out.trimmed().toLongLong();
    QVERIFY(grandchild > 0);
    ::kill(pid_t(grandchild), SIGKILL);
    finish(loop, trace);
    QCOMPARE(trace->events.count(QStringLiteral("exited")), 1);
}

// QProcess reaps its own children (forkfd); ours are reaped by pid: both work side by side.
void tst_Subprocess::qprocessInTheSameProgram()
{
    qaio::EventLoop &loop = guard->loop();
    QProcess qprocess;
    bool qprocessFinished = false;
    QObject::connect(&qprocess, &QProcess::finished, &qprocess, [&](int, QProcess::ExitStatus) {
        qprocessFinished = true;
        poke();
    });
    qprocess.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("printf qt; exit 4")});
    auto trace = std::make_shared<ChildTrace>();
    auto made = shell(loop, QStringLiteral("printf qaio; exit 5"), trace);
    runUntil(loop, [&] { return qprocessFinished && trace->lost == 1; });
    QCOMPARE(qprocess.exitCode(), 4);
    QCOMPARE(qprocess.readAllStandardOutput(), QByteArray("qt"));
    QCOMPARE(made.transport->returnCode(), std::optional<int>(5));
    QCOMPARE(trace->out, QByteArray("qaio"));
}

void tst_Subprocess::argumentErrors()
{
    qaio::EventLoop &loop = guard->loop();
    auto factory = [] { return std::make_unique<ChildProtocol>(std::make_shared<ChildTrace>()); };
    QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.subprocessExec(factory, QString())),
             QStringLiteral("subprocessExec(): program must be a non-empty string"));
    QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.subprocessShell(factory, QString())),
             QStringLiteral("subprocessShell(): cmd must be a non-empty string"));
    QCOMPARE(expectThrow<qaio::ValueError>(
                 loop, loop.subprocessExec(factory, QStringLiteral("/bin/true"), {}, {.stdOut = Stdio::toStdout()})),
             QStringLiteral("stdOut: Stdio::toStdout() is only for stdErr"));
    QCOMPARE(expectThrow<qaio::ValueError>(
                 loop, loop.subprocessExec(factory, QStringLiteral("/bin/true"), {}, {.stdIn = Stdio::descriptor(-1)})),
             QStringLiteral("stdIn: invalid file descriptor -1"));
    qaio::ProtocolFactory wrongKind = [] { return std::make_unique<qaio::Protocol>(); };
    QVERIFY(expectThrow<qaio::ValueError>(loop, loop.subprocessExec(wrongKind, QStringLiteral("/bin/true")))
                .contains(QLatin1String("qaio::SubprocessProtocol")));
    QCOMPARE(childrenOfThisProcess(), QByteArray());
}

// Cancelled before connectionMade(): the child is killed and reaped, nothing leaks.
void tst_Subprocess::cancelledCreationKillsChild()
{
    qaio::EventLoop &loop = guard->loop();
    const int fdsBefore = LoopGuard::openFdCount();
    auto trace = std::make_shared<ChildTrace>();
    auto factory = [trace] { return std::make_unique<ChildProtocol>(trace); };
    auto task = loop.createTask(loop.subprocessExec(factory, QStringLiteral("sleep"), {QStringLiteral("100")}));
    loop.callSoon([&] { task.cancel(); });
    const QString outcome = expectThrow<qaio::CancelledError>(loop, task);
    QVERIFY2(outcome != QLatin1String("NO EXCEPTION") && !outcome.startsWith(QLatin1String("WRONG")), qPrintable(outcome));
    runUntil(loop, [&] { return trace->destroyed; });
    QCOMPARE(LoopGuard::openFdCount(), fdsBefore);
    QCOMPARE(childrenOfThisProcess(), QByteArray());
}

// EventLoop::close() with a child still running: it is killed and reaped, no callback runs.
void tst_Subprocess::loopCloseKillsChild()
{
    qaio::EventLoop &loop = guard->loop();
    auto trace = std::make_shared<ChildTrace>();
    {
        auto made = exec(loop, QStringLiteral("sleep"), {QStringLiteral("100")}, {}, trace);
    }
    QVERIFY(!trace->destroyed);
    loop.close();
    QVERIFY(trace->destroyed);
    QCOMPARE(trace->lost, 0);
    QCOMPARE(childrenOfThisProcess(), QByteArray());
}

QTEST_GUILESS_MAIN(tst_Subprocess)
#include "tst_subprocess.moc"
