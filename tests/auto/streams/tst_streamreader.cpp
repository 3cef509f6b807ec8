// Copyright (c) qaio authors. Licensed under the MIT license.
// StreamReader fed by hand (asyncio's test_streams reader cases): read, readline,
// readexactly, readuntil with one and several separators, limits and overruns, EOF,
// setException, the one-waiter rule, cancellation without data loss, and flow control
// against a fake transport. Timeouts run on a VirtualClock.
#include "looptestcase.h"

#include <qaio/qaio.h>

#include <QtTest/QtTest>

using namespace std::chrono_literals;

namespace {

/*! The generator's next item as a Coro, so a test can run it or make it a task. */
qaio::Coro<std::optional<QByteArray>> nextOf(qaio::AsyncGenerator<QByteArray> &generator)
{
    std::optional<QByteArray> item = co_await generator.next();
    co_return item;
}

} // namespace

namespace {

/*! A transport that only records pauseReading()/resumeReading(). */
class FakeTransport final : public qaio::Transport
{
public:
    void close() override { closing = true; }
    bool isClosing() const override { return closing; }
    void setProtocol(std::unique_ptr<qaio::BaseProtocol>) override {}
    qaio::BaseProtocol *protocol() const override { return nullptr; }
    bool isReading() const override { return !paused; }
    void pauseReading() override
    {
        if (!paused)
            ++pauses;
        paused = true;
    }
    void resumeReading() override
    {
        if (paused)
            ++resumes;
        paused = false;
    }
    void setWriteBufferLimits(std::optional<qsizetype>, std::optional<qsizetype>) override {}
    qaio::WriteBufferLimits writeBufferLimits() const override { return {}; }
    qsizetype writeBufferSize() const override { return 0; }
    void write(QByteArrayView) override {}
    void write(const QByteArray &) override {}
    void writelines(const QList<QByteArray> &) override {}
    void writelines(std::span<const QByteArrayView>) override {}
    bool canWriteEof() const override { return false; }
    void writeEof() override {}
    void abort() override { closing = true; }

    bool closing = false;
    bool paused = false;
    int pauses = 0;
    int resumes = 0;
};

template <class E>
QString errorMessage(const std::exception_ptr &error)
{
    try {
        std::rethrow_exception(error);
    } catch (const E &e) {
        return QString::fromUtf8(e.what());
    } catch (const std::exception &e) {
        return QStringLiteral("WRONG EXCEPTION: %1").arg(QString::fromUtf8(e.what()));
    } catch (...) {
        return QStringLiteral("WRONG EXCEPTION");
    }
}

/*! Rethrows \a error; a missing error escapes as std::logic_error and fails the test. */
[[noreturn]] void rethrowChecked(const std::exception_ptr &error)
{
    if (!error)
        throw std::logic_error("expected an exception, got none");
    std::rethrow_exception(error);
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<void> yieldOnce()
{
    co_await qaio::sleep(0);
}

} // namespace

class tst_StreamReader : public LoopTestCase
{
    Q_OBJECT
public:
    tst_StreamReader() : LoopTestCase(Clock::Virtual) {}

    qaio::EventLoop &loop() { return guard->loop(); }
    /*! Lets every ready task run one step (a pending read reaches its wait). */
    void spin() { loop().runUntilComplete(yieldOnce()); }

    template <class E, class T>
    QString failure(qaio::Coro<T> coro)
    {
        qaio::Task<T> task = loop().createTask(std::move(coro));
        loop().runUntilComplete(yieldOnceAfter(task));
        if (!task.done())
            return QStringLiteral("STILL PENDING");
        if (task.cancelled())
            return QStringLiteral("CANCELLED");
        std::exception_ptr error = task.exception();
        if (!error)
            return QStringLiteral("NO EXCEPTION");
        return errorMessage<E>(error);
    }
    /*! Waits for \a task if it finishes without waiting for data; returns at once otherwise. */
    template <class T>
    static qaio::Coro<void> yieldOnceAfter(qaio::Task<T> task)
    {
        co_await qaio::sleep(0);
        co_await qaio::sleep(0);
        Q_UNUSED(task);
    }

private slots:

    void limitMustBePositive()
    {
        for (qsizetype limit : {qsizetype(0), qsizetype(-1)}) {
            try {
                qaio::StreamReader reader(limit);
                QFAIL("no exception");
            } catch (const qaio::ValueError &e) {
                QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("Limit cannot be <= 0"));
            }
        }
        qaio::StreamReader reader;
        QCOMPARE(reader.limit(), qsizetype(64 * 1024));
    }

    void readReturnsWhatIsThereUpToN()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        reader->feedData("abcdef");
        QCOMPARE(loop().runUntilComplete(reader->read(2)), QByteArray("ab"));
        QCOMPARE(loop().runUntilComplete(reader->read(100)), QByteArray("cdef"));
        QCOMPARE(reader->bufferedSize(), qsizetype(0));
    }

    void readZeroIsEmptyAtOnce()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        qaio::Task<QByteArray> task = loop().createTask(reader->read(0));
        loop().runOnce();
        QVERIFY(task.done());
        QCOMPARE(task.result(), QByteArray());
        // Data stays for the next read.
        reader->feedData("xy");
        QCOMPARE(loop().runUntilComplete(reader->read(0)), QByteArray());
        QCOMPARE(reader->bufferedSize(), qsizetype(2));
        QCOMPARE(loop().runUntilComplete(reader->read(2)), QByteArray("xy"));
    }

    void readWaitsForData()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        qaio::Task<QByteArray> task = loop().createTask(reader->read(10));
        spin();
        QVERIFY(!task.done());
        reader->feedData("hello");
        QCOMPARE(loop().runUntilComplete(task), QByteArray("hello"));
    }

    void readAllUntilEof()
    {
        // A limit smaller than the data: read(-1) gathers it in pieces.
        auto reader = std::make_shared<qaio::StreamReader>(3);
        qaio::Task<QByteArray> task = loop().createTask(reader->read());
        spin();
        reader->feedData("0123");
        spin();
        QVERIFY(!task.done());
        reader->feedData("4567890");
        spin();
        QVERIFY(!task.done());
        reader->feedEof();
        QCOMPARE(loop().runUntilComplete(task), QByteArray("01234567890"));
        QVERIFY(reader->atEof());
        QCOMPARE(loop().runUntilComplete(reader->read()), QByteArray());
        QCOMPARE(loop().runUntilComplete(reader->read(5)), QByteArray());
    }

    void atEofNeedsEmptyBuffer()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        QVERIFY(!reader->atEof());
        reader->feedData("z");
        reader->feedEof();
        QVERIFY(!reader->atEof());
        QCOMPARE(loop().runUntilComplete(reader->read(1)), QByteArray("z"));
        QVERIFY(reader->atEof());
    }

    void feedDataAfterEofThrows()
    {
        qaio::StreamReader reader;
        reader.feedEof();
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, reader.feedData("x"));
        reader.feedEof(); // idempotent
        QVERIFY(reader.atEof());
    }

    void readlineLinesAndPartialAtEof()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        reader->feedData("line1\nli");
        QCOMPARE(loop().runUntilComplete(reader->readline()), QByteArray("line1\n"));
        qaio::Task<QByteArray> task = loop().createTask(reader->readline());
        spin();
        QVERIFY(!task.done());
        reader->feedData("ne2\npart");
        QCOMPARE(loop().runUntilComplete(task), QByteArray("line2\n"));
        reader->feedEof();
        QCOMPARE(loop().runUntilComplete(reader->readline()), QByteArray("part"));
        QCOMPARE(loop().runUntilComplete(reader->readline()), QByteArray());
    }

    void linesIterateUntilEof()
    {
        // asyncio's `async for line in reader`.
        auto reader = std::make_shared<qaio::StreamReader>();
        qaio::AsyncGenerator<QByteArray> lines = reader->lines();
        reader->feedData("one\ntw");
        QCOMPARE(loop().runUntilComplete(nextOf(lines)), std::optional<QByteArray>("one\n"));
        qaio::Task<std::optional<QByteArray>> next = loop().createTask(nextOf(lines));
        spin();
        QVERIFY(!next.done()); // waits for the rest of the line
        reader->feedData("o\nlast");
        QCOMPARE(loop().runUntilComplete(next), std::optional<QByteArray>("two\n"));
        reader->feedEof();
        QCOMPARE(loop().runUntilComplete(nextOf(lines)), std::optional<QByteArray>("last"));
        QCOMPARE(loop().runUntilComplete(nextOf(lines)), std::optional<QByteArray>());
        QVERIFY(reader->atEof());
    }

    void linesPropagateReadErrors()
    {
        auto reader = std::make_shared<qaio::StreamReader>(4);
        qaio::AsyncGenerator<QByteArray> lines = reader->lines();
        reader->feedData("much too long\n");
        QCOMPARE(failure<qaio::ValueError>(nextOf(lines)),
                 QStringLiteral("Separator is found, but chunk is longer than limit"));
    }

    void readlineOverrunSeparatorFoundConsumesLine()
    {
        auto reader = std::make_shared<qaio::StreamReader>(4);
        reader->feedData("abcdefgh\nrest\n");
        QCOMPARE(failure<qaio::ValueError>(reader->readline()),
                 QStringLiteral("Separator is found, but chunk is longer than limit"));
        QCOMPARE(loop().runUntilComplete(reader->readline()), QByteArray("rest\n"));
    }

    void readlineOverrunWithoutSeparatorClearsBuffer()
    {
        auto reader = std::make_shared<qaio::StreamReader>(4);
        reader->feedData("abcdefghij");
        QCOMPARE(failure<qaio::ValueError>(reader->readline()),
                 QStringLiteral("Separator is not found, and chunk exceed the limit"));
        QCOMPARE(reader->bufferedSize(), qsizetype(0));
        reader->feedData("ok\n");
        QCOMPARE(loop().runUntilComplete(reader->readline()), QByteArray("ok\n"));
    }

    void readlineOverrunWhileWaiting()
    {
        // The line grows over the limit across feeds: the waiting readline fails.
        auto reader = std::make_shared<qaio::StreamReader>(4);
        qaio::Task<QByteArray> task = loop().createTask(reader->readline());
        spin();
        reader->feedData("abc");
        spin();
        QVERIFY(!task.done());
        reader->feedData("defgh");
        spin();
        QVERIFY(task.done());
        QCOMPARE(errorMessage<qaio::ValueError>(task.exception()),
                 QStringLiteral("Separator is not found, and chunk exceed the limit"));
        QCOMPARE(reader->bufferedSize(), qsizetype(0));
    }

    void readexactly()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        QCOMPARE(loop().runUntilComplete(reader->readexactly(0)), QByteArray());
        reader->feedData("abc");
        qaio::Task<QByteArray> task = loop().createTask(reader->readexactly(5));
        spin();
        QVERIFY(!task.done());
        reader->feedData("d");
        spin();
        QVERIFY(!task.done());
        reader->feedData("efg");
        QCOMPARE(loop().runUntilComplete(task), QByteArray("abcde"));
        QCOMPARE(reader->bufferedSize(), qsizetype(2));

        QCOMPARE(failure<qaio::ValueError>(reader->readexactly(-1)),
                 QStringLiteral("readexactly size can not be less than zero"));
    }

    void readexactlyIncompleteAtEof()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        reader->feedData("ab");
        qaio::Task<QByteArray> task = loop().createTask(reader->readexactly(5));
        spin();
        reader->feedEof();
        spin();
        QVERIFY(task.done());
        try {
            rethrowChecked(task.exception());
        } catch (const qaio::IncompleteReadError &e) {
            QCOMPARE(e.partial(), QByteArray("ab"));
            QCOMPARE(e.expected(), std::optional<qsizetype>(5));
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("2 bytes read on a total of 5 expected bytes"));
        }
        QVERIFY(reader->atEof());
    }

    void readuntilOneSeparator()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        reader->feedData("a||b|");
        QCOMPARE(loop().runUntilComplete(reader->readuntil("||")), QByteArray("a||"));
        // The separator split across two feeds.
        qaio::Task<QByteArray> task = loop().createTask(reader->readuntil("||"));
        spin();
        QVERIFY(!task.done());
        reader->feedData("|c");
        QCOMPARE(loop().runUntilComplete(task), QByteArray("b||"));
        QCOMPARE(loop().runUntilComplete(reader->readuntil("c")), QByteArray("c"));
        // Default separator: newline.
        reader->feedData("x\ny");
        QCOMPARE(loop().runUntilComplete(reader->readuntil()), QByteArray("x\n"));
    }

    void readuntilSeveralSeparatorsMatchEndingFirst()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        reader->feedData("xabcdyz\r\n");
        QList<QByteArray> separators{"abcd", "bc"};
        QCOMPARE(loop().runUntilComplete(reader->readuntil(separators)), QByteArray("xabc"));
        QList<QByteArray> lineEnds{"\r\n", "\n"};
        QCOMPARE(loop().runUntilComplete(reader->readuntil(lineEnds)), QByteArray("dyz\r\n"));
        // A longer separator arriving in pieces is still found.
        qaio::Task<QByteArray> task = loop().createTask(reader->readuntil(QList<QByteArray>{"END", "\n\n"}));
        spin();
        reader->feedData("payload E");
        spin();
        QVERIFY(!task.done());
        reader->feedData("ND tail");
        QCOMPARE(loop().runUntilComplete(task), QByteArray("payload END"));
    }

    void readuntilBadSeparators()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        reader->feedData("data");
        QCOMPARE(failure<qaio::ValueError>(reader->readuntil(QByteArray())),
                 QStringLiteral("Separator should be at least one-byte string"));
        QCOMPARE(failure<qaio::ValueError>(reader->readuntil(QList<QByteArray>{})),
                 QStringLiteral("Separator should contain at least one element"));
        QCOMPARE(failure<qaio::ValueError>(reader->readuntil(QList<QByteArray>{"a", ""})),
                 QStringLiteral("Separator should be at least one-byte string"));
        QCOMPARE(reader->bufferedSize(), qsizetype(4));
    }

    void readuntilLimitOverrunKeepsData()
    {
        auto reader = std::make_shared<qaio::StreamReader>(4);
        reader->feedData("abcdefg");
        qaio::Task<QByteArray> task = loop().createTask(reader->readuntil("\n"));
        spin();
        QVERIFY(task.done());
        try {
            rethrowChecked(task.exception());
        } catch (const qaio::LimitOverrunError &e) {
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("Separator is not found, and chunk exceed the limit"));
            QCOMPARE(e.consumed(), qsizetype(7));
        }
        QCOMPARE(reader->bufferedSize(), qsizetype(7));

        reader->feedData("\nmore");
        qaio::Task<QByteArray> second = loop().createTask(reader->readuntil("\n"));
        spin();
        try {
            rethrowChecked(second.exception());
        } catch (const qaio::LimitOverrunError &e) {
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("Separator is found, but chunk is longer than limit"));
            QCOMPARE(e.consumed(), qsizetype(7));
        }
        // Consume what the error said, then the rest parses.
        QCOMPARE(loop().runUntilComplete(reader->readexactly(7)), QByteArray("abcdefg"));
        QCOMPARE(loop().runUntilComplete(reader->readuntil("\n")), QByteArray("\n"));
    }

    void readuntilIncompleteAtEof()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        reader->feedData("abc");
        reader->feedEof();
        qaio::Task<QByteArray> task = loop().createTask(reader->readuntil("\n"));
        spin();
        try {
            rethrowChecked(task.exception());
        } catch (const qaio::IncompleteReadError &e) {
            QCOMPARE(e.partial(), QByteArray("abc"));
            QVERIFY(!e.expected());
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("3 bytes read on a total of undefined expected bytes"));
        }
        QVERIFY(reader->atEof());
    }

    void setExceptionWakesWaiterAndSticks()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        qaio::Task<QByteArray> task = loop().createTask(reader->readexactly(3));
        spin();
        QVERIFY(!task.done());
        reader->setException(std::make_exception_ptr(qaio::ConnectionResetError(QStringLiteral("peer went away"))));
        spin();
        QVERIFY(task.done());
        QCOMPARE(errorMessage<qaio::ConnectionResetError>(task.exception()), QStringLiteral("peer went away"));
        QVERIFY(reader->exception());
        reader->feedData("abc");
        QCOMPARE(failure<qaio::ConnectionResetError>(reader->read(1)), QStringLiteral("peer went away"));
        QCOMPARE(failure<qaio::ConnectionResetError>(reader->readline()), QStringLiteral("peer went away"));
        QCOMPARE(failure<qaio::ConnectionResetError>(reader->readexactly(1)), QStringLiteral("peer went away"));
        QCOMPARE(failure<qaio::ConnectionResetError>(reader->readuntil("c")), QStringLiteral("peer went away"));
    }

    void oneWaiterAtATime()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        qaio::Task<QByteArray> first = loop().createTask(reader->read(5));
        spin();
        // readline() waits inside readuntil(), as in asyncio.
        QCOMPARE(failure<qaio::RuntimeError>(reader->readline()),
                 QStringLiteral("readuntil() called while another coroutine is already waiting for incoming data"));
        QCOMPARE(failure<qaio::RuntimeError>(reader->read(1)),
                 QStringLiteral("read() called while another coroutine is already waiting for incoming data"));
        QCOMPARE(failure<qaio::RuntimeError>(reader->readexactly(1)),
                 QStringLiteral("readexactly() called while another coroutine is already waiting for incoming data"));
        // The first reader was not disturbed.
        reader->feedData("data");
        QCOMPARE(loop().runUntilComplete(first), QByteArray("data"));
    }

    void cancellingPendingReadLosesNothing()
    {
        auto reader = std::make_shared<qaio::StreamReader>();
        qaio::Task<QByteArray> task = loop().createTask(reader->readexactly(4));
        spin();
        reader->feedData("ab");
        spin();
        QVERIFY(!task.done());
        task.cancel();
        spin();
        QVERIFY(task.cancelled());
        // Woken with data, cancelled before it ran: the data stays too.
        qaio::Task<QByteArray> second = loop().createTask(reader->readexactly(4));
        spin();
        reader->feedData("cd");
        second.cancel();
        spin();
        QVERIFY(second.cancelled());
        QCOMPARE(reader->bufferedSize(), qsizetype(4));
        QCOMPARE(loop().runUntilComplete(reader->readexactly(4)), QByteArray("abcd"));
    }

    void cancellingReadAllLosesNothing()
    {
        auto transport = std::make_shared<FakeTransport>();
        auto reader = std::make_shared<qaio::StreamReader>(2);
        reader->setTransport(transport);
        qaio::Task<QByteArray> task = loop().createTask(reader->read());
        spin();
        reader->feedData("01234");
        spin();
        QVERIFY(!task.done());
        QVERIFY(!transport->paused); // the waiting read(-1) resumed it
        task.cancel();
        spin();
        QVERIFY(task.cancelled());
        QCOMPARE(reader->bufferedSize(), qsizetype(5));
        reader->feedData("56");
        reader->feedEof();
        QCOMPARE(loop().runUntilComplete(reader->read()), QByteArray("0123456"));
        QVERIFY(!transport->paused);
    }

    void readTimesOutAndReaderStaysUsable()
    {
        // Virtual time: the timeout fires without any real waiting.
        auto reader = std::make_shared<qaio::StreamReader>();
        const qaio::TimePoint start = loop().time();
        try {
            loop().runUntilComplete(qaio::waitFor(reader->readline(), 5s));
            QFAIL("no timeout");
        } catch (const qaio::TimeoutError &) {
        }
        QVERIFY(loop().time() - start >= 5s);
        reader->feedData("late\n");
        QCOMPARE(loop().runUntilComplete(reader->readline()), QByteArray("late\n"));
    }

    void setExceptionAfterDataStillDeliversWokenRead()
    {
        // asyncio: a read already woken by data returns it even if an error follows.
        auto reader = std::make_shared<qaio::StreamReader>();
        qaio::Task<QByteArray> task = loop().createTask(reader->read(10));
        spin();
        reader->feedData("data");
        reader->setException(std::make_exception_ptr(qaio::ConnectionResetError(QStringLiteral("reset"))));
        QCOMPARE(loop().runUntilComplete(task), QByteArray("data"));
        QCOMPARE(failure<qaio::ConnectionResetError>(reader->read(1)), QStringLiteral("reset"));
    }

    void flowControlPausesOverTwiceTheLimit()
    {
        auto transport = std::make_shared<FakeTransport>();
        auto reader = std::make_shared<qaio::StreamReader>(4);
        reader->setTransport(transport);
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, reader->setTransport(transport));
        reader->feedData("12345678"); // 8 == 2 * limit: not over
        QCOMPARE(transport->pauses, 0);
        reader->feedData("9");
        QCOMPARE(transport->pauses, 1);
        QVERIFY(transport->paused);
        reader->feedData("ab"); // already paused: not paused twice
        QCOMPARE(transport->pauses, 1);
        QCOMPARE(loop().runUntilComplete(reader->read(4)), QByteArray("1234"));
        QVERIFY(transport->paused); // 7 left > limit
        QCOMPARE(loop().runUntilComplete(reader->read(3)), QByteArray("567"));
        QVERIFY(!transport->paused); // 4 left == limit
        QCOMPARE(transport->resumes, 1);
    }

    void waitingForDataResumesPausedTransport()
    {
        // readexactly() needing more than is buffered must not deadlock on a paused transport.
        auto transport = std::make_shared<FakeTransport>();
        auto reader = std::make_shared<qaio::StreamReader>(2);
        reader->setTransport(transport);
        reader->feedData("abcde");
        QVERIFY(transport->paused);
        qaio::Task<QByteArray> task = loop().createTask(reader->readexactly(8));
        spin();
        QVERIFY(!transport->paused);
        QCOMPARE(transport->resumes, 1);
        reader->feedData("fgh");
        QCOMPARE(loop().runUntilComplete(task), QByteArray("abcdefgh"));
    }

    void flowControlAfterTransportGone()
    {
        // The reader keeps only a weak reference: a destroyed transport is simply skipped.
        auto reader = std::make_shared<qaio::StreamReader>(1);
        {
            auto transport = std::make_shared<FakeTransport>();
            reader->setTransport(transport);
        }
        reader->feedData("abc");
        QCOMPARE(loop().runUntilComplete(reader->read(3)), QByteArray("abc"));
    }
};

QTEST_GUILESS_MAIN(tst_StreamReader)
#include "tst_streamreader.moc"
