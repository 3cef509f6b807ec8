// Copyright (c) qaio authors. Licensed under the MIT license.
// The SIGCHLD child watcher, the fallback where pidfds are missing (macOS, the BSDs, a
// seccomp filter that forbids pidfd_open()), forced here with QAIO_CHILD_WATCHER=sigchld:
// it chains to the SIGCHLD handler installed before it, never reaps a child it did not
// start (so QProcess keeps its own), keeps working when a loop adds and removes its own
// SIGCHLD handler, and reports each of many children that exit together although their
// signals coalesce. The whole subprocess suites also run with it (CTest's @sigchld runs).
#include "looptestcase.h"
#include "../net/nettransport_helpers.h" // runUntil(), poke()
#include "signalpipe.h"                  // createSignalPipe()

#include <QtTest/QtTest>

#include <atomic>
#include <csignal>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace nettest;

namespace {

std::atomic<int> g_previousHandlerCalls{0};

void countingHandler(int)
{
    g_previousHandlerCalls.fetch_add(1);
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<int> exitCodeOf(QString command)
{
    auto starting = qaio::createSubprocessShell(command, {.stdIn = qaio::Stdio::devNull(),
                                                          .stdOut = qaio::Stdio::devNull(),
                                                          .stdErr = qaio::Stdio::devNull()});
    std::shared_ptr<qaio::Process> child = co_await std::move(starting);
    co_return co_await child->wait();
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QList<int>> manyAtOnce(int count)
{
    qaio::EventLoop &loop = qaio::getRunningLoop();
    std::vector<qaio::Task<int>> children;
    for (int i = 0; i < count; ++i)
        children.push_back(loop.createTask(exitCodeOf(QStringLiteral("exit %1").arg(i % 100))));
    QList<int> codes;
    for (qaio::Task<int> &child : children)
        codes << co_await child;
    co_return codes;
}

// A child of this program that qaio did not start, left unreaped once it has exited.
pid_t exitedStranger(int code)
{
    const QByteArray script = "exit " + QByteArray::number(code);
    char sh[] = "sh";
    char dashC[] = "-c";
    char *argv[] = {sh, dashC, const_cast<char *>(script.constData()), nullptr};
    pid_t pid = -1;
    if (::posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, environ) != 0)
        return -1;
    siginfo_t info{};
    // Waits for the exit without reaping (WNOWAIT): the zombie stays for whoever reaps it.
    while (::waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
    }
    return pid;
}

} // namespace

class tst_ChildWatch : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // Before the first child: the watcher is chosen once, and it chains to this.
        qputenv("QAIO_CHILD_WATCHER", "sigchld");
        struct sigaction counting{};
        counting.sa_handler = countingHandler;
        counting.sa_flags = SA_RESTART;
        sigemptyset(&counting.sa_mask);
        QCOMPARE(::sigaction(SIGCHLD, &counting, nullptr), 0);
        qaiotest::createSignalPipe(); // lives as long as the process: not a leak of one test
    }

    void chainsToTheHandlerInstalledBefore()
    {
        const int before = g_previousHandlerCalls.load();
        QCOMPARE(guard->loop().runUntilComplete(exitCodeOf(QStringLiteral("exit 3"))), 3);
        // The chained handler runs before the watcher wakes the loop.
        QVERIFY(g_previousHandlerCalls.load() > before);
        struct sigaction now{};
        QCOMPARE(::sigaction(SIGCHLD, nullptr, &now), 0);
        QVERIFY2(now.sa_handler != countingHandler, "the watcher is not installed");
    }

    void neverReapsAChildItDidNotStart()
    {
        qaio::EventLoop &loop = guard->loop();
        QCOMPARE(loop.runUntilComplete(exitCodeOf(QStringLiteral("exit 1"))), 1); // the watcher is installed
        const pid_t stranger = exitedStranger(7);
        QVERIFY(stranger > 0);
        // Its SIGCHLD came while the watcher was installed, and so does this child's.
        QCOMPARE(loop.runUntilComplete(exitCodeOf(QStringLiteral("exit 2"))), 2);
        int status = 0;
        QCOMPARE(::waitpid(stranger, &status, WNOHANG), stranger); // still ours to reap
        QVERIFY(WIFEXITED(status));
        QCOMPARE(WEXITSTATUS(status), 7);
    }

    void aLoopHandlerForSigchldComesAndGoes()
    {
        qaio::EventLoop &loop = guard->loop();
        bool loopHandlerCalled = false;
        loop.addSignalHandler(SIGCHLD, [&] {
            loopHandlerCalled = true;
            poke();
        });
        QCOMPARE(loop.runUntilComplete(exitCodeOf(QStringLiteral("exit 5"))), 5);
        runUntil(loop, [&] { return loopHandlerCalled; });
        QVERIFY(loop.removeSignalHandler(SIGCHLD));
        // Removing the loop's handler leaves the watcher, and what it chains to, in place.
        const int before = g_previousHandlerCalls.load();
        QCOMPARE(loop.runUntilComplete(exitCodeOf(QStringLiteral("exit 6"))), 6);
        QVERIFY(g_previousHandlerCalls.load() > before);
    }

    void manyChildrenExitingTogether()
    {
        const QList<int> codes = guard->loop().runUntilComplete(manyAtOnce(200));
        QCOMPARE(codes.size(), 200);
        for (int i = 0; i < codes.size(); ++i)
            QCOMPARE(codes[i], i % 100);
    }
};

QTEST_GUILESS_MAIN(tst_ChildWatch)
#include "tst_childwatch.moc"
