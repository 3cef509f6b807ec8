// Copyright (c) qaio authors. Licensed under the MIT license.
// The high-level subprocess layer: createSubprocessExec() / createSubprocessShell() and
// Process (ported from CPython's test_asyncio test_subprocess SubprocessMixin cases):
// communicate() with and without input, a child that closed its stdin (communicate()
// tolerates it, a plain drain() reports it), reading lines then waiting, wait() not
// waiting for pipes a grandchild holds, kill/terminate return codes and
// ProcessLookupError, a cancelled wait leaving the child running, the environment.
// Scenarios are coroutines that record what happened; the test functions check it.
#include "looptestcase.h"
#include "../net/nettransport_helpers.h"

#include <QtTest/QtTest>

#include <csignal>

using namespace nettest;

namespace {

using ProcessPtr = std::shared_ptr<qaio::Process>;

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> communicateScenario(QByteArray input)
{
    auto starting = qaio::createSubprocessExec(QStringLiteral("cat"));
    ProcessPtr cat = co_await std::move(starting);
    auto [out, err] = co_await cat->communicate(input);
    co_return QByteArrayList{out.size() == input.size() && out == input ? "same" : "different", err,
                             QByteArray::number(*cat->returnCode())};
}

// asyncio's test_communicate_ignore_broken_pipe: the child exits without reading.
QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> closedStdinScenario()
{
    auto starting = qaio::createSubprocessShell(QStringLiteral("exec 0<&-; printf done"));
    ProcessPtr child = co_await std::move(starting);
    auto [out, err] = co_await child->communicate(QByteArray(4 << 20, 'x'));
    co_return QByteArrayList{out, err, QByteArray::number(*child->returnCode())};
}

// Writing to a child whose stdin is closed: drain() reports it (BrokenPipeError, or the
// lost connection if the loop saw the reader go first), and the process is still fine.
QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> brokenStdinScenario()
{
    auto starting = qaio::createSubprocessShell(QStringLiteral("exec 0<&-; echo closed; exec sleep 100"));
    ProcessPtr child = co_await std::move(starting);
    QByteArrayList out;
    out << co_await child->stdOut()->readline();
    QByteArray error = "none";
    try {
        for (int i = 0; i < 64; ++i) {
            child->stdIn()->write(QByteArray(64 * 1024, 'y'));
            co_await child->stdIn()->drain();
        }
    } catch (const qaio::BrokenPipeError &) {
        error = "BrokenPipeError";
    } catch (const qaio::ConnectionResetError &) {
        error = "ConnectionResetError";
    }
    out << error;
    child->kill();
    out << QByteArray::number(co_await child->wait());
    co_return out;
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> linesThenWaitScenario()
{
    auto starting = qaio::createSubprocessShell(QStringLiteral("printf 'first\\nsecond\\n'; printf oops >&2; exit 7"));
    ProcessPtr child = co_await std::move(starting);
    QByteArrayList out;
    for (;;) {
        const QByteArray line = co_await child->stdOut()->readline();
        if (line.isEmpty())
            break;
        out << line;
    }
    out << co_await child->stdErr()->read();
    out << QByteArray::number(co_await child->wait());
    out << QByteArray::number(*child->returnCode());
    co_return out;
}

// asyncio's wait() returns when the child exits, even while a grandchild holds its pipes.
QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> daemonScenario()
{
    auto starting = qaio::createSubprocessShell(QStringLiteral("sleep 100 & echo $!"), {.stdIn = qaio::Stdio::devNull()});
    ProcessPtr child = co_await std::move(starting);
    const QByteArray grandchild = (co_await child->stdOut()->readline()).trimmed();
    const int code = co_await child->wait();
    ::kill(pid_t(grandchild.toLongLong()), SIGKILL);
    const QByteArray rest = co_await child->stdOut()->read(); // EOF once the grandchild is gone
    co_return QByteArrayList{QByteArray::number(code), rest.isEmpty() ? "eof" : rest};
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> signalsScenario()
{
    QByteArrayList out;
    for (int which = 0; which < 3; ++which) {
        auto starting = qaio::createSubprocessExec(QStringLiteral("sleep"), {QStringLiteral("100")});
        ProcessPtr child = co_await std::move(starting);
        if (which == 0)
            child->kill();
        else if (which == 1)
            child->terminate();
        else
            child->sendSignal(SIGINT);
        out << QByteArray::number(co_await child->wait());
        try {
            child->kill();
            out << "no error";
        } catch (const qaio::ProcessLookupError &) {
            out << "ProcessLookupError";
        }
    }
    co_return out;
}

// Cancelling wait() leaves the child running (asyncio: the waiter is cancelled, not the
// process).
QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> cancelledWaitScenario()
{
    qaio::EventLoop &loop = qaio::getRunningLoop();
    auto starting = qaio::createSubprocessExec(QStringLiteral("sleep"), {QStringLiteral("100")});
    ProcessPtr child = co_await std::move(starting);
    qaio::Task<int> waiting = loop.createTask(child->wait());
    co_await qaio::sleep(0);
    waiting.cancel();
    QByteArrayList out;
    try {
        co_await waiting;
        out << "not cancelled";
    } catch (const qaio::CancelledError &) {
        out << "cancelled";
    }
    out << (child->returnCode() ? "exited" : "running");
    child->kill();
    out << QByteArray::number(co_await child->wait());
    co_return out;
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArray> environmentScenario()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QAIO_PROCESS_TEST"), QStringLiteral("set by the parent"));
    auto starting = qaio::createSubprocessShell(QStringLiteral("printf %s \"$QAIO_PROCESS_TEST\""), {.env = env});
    ProcessPtr child = co_await std::move(starting);
    auto [out, err] = co_await child->communicate();
    co_return out;
}

} // namespace

class tst_Process : public LoopTestCase
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
    void communicateWithInput()
    {
        const QByteArrayList out = guard->loop().runUntilComplete(communicateScenario(patternBytes(1 << 20)));
        QCOMPARE(out, (QByteArrayList{"same", "", "0"}));
    }
    void communicateWithoutInput()
    {
        const QByteArrayList out = guard->loop().runUntilComplete(communicateScenario(QByteArray()));
        QCOMPARE(out, (QByteArrayList{"same", "", "0"}));
    }
    void communicateToleratesClosedStdin()
    {
        const QByteArrayList out = guard->loop().runUntilComplete(closedStdinScenario());
        QCOMPARE(out, (QByteArrayList{"done", "", "0"}));
    }
    void drainReportsClosedStdin()
    {
        const QByteArrayList out = guard->loop().runUntilComplete(brokenStdinScenario());
        QCOMPARE(out.size(), 3);
        QCOMPARE(out[0], QByteArray("closed\n"));
        QVERIFY2(out[1] == "BrokenPipeError" || out[1] == "ConnectionResetError", out[1].constData());
        QCOMPARE(out[2], QByteArray::number(-SIGKILL));
    }
    void readLinesThenWait()
    {
        const QByteArrayList out = guard->loop().runUntilComplete(linesThenWaitScenario());
        QCOMPARE(out, (QByteArrayList{"first\n", "second\n", "oops", "7", "7"}));
    }
    void waitDoesNotWaitForPipes()
    {
        const QByteArrayList out = guard->loop().runUntilComplete(daemonScenario());
        QCOMPARE(out, (QByteArrayList{"0", "eof"}));
    }
    void signalsAndProcessLookupError()
    {
        const QByteArrayList out = guard->loop().runUntilComplete(signalsScenario());
        QCOMPARE(out, (QByteArrayList{QByteArray::number(-SIGKILL), "ProcessLookupError", QByteArray::number(-SIGTERM),
                                      "ProcessLookupError", QByteArray::number(-SIGINT), "ProcessLookupError"}));
    }
    void cancelledWaitLeavesChildRunning()
    {
        const QByteArrayList out = guard->loop().runUntilComplete(cancelledWaitScenario());
        QCOMPARE(out, (QByteArrayList{"cancelled", "running", QByteArray::number(-SIGKILL)}));
    }
    void environment()
    {
        QCOMPARE(guard->loop().runUntilComplete(environmentScenario()), QByteArray("set by the parent"));
    }
    void badLimit()
    {
        qaio::EventLoop &loop = guard->loop();
        QCOMPARE(expectThrow<qaio::ValueError>(loop, qaio::createSubprocessExec(QStringLiteral("/bin/true"), {}, {},
                                                                                 {.limit = 0})),
                 QStringLiteral("limit: must be > 0, got 0"));
    }
};

QTEST_GUILESS_MAIN(tst_Process)
#include "tst_process.moc"
