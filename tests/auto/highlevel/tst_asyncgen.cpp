// Copyright (c) qaio authors. Licensed under the MIT license.
// AsyncGenerator<T>: iteration, aclose(), GeneratorExit, shutdownAsyncgens() (asyncio's
// test_asyncgen cases that apply to C++).
#include "looptestcase.h"

#include <QtTest/QtTest>

#include <functional>
#include <memory>
#include <stdexcept>

using namespace std::chrono_literals;

namespace {

// Records its destruction: proves the body's locals were destroyed (unwinding or frame destruction).
struct Sentinel
{
    QStringList *log;
    const char *what;
    ~Sentinel() { *log << QString::fromLatin1(what); }
};

qaio::Coro<int> doubled(int v)
{
    co_await qaio::sleep(0);
    co_return v * 2;
}

qaio::AsyncGenerator<int> counter(int count, QStringList *log)
{
    Sentinel sentinel{log, "locals destroyed"};
    for (int i = 0; i < count; ++i) {
        co_await qaio::sleep(0);
        const int value = co_await doubled(i); // an inline Coro inside a generator
        co_yield value / 2;
    }
    *log << QStringLiteral("body returned");
}

// Catches GeneratorExit, then awaits during its cleanup (outside the catch block).
qaio::AsyncGenerator<QString> withCleanup(QStringList *log)
{
    bool closing = false;
    try {
        co_yield QStringLiteral("a");
        co_yield QStringLiteral("b");
        co_yield QStringLiteral("c");
    } catch (const qaio::GeneratorExit &) {
        closing = true;
        *log << QStringLiteral("GeneratorExit");
    }
    if (closing) {
        co_await qaio::sleep(0.5);
        *log << QStringLiteral("cleanup awaited");
    }
}

qaio::AsyncGenerator<int> stubborn(QStringList *log)
{
    Sentinel sentinel{log, "locals destroyed"};
    try {
        co_yield 1;
    } catch (const qaio::GeneratorExit &) {
        *log << QStringLiteral("ignoring GeneratorExit");
    }
    co_yield 2;
    *log << QStringLiteral("never");
}

qaio::AsyncGenerator<int> failsAfterOne()
{
    co_yield 1;
    co_await qaio::sleep(0);
    throw qaio::ValueError("bad input at item 2");
}

qaio::AsyncGenerator<int> cleanupFails()
{
    try {
        co_yield 1;
    } catch (const qaio::GeneratorExit &) {
    }
    co_await qaio::sleep(0);
    throw std::runtime_error("cleanup failed");
}

qaio::AsyncGenerator<int> slowItems(QStringList *log)
{
    Sentinel sentinel{log, "locals destroyed"};
    for (int i = 0;; ++i) {
        co_await qaio::sleep(10s);
        co_yield i;
    }
}

// Yields move-only values, each made when a Qt signal arrives.
class Ticker : public QObject
{
    Q_OBJECT
public:
    bool listened() const { return isSignalConnected(QMetaMethod::fromSignal(&Ticker::tick)); }
Q_SIGNALS:
    void tick(int value);
};

qaio::AsyncGenerator<std::unique_ptr<int>> fromSignals(Ticker *ticker, int count)
{
    for (int i = 0; i < count; ++i) {
        qaio::Future<int> next = qaio::signal(ticker, &Ticker::tick);
        const int value = co_await next;
        co_yield std::make_unique<int>(value);
    }
}

qaio::Coro<int> sumOwned(qaio::AsyncGenerator<std::unique_ptr<int>> gen)
{
    int sum = 0;
    for (;;) {
        std::optional<std::unique_ptr<int>> item = co_await gen.next();
        if (!item)
            break;
        sum += **item;
    }
    co_return sum;
}

qaio::Coro<QList<int>> collect(qaio::AsyncGenerator<int> gen)
{
    QList<int> items;
    for (;;) {
        std::optional<int> item = co_await gen.next();
        if (!item)
            break;
        items << *item;
    }
    // Finished: further calls keep giving nothing.
    std::optional<int> after = co_await gen.next();
    if (after || !gen.isFinished())
        throw std::logic_error("generator not finished after its end");
    co_return items;
}

qaio::Coro<QStringList> takeTwoThenClose(qaio::AsyncGenerator<QString> gen, QStringList *log)
{
    QStringList items;
    for (int n = 0; n < 2; ++n) {
        std::optional<QString> item = co_await gen.next();
        items << item.value();
    }
    co_await gen.aclose();
    *log << QStringLiteral("aclose returned");
    std::optional<QString> after = co_await gen.next();
    if (after)
        items << *after;
    co_return items;
}

qaio::Coro<QString> closeStubborn(qaio::AsyncGenerator<int> gen)
{
    std::optional<int> first = co_await gen.next();
    if (first != 1)
        co_return QStringLiteral("unexpected first item");
    try {
        co_await gen.aclose();
    } catch (const qaio::RuntimeError &error) {
        co_return error.message() + (gen.isFinished() ? QStringLiteral(" (finished)") : QString());
    }
    co_return QStringLiteral("no error");
}

qaio::Coro<QStringList> nextUntilError(qaio::AsyncGenerator<int> gen)
{
    QStringList seen;
    for (int n = 0; n < 3; ++n) {
        try {
            std::optional<int> item = co_await gen.next();
            seen << (item ? QString::number(*item) : QStringLiteral("end"));
        } catch (const qaio::ValueError &error) {
            seen << QStringLiteral("ValueError: %1").arg(QString::fromUtf8(error.what()));
        }
    }
    co_return seen;
}

qaio::Coro<void> firstItem(qaio::AsyncGenerator<QString> *gen, QString *out)
{
    std::optional<QString> item = co_await gen->next();
    *out = item.value_or(QString());
}

qaio::Coro<void> firstInt(qaio::AsyncGenerator<int> *gen, int *out)
{
    std::optional<int> item = co_await gen->next();
    *out = item.value_or(-1);
}

qaio::Coro<QString> nextWhileRunning(qaio::AsyncGenerator<int> *gen)
{
    try {
        co_await gen->next();
    } catch (const qaio::RuntimeError &error) {
        co_return error.message();
    }
    co_return QString();
}

qaio::Coro<QString> acloseWhileRunning(qaio::AsyncGenerator<int> *gen)
{
    try {
        co_await gen->aclose();
    } catch (const qaio::RuntimeError &error) {
        co_return error.message();
    }
    co_return QString();
}

// The documentation's example (asyncgenerator.h), verbatim apart from the logging.
qaio::AsyncGenerator<int> ticks(int count, QStringList *log)
{
    bool closing = false;
    try {
        for (int i = 0; i < count; ++i) {
            co_await qaio::sleep(std::chrono::milliseconds(10));
            co_yield i;
        }
    } catch (const qaio::GeneratorExit &) {
        closing = true; // aclose() was called at a co_yield
    }
    co_await qaio::sleep(0); // cleanup may await (not inside the catch block)
    if (closing)
        *log << QStringLiteral("closed early");
}

qaio::Coro<int> sumFirstThree(QStringList *log)
{
    qaio::AsyncGenerator<int> gen = ticks(100, log);
    int sum = 0;
    for (int n = 0; n < 3; ++n) {
        std::optional<int> item = co_await gen.next();
        if (!item)
            break;
        sum += *item;
    }
    co_await gen.aclose(); // runs the cleanup above now
    co_return sum;
}

} // namespace

class tst_AsyncGen : public LoopTestCase
{
    Q_OBJECT
public:
    tst_AsyncGen() : LoopTestCase(Clock::Virtual) {} // virtual clock: the sleeps below take no real time

private Q_SLOTS:
    void iterateToTheEnd()
    {
        auto &loop = guard->loop();
        QStringList log;
        QCOMPARE(loop.runUntilComplete(collect(counter(4, &log))), QList<int>({0, 1, 2, 3}));
        QCOMPARE(log, QStringList({"body returned", "locals destroyed"}));
    }

    void earlyAcloseRunsCleanupThatAwaits()
    {
        auto &loop = guard->loop();
        QStringList log;
        const qaio::TimePoint start = loop.time();
        QCOMPARE(loop.runUntilComplete(takeTwoThenClose(withCleanup(&log), &log)), QStringList({"a", "b"}));
        QCOMPARE(log, QStringList({"GeneratorExit", "cleanup awaited", "aclose returned"}));
        QCOMPARE(loop.time() - start, qaio::secondsToDuration(0.5)); // the cleanup's sleep was awaited
    }

    void documentationExample()
    {
        auto &loop = guard->loop();
        QStringList log;
        QCOMPARE(loop.runUntilComplete(sumFirstThree(&log)), 0 + 1 + 2);
        QCOMPARE(log, QStringList({"closed early"}));
    }

    void ignoredGeneratorExitIsARuntimeError()
    {
        auto &loop = guard->loop();
        QStringList log;
        QCOMPARE(loop.runUntilComplete(closeStubborn(stubborn(&log))),
                 QStringLiteral("async generator ignored GeneratorExit (finished)"));
        QCOMPARE(log, QStringList({"ignoring GeneratorExit", "locals destroyed"}));
    }

    void exceptionsPropagateToNext()
    {
        auto &loop = guard->loop();
        QCOMPARE(loop.runUntilComplete(nextUntilError(failsAfterOne())),
                 QStringList({"1", "ValueError: bad input at item 2", "end"}));
    }

    void acloseOfUnstartedGeneratorDoesNotRunTheBody()
    {
        auto &loop = guard->loop();
        QStringList log;
        qaio::AsyncGenerator<int> gen = counter(3, &log);
        loop.runUntilComplete(gen.aclose());
        QVERIFY(gen.isFinished());
        QVERIFY(log.isEmpty()); // not even the Sentinel was constructed
        QCOMPARE(loop.runUntilComplete(collect(std::move(gen))), QList<int>());
    }

    void destroyedWhileSuspendedDestroysTheFrame()
    {
        auto &loop = guard->loop();
        QStringList log;
        QString first;
        {
            qaio::AsyncGenerator<QString> gen = withCleanup(&log);
            loop.runUntilComplete(firstItem(&gen, &first));
            QVERIFY(!gen.isFinished());
        }
        QCOMPARE(first, QStringLiteral("a"));
        QVERIFY(log.isEmpty()); // no GeneratorExit: the frame is just destroyed
        QStringList log2;
        {
            qaio::AsyncGenerator<int> gen = counter(5, &log2);
            int value = -1;
            loop.runUntilComplete(firstInt(&gen, &value));
            QCOMPARE(value, 0);
        }
        QCOMPARE(log2, QStringList({"locals destroyed"}));
        // Destroyed generators are no longer registered: nothing left to close.
        loop.runUntilComplete(loop.shutdownAsyncgens());
        QVERIFY(guard->handlerCalls().empty());
    }

    void shutdownAsyncgensClosesAbandonedGenerators()
    {
        auto &loop = guard->loop();
        QStringList log;
        QStringList unstartedLog;
        qaio::AsyncGenerator<QString> abandoned = withCleanup(&log);
        qaio::AsyncGenerator<int> unstarted = counter(3, &unstartedLog);
        QString first;
        loop.runUntilComplete(firstItem(&abandoned, &first));
        QCOMPARE(first, QStringLiteral("a"));
        QVERIFY(!abandoned.isFinished());

        loop.runUntilComplete(loop.shutdownAsyncgens());
        QVERIFY(abandoned.isFinished());
        QCOMPARE(log, QStringList({"GeneratorExit", "cleanup awaited"}));
        QVERIFY(!unstarted.isFinished()); // never started, so never registered
        QVERIFY(unstartedLog.isEmpty());
        QVERIFY(guard->handlerCalls().empty());
    }

    void shutdownAsyncgensReportsErrors()
    {
        auto &loop = guard->loop();
        qaio::AsyncGenerator<int> gen = cleanupFails();
        int value = 0;
        loop.runUntilComplete(firstInt(&gen, &value));
        QCOMPARE(value, 1);
        guard->expectException(QStringLiteral("an error occurred during closing of asynchronous generator"));
        loop.runUntilComplete(loop.shutdownAsyncgens());
        QCOMPARE(guard->handlerCalls().size(), std::size_t(1));
        const qaio::ExceptionContext &context = guard->handlerCalls().front();
        QVERIFY(context.message.startsWith(QStringLiteral("an error occurred during closing of asynchronous generator")));
        QCOMPARE(qaio::describeException(context.exception), QStringLiteral("std::runtime_error: cleanup failed"));
        QVERIFY(context.extra.contains(QStringLiteral("asyncgen")));
    }

    void secondConsumerWhileRunningIsRefused()
    {
        auto &loop = guard->loop();
        QStringList log;
        qaio::AsyncGenerator<int> gen = slowItems(&log);
        int value = -1;
        qaio::Task<void> first = loop.createTask(firstInt(&gen, &value)); // sleeps 10 s inside next()
        qaio::Task<QString> second = loop.createTask(nextWhileRunning(&gen));
        qaio::Task<QString> closer = loop.createTask(acloseWhileRunning(&gen));
        QCOMPARE(loop.runUntilComplete(second), QStringLiteral("anext(): asynchronous generator is already running"));
        QCOMPARE(loop.runUntilComplete(closer), QStringLiteral("aclose(): asynchronous generator is already running"));
        QVERIFY(gen.isRunning());
        loop.runUntilComplete(first);
        QCOMPARE(value, 0);
        QVERIFY(!gen.isRunning());
    }

    void cancellingTheConsumerPropagatesIntoTheGenerator()
    {
        auto &loop = guard->loop();
        QStringList log;
        qaio::AsyncGenerator<int> gen = slowItems(&log);
        int value = -1;
        qaio::Task<void> consumer = loop.createTask(firstInt(&gen, &value));
        loop.callLater(1s, [&] { consumer.cancel(QStringLiteral("stop")); });
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(consumer));
        QVERIFY(gen.isFinished()); // the CancelledError went through the body and ended it
        QVERIFY(!gen.isRunning());
        QCOMPARE(value, -1);
        QCOMPARE(log, QStringList({"locals destroyed"})); // unwinding ran the body's destructors
    }

    void startedAfterShutdownIsWarnedAbout()
    {
        auto &loop = guard->loop();
        loop.runUntilComplete(loop.shutdownAsyncgens());
        QStringList log;
        qaio::AsyncGenerator<int> gen = counter(2, &log);
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression("AsyncGenerator at 0x[0-9a-f]+ was scheduled after "
                                                "EventLoop::shutdownAsyncgens\\(\\) call"));
        int value = -1;
        loop.runUntilComplete(firstInt(&gen, &value));
        QCOMPARE(value, 0);
    }

    void moveOnlyItemsFromSignals()
    {
        auto &loop = guard->loop();
        Ticker ticker;
        qaio::Task<int> sum = loop.createTask(sumOwned(fromSignals(&ticker, 3)));
        int emitted = 0;
        std::function<void()> emitNext = [&] {
            // Emit only while someone listens: each item connects when the consumer asks.
            if (ticker.listened())
                Q_EMIT ticker.tick(++emitted * 10);
            if (!sum.done())
                loop.callSoon(emitNext);
        };
        loop.callSoon(emitNext);
        QCOMPARE(loop.runUntilComplete(sum), 10 + 20 + 30);
        QCOMPARE(emitted, 3);
        while (loop.scheduledCallbackCount())
            loop.runOnce();
    }

    void emptyGeneratorThrowsValueError()
    {
        qaio::AsyncGenerator<int> empty;
        QVERIFY(!empty.isValid());
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, empty.next());
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, (void)empty.aclose());
    }
};

QTEST_GUILESS_MAIN(tst_AsyncGen)
#include "tst_asyncgen.moc"
