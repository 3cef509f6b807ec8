// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio::run(), Runner and toThread() against asyncio.run(), asyncio.Runner and
// asyncio.to_thread() (CPython test_runners.py, test_threads.py): the result, the
// clean-up (no task, no generator, no executor thread left), misuse refused.
#include "exceptionchecks.h"
#include "looptestcase.h"
#include "signalpipe.h"

#include <qaio/qaio.h>

#include <QtCore/QThread>
#include <QtTest/QtTest>

#include <atomic>
#include <csignal>
#include <memory>
#include <stdexcept>

#include <unistd.h>

namespace {

/*! Records how the runner shut it down: shutdown(wait) with wait true joins the threads. */
class RecordingExecutor : public qaio::Executor
{
public:
    explicit RecordingExecutor(std::shared_ptr<std::atomic<int>> joined) : m_joined(std::move(joined)) {}
    void submit(std::function<void()> job) override { m_threads.emplace_back(std::move(job)); }
    void shutdown(bool wait) override
    {
        for (std::thread &t : m_threads) {
            if (wait && t.joinable())
                t.join();
        }
        if (wait)
            m_joined->store(1);
    }
    ~RecordingExecutor() override
    {
        for (std::thread &t : m_threads) {
            if (t.joinable())
                t.join();
        }
    }

private:
    std::shared_ptr<std::atomic<int>> m_joined;
    std::vector<std::thread> m_threads;
};

qaio::Coro<void> sleepForever(bool &sawCancel)
{
    try {
        co_await qaio::sleep(3600);
    } catch (const qaio::CancelledError &) {
        sawCancel = true;
        throw;
    }
}

qaio::AsyncGenerator<int> numbers(bool &closed)
{
    try {
        co_yield 1;
        co_yield 2;
    } catch (const qaio::GeneratorExit &) {
        closed = true;
        throw;
    }
}

struct Leftovers
{
    bool taskSawCancel = false;
    bool generatorClosed = false;
    std::shared_ptr<std::atomic<int>> executorJoined = std::make_shared<std::atomic<int>>(0);
    std::unique_ptr<qaio::AsyncGenerator<int>> generator;
};

/*! Leaves a task, a started generator and a used executor behind, returns 7. */
qaio::Coro<int> leaveThingsBehind(Leftovers &left)
{
    qaio::EventLoop &loop = qaio::getRunningLoop();
    loop.setDefaultExecutor(std::make_unique<RecordingExecutor>(left.executorJoined));
    auto three = [] { return 3; };
    qaio::Coro<int> onThread = qaio::toThread(three);
    const int fromThread = co_await std::move(onThread);
    qaio::createTask(sleepForever(left.taskSawCancel));
    left.generator = std::make_unique<qaio::AsyncGenerator<int>>(numbers(left.generatorClosed));
    std::optional<int> first = co_await left.generator->next();
    co_return fromThread + first.value_or(0) + 3;
}

qaio::Coro<int> failing()
{
    co_await qaio::sleep(0);
    throw std::runtime_error("main failed");
}

qaio::Coro<qaio::EventLoop *> whichLoop()
{
    co_return &qaio::getRunningLoop();
}

/*! Presses Ctrl+C on itself, then waits an hour: cancelled by the Ctrl+C. */
qaio::Coro<int> interruptedMain()
{
    ::kill(::getpid(), SIGINT);
    co_await qaio::sleep(std::chrono::hours(1));
    co_return 1;
}

/*! Presses Ctrl+C, takes the cancellation and returns 5 (asyncio: no KeyboardInterrupt). */
qaio::Coro<int> interruptSwallowingMain()
{
    ::kill(::getpid(), SIGINT);
    bool cancelled = false;
    try {
        co_await qaio::sleep(std::chrono::hours(1));
    } catch (const qaio::CancelledError &) {
        cancelled = true;
    }
    co_return cancelled ? 5 : 0;
}

/*! Presses Ctrl+C while the application ignores SIGINT, then returns 2. */
qaio::Coro<int> interruptIgnoredMain()
{
    ::kill(::getpid(), SIGINT);
    for (int i = 0; i < 3; ++i)
        co_await qaio::sleep(0);
    co_return 2;
}

/*! Qt Test installs a SIGINT handler of its own (for its crash report); a test that
    needs SIGINT's default disposition sets it for its duration. */
struct DefaultSigint
{
    struct sigaction saved{};
    DefaultSigint()
    {
        struct sigaction byDefault{};
        byDefault.sa_handler = SIG_DFL;
        sigemptyset(&byDefault.sa_mask);
        ::sigaction(SIGINT, &byDefault, &saved);
    }
    ~DefaultSigint() { ::sigaction(SIGINT, &saved, nullptr); }
};

bool sigintHas(void (*handler)(int))
{
    struct sigaction now{};
    ::sigaction(SIGINT, nullptr, &now);
    return !(now.sa_flags & SA_SIGINFO) && now.sa_handler == handler;
}

} // namespace

class tst_Runner : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qaiotest::createSignalPipe(); }

    void ctrlCCancelsTheMainTaskAndRunThrowsKeyboardInterrupt()
    {
        DefaultSigint byDefault;
        bool interrupted = false;
        try {
            qaio::run(interruptedMain());
        } catch (const qaio::KeyboardInterrupt &) {
            interrupted = true;
        }
        QVERIFY(interrupted);
        QVERIFY(sigintHas(SIG_DFL)); // put back
    }

    void aMainTaskTakingTheCancellationReturnsItsResult()
    {
        DefaultSigint byDefault;
        QCOMPARE(qaio::run(interruptSwallowingMain()), 5);
        QVERIFY(sigintHas(SIG_DFL));
    }

    void anApplicationsSigintDispositionIsLeftAlone()
    {
        struct sigaction ignore{};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        struct sigaction saved{};
        QCOMPARE(::sigaction(SIGINT, &ignore, &saved), 0);
        const int result = qaio::run(interruptIgnoredMain());
        const bool stillIgnored = sigintHas(SIG_IGN);
        QCOMPARE(::sigaction(SIGINT, &saved, nullptr), 0);
        QCOMPARE(result, 2);
        QVERIFY(stillIgnored);
    }

    void runReturnsTheResultAndLeavesNothingBehind()
    {
        Leftovers left;
        QCOMPARE(qaio::run(leaveThingsBehind(left)), 7);
        QVERIFY(left.taskSawCancel);   // the task left was cancelled and awaited
        QVERIFY(left.generatorClosed); // the generator left was closed
        QCOMPARE(left.executorJoined->load(), 1); // the executor's threads were joined
        QVERIFY(qaio::runningLoopOrNull() == nullptr);
        left.generator.reset();
    }

    void exceptionsLeaveRunAfterTheCleanUp()
    {
        QCOMPARE(qaiotest::messageOf<std::runtime_error>([] { qaio::run(failing()); }), QStringLiteral("main failed"));
    }

    void runnerKeepsOneLoopForSeveralRuns()
    {
        qaio::Runner runner;
        qaio::EventLoop *first = runner.run(whichLoop());
        qaio::EventLoop *second = runner.run(whichLoop());
        QCOMPARE(first, second);
        QCOMPARE(&runner.loop(), first);
        runner.close();
        runner.close(); // twice is fine
        QCOMPARE(qaiotest::messageOf<qaio::RuntimeError>([&] { runner.run(whichLoop()); }), QStringLiteral("Runner is closed"));
    }

    void aTaskFailingDuringTheCleanUpIsReported()
    {
        qaio::Runner runner;
        QStringList reported;
        runner.loop().setExceptionHandler([&](qaio::EventLoop &, const qaio::ExceptionContext &context) {
            reported << context.message + QStringLiteral(": ") + qaio::describeException(context.exception);
        });
        auto stubborn = []() -> qaio::Coro<void> {
            try {
                co_await qaio::sleep(3600);
            } catch (const qaio::CancelledError &) {
            }
            throw std::runtime_error("cleanup failed");
        };
        auto main = [&]() -> qaio::Coro<void> {
            qaio::createTask(stubborn());
            co_await qaio::sleep(0);
        };
        runner.run(main());
        runner.close();
        QCOMPARE(reported, QStringList({QStringLiteral(
                               "unhandled exception during qaio::run() shutdown: std::runtime_error: cleanup failed")}));
    }

    void refusedInsideARunningLoop()
    {
        auto &loop = guard->loop();
        QString fromRun, fromRunner;
        auto nested = [&]() -> qaio::Coro<void> {
            fromRun = qaiotest::messageOf<qaio::RuntimeError>([] { qaio::run(whichLoop()); });
            qaio::Runner runner;
            fromRunner = qaiotest::messageOf<qaio::RuntimeError>([&] { runner.run(whichLoop()); });
            co_return;
        };
        loop.runUntilComplete(nested());
        QCOMPARE(fromRun, QStringLiteral("qaio::run() cannot be called from a running event loop"));
        QCOMPARE(fromRunner, QStringLiteral("Runner::run() cannot be called from a running event loop"));
    }

    void toThreadRunsOnAnotherThread()
    {
        auto &loop = guard->loop();
        QThread *ranOn = nullptr;
        auto where = [&ranOn](int a, QString b) {
            ranOn = QThread::currentThread();
            return b + QString::number(a);
        };
        auto work = [&]() -> qaio::Coro<QString> {
            qaio::Coro<QString> onThread = qaio::toThread(where, 5, QStringLiteral("n="));
            co_return co_await std::move(onThread);
        };
        QCOMPARE(loop.runUntilComplete(work()), QStringLiteral("n=5"));
        QVERIFY(ranOn && ranOn != QThread::currentThread());

        auto throws = [] { throw std::runtime_error("worker failed"); };
        auto failingWork = [&]() -> qaio::Coro<void> {
            qaio::Coro<void> onThread = qaio::toThread(throws);
            co_await std::move(onThread);
        };
        QCOMPARE(qaiotest::messageOf<std::runtime_error>([&] { loop.runUntilComplete(failingWork()); }),
                 QStringLiteral("worker failed"));
    }
};

QTEST_GUILESS_MAIN(tst_Runner)
#include "tst_runner.moc"
