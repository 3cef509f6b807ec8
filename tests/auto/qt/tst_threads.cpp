// Copyright (c) qaio authors. Licensed under the MIT license.
// Loops in QThreads, callSoonThreadsafe across threads, runInExecutor and executors.
#include "looptestcase.h"

#include <QtCore/QSemaphore>
#include <QtCore/QThread>
#include <QtTest/QtTest>

#include <atomic>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

qaio::Coro<int> answerAfterYield()
{
    co_await qaio::sleep(0);
    co_return 42;
}

// A loop made by the default policy for a QThread, driven by runForever()/runUntilComplete().
class LoopThread : public QThread
{
public:
    qaio::EventLoop *loop = nullptr;
    bool sameLoopTwice = false;
    QThread *callbackThread = nullptr;
    int taskResult = 0;

protected:
    void run() override
    {
        qaio::EventLoop &own = qaio::getEventLoop();
        loop = &own;
        sameLoopTwice = &qaio::getEventLoop() == &own;
        own.callSoon([this, &own] {
            callbackThread = QThread::currentThread();
            own.stop();
        });
        own.runForever();
        taskResult = own.runUntilComplete(answerAfterYield());
    }
};

// Runs every job on a thread of its own; counts what it was given.
class CountingExecutor final : public qaio::Executor
{
public:
    explicit CountingExecutor(std::atomic<int> *submitted) : m_submitted(submitted) {}
    ~CountingExecutor() override { shutdown(true); }
    void submit(std::function<void()> job) override
    {
        std::lock_guard lock(m_mutex);
        if (m_shutdown)
            throw qaio::RuntimeError("cannot schedule new jobs after shutdown");
        ++*m_submitted;
        m_threads.emplace_back(std::move(job));
    }
    void shutdown(bool wait) override
    {
        std::vector<std::thread> threads;
        {
            std::lock_guard lock(m_mutex);
            m_shutdown = true;
            if (wait)
                threads.swap(m_threads);
        }
        for (std::thread &t : threads)
            t.join();
    }

private:
    std::atomic<int> *m_submitted;
    std::mutex m_mutex;
    std::vector<std::thread> m_threads;
    bool m_shutdown = false;
};

qaio::Coro<QThread *> threadAfterExecutor(qaio::EventLoop *loop, QThread **jobThread)
{
    *jobThread = co_await loop->runInExecutor([] { return QThread::currentThread(); });
    co_return QThread::currentThread();
}

qaio::Coro<bool> shutDownThenReport(qaio::EventLoop *loop, const std::atomic<bool> *jobDone, bool *returned)
{
    co_await loop->shutdownDefaultExecutor();
    *returned = true;
    co_return jobDone->load();
}

} // namespace

class tst_Threads : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void loopPerQThreadFromRun()
    {
        LoopThread worker;
        worker.start();
        QVERIFY(worker.wait());
        QVERIFY(worker.loop != nullptr);
        QVERIFY(worker.loop != &guard->loop());
        QVERIFY(worker.sameLoopTwice);
        QCOMPARE(worker.callbackThread, &worker);
        QCOMPARE(worker.taskResult, 42);
        QCOMPARE(&qaio::getEventLoop(), &guard->loop()); // this thread's loop is untouched
    }

    void loopPerQThreadUnderPlainExec()
    {
        // The worker's own Qt loop (QThread::exec()) drives its qaio loop: no runForever().
        QThread worker;
        qaio::EventLoop *workerLoop = nullptr;
        QThread *callbackThread = nullptr;
        bool runningInCallback = false;
        connect(&worker, &QThread::started, &worker, [&] {
            qaio::EventLoop &own = qaio::getEventLoop();
            workerLoop = &own;
            own.callSoon([&] {
                callbackThread = QThread::currentThread();
                runningInCallback = workerLoop->isRunning();
                QThread::currentThread()->quit();
            });
        }, Qt::DirectConnection);
        worker.start();
        QVERIFY(worker.wait());
        QVERIFY(workerLoop != nullptr);
        QVERIFY(workerLoop != &guard->loop());
        QCOMPARE(callbackThread, &worker);
        QVERIFY(runningInCallback);
    }

    void callSoonThreadsafeFromWorkerQThread()
    {
        auto &loop = guard->loop();
        qaio::Future<QThread *> ranOn = loop.createFuture<QThread *>();
        QThread *caller = nullptr;
        std::unique_ptr<QThread> worker(QThread::create([&] {
            caller = QThread::currentThread();
            loop.callSoonThreadsafe([&ranOn] { ranOn.setResult(QThread::currentThread()); });
        }));
        worker->start();
        QVERIFY(worker->wait());
        QVERIFY(!ranOn.done());
        QCOMPARE(loop.runUntilComplete(ranOn), QThread::currentThread());
        QVERIFY(caller != nullptr && caller != QThread::currentThread());
    }

    void runInExecutorCompletesOnLoopThread()
    {
        auto &loop = guard->loop();
        qaio::Future<QThread *> job = loop.runInExecutor([] { return QThread::currentThread(); });
        QThread *completedOn = nullptr;
        job.addDoneCallback([&](const qaio::FutureBase &) { completedOn = QThread::currentThread(); });
        QThread *jobThread = loop.runUntilComplete(job);
        loop.runOnce(); // the done callback
        QVERIFY(jobThread != QThread::currentThread());
        QCOMPARE(completedOn, QThread::currentThread());

        QThread *awaitedJobThread = nullptr;
        QCOMPARE(loop.runUntilComplete(threadAfterExecutor(&loop, &awaitedJobThread)), QThread::currentThread());
        QVERIFY(awaitedJobThread != nullptr && awaitedJobThread != QThread::currentThread());
        loop.runUntilComplete(loop.shutdownDefaultExecutor());
    }

    void runInExecutorPropagatesExceptions()
    {
        auto &loop = guard->loop();
        qaio::Future<int> job = loop.runInExecutor([]() -> int { throw std::out_of_range("no such row"); });
        try {
            loop.runUntilComplete(job);
            QFAIL("expected std::out_of_range");
        } catch (const std::out_of_range &error) {
            QCOMPARE(QByteArray(error.what()), QByteArray("no such row"));
        }
        loop.runUntilComplete(loop.shutdownDefaultExecutor());
    }

    void customDefaultExecutorIsUsed()
    {
        auto &loop = guard->loop();
        std::atomic<int> submittedToDefault{0};
        std::atomic<int> submittedToExplicit{0};
        loop.setDefaultExecutor(std::make_unique<CountingExecutor>(&submittedToDefault));
        QCOMPARE(loop.runUntilComplete(loop.runInExecutor([] { return 6 * 7; })), 42);
        QCOMPARE(submittedToDefault.load(), 1);

        CountingExecutor explicitExecutor(&submittedToExplicit);
        QCOMPARE(loop.runUntilComplete(loop.runInExecutor(&explicitExecutor, [] { return QStringLiteral("x"); })),
                 QStringLiteral("x"));
        QCOMPARE(submittedToExplicit.load(), 1);
        QCOMPARE(submittedToDefault.load(), 1);
        loop.runUntilComplete(loop.shutdownDefaultExecutor());
    }

    void shutdownDefaultExecutorWaitsWithoutBlockingTheLoop()
    {
        auto &loop = guard->loop();
        QSemaphore started;
        QSemaphore gate;
        std::atomic<bool> jobDone{false};
        qaio::Future<int> job = loop.runInExecutor([&] {
            started.release();
            gate.acquire();
            jobDone = true;
            return 7;
        });
        started.acquire(); // the job is running and held

        bool shutdownReturned = false;
        int ticks = 0;
        int ticksBeforeRelease = 0;
        constexpr int kLimit = 10'000'000;
        std::function<void()> tick = [&] {
            ++ticks;
            if (ticks == 5) {
                ticksBeforeRelease = ticks; // the loop kept running while shutdown waited
                gate.release();
            }
            if (!shutdownReturned && ticks < kLimit)
                loop.callSoon(tick);
        };
        loop.callSoon(tick);
        QVERIFY(loop.runUntilComplete(shutDownThenReport(&loop, &jobDone, &shutdownReturned)));
        QVERIFY(ticks < kLimit);
        QCOMPARE(ticksBeforeRelease, 5);
        QCOMPARE(loop.runUntilComplete(job), 7);
        while (loop.scheduledCallbackCount())
            loop.runOnce();

        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.runInExecutor([] { return 1; }));
        try {
            loop.runInExecutor([] { return 1; });
        } catch (const qaio::RuntimeError &error) {
            QCOMPARE(error.message(), QStringLiteral("Executor shutdown has been called"));
        }
    }
};

QTEST_GUILESS_MAIN(tst_Threads)
#include "tst_threads.moc"
