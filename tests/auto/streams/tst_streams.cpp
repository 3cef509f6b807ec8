// Copyright (c) qaio authors. Licensed under the MIT license.
// Streams over real sockets (asyncio's test_streams connection cases): echo through
// startServer()/openConnection() on 127.0.0.1, ::1 and a Unix socket, a request/reply
// protocol on lines and length prefixes, a large transfer with drain() against a reader
// that does not read (memory stays bounded on both sides), a peer reset during drain(),
// half-close with writeEof(), waitClosed(), client-connected callbacks that raise or
// return void, sockets given by the caller, and the argument errors. LoopGuard checks
// fds, tasks and the exception handler at every teardown.
#include "looptestcase.h"
#include "../net/nettransport_helpers.h"

#include <QtTest/QtTest>

#include <algorithm>

#include <sys/socket.h>

using namespace std::chrono_literals;
using namespace nettest;

namespace {

using ReaderPtr = std::shared_ptr<qaio::StreamReader>;
using WriterPtr = std::shared_ptr<qaio::StreamWriter>;

/*! Counts the server's handler tasks that finished, so a scenario can wait for them
    (LoopGuard fails on a task still pending at teardown). */
struct HandlerTracker
{
    explicit HandlerTracker(int expected) : expected(expected), allDone(qaio::getRunningLoop().createFuture<void>()) {}
    void finished()
    {
        if (++count == expected && !allDone.done())
            allDone.setResult();
    }
    int expected;
    int count = 0;
    qaio::Future<void> allDone;
};

/*! Echoes lines until EOF, then closes (asyncio's docs "handle_echo" in a loop). */
QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<void> echoLines(ReaderPtr reader, WriterPtr writer)
{
    for (;;) {
        QByteArray line = co_await reader->readline();
        if (line.isEmpty())
            break;
        writer->write(line);
        co_await writer->drain();
    }
    writer->close();
    co_await writer->waitClosed();
}

/*! startServer()/startUnixServer() for \a kind "tcp4", "tcp6" or "unix". */
template <class F>
qaio::Coro<std::shared_ptr<qaio::Server>> startKind(F handler, const QString &kind, const QString &path)
{
    if (kind == QLatin1String("unix"))
        return qaio::startUnixServer(std::move(handler), path);
    const QString host = kind == QLatin1String("tcp6") ? QStringLiteral("::1") : QStringLiteral("127.0.0.1");
    return qaio::startServer(std::move(handler), host, 0);
}

qaio::Coro<qaio::StreamPair> openKind(const std::shared_ptr<qaio::Server> &server, const QString &kind,
                                      const QString &path, qaio::StreamOptions streamOptions = {})
{
    if (kind == QLatin1String("unix"))
        return qaio::openUnixConnection(path, {}, streamOptions);
    const qaio::SocketAddress address = server->sockets().front().localAddress();
    return qaio::openConnection(address.host().toString(), address.port(), {}, streamOptions);
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<void> closeServer(std::shared_ptr<qaio::Server> server)
{
    server->close();
    co_await server->waitClosed();
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> echoScenario(QString kind, QString path)
{
    auto tracker = std::make_shared<HandlerTracker>(1);
    auto handler = [tracker](ReaderPtr reader, WriterPtr writer) -> qaio::Coro<void> {
        co_await echoLines(std::move(reader), std::move(writer));
        tracker->finished();
    };
    auto starting = startKind(handler, kind, path);
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);
    auto opening = openKind(server, kind, path);
    auto [reader, writer] = co_await std::move(opening);

    QByteArrayList out;
    writer->write("hello\n");
    const QList<QByteArray> pieces{"wor", "ld\n", "third"};
    writer->writelines(pieces);
    co_await writer->drain();
    out << co_await reader->readline();
    out << co_await reader->readline();
    writer->write(" line\n");
    out << co_await reader->readuntil("\n");
    out << (writer->canWriteEof() ? "canWriteEof" : "no writeEof");
    writer->writeEof();
    out << co_await reader->read(); // the server closes after our EOF
    out << (reader->atEof() ? "eof" : "not eof");
    writer->close();
    co_await writer->waitClosed();
    co_await tracker->allDone;
    co_await closeServer(server);
    co_return out;
}

/*! A small request/reply protocol: "SUM a b\n" -> 4-byte length + decimal text; "BYE\n" ends. */
QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<void> sumServer(ReaderPtr reader, WriterPtr writer)
{
    for (;;) {
        QByteArray line = co_await reader->readline();
        const QList<QByteArray> words = line.trimmed().split(' ');
        if (words.value(0) == "SUM" && words.size() == 3) {
            const QByteArray text = QByteArray::number(words[1].toLongLong() + words[2].toLongLong());
            QByteArray length(4, '\0');
            qToBigEndian(quint32(text.size()), length.data());
            writer->write(length + text);
        } else {
            writer->write(QByteArray("\0\0\0\3bye", 7));
            break;
        }
    }
    co_await writer->drain();
    writer->close();
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> requestReplyScenario()
{
    auto tracker = std::make_shared<HandlerTracker>(1);
    auto handler = [tracker](ReaderPtr reader, WriterPtr writer) -> qaio::Coro<void> {
        co_await sumServer(std::move(reader), std::move(writer));
        tracker->finished();
    };
    auto starting = qaio::startServer(handler, QStringLiteral("127.0.0.1"), 0);
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);
    const quint16 port = server->sockets().front().localAddress().port();
    // The form the documentation promises, defaults and all, inside the co_await.
    auto [reader, writer] = co_await qaio::openConnection("127.0.0.1", port);

    QByteArrayList out;
    // Several requests at once: the replies come back in order, framed by their length.
    writer->write("SUM 1 2\nSUM 40 2\nSUM -5 1000000000000\nBYE\n");
    for (int i = 0; i < 4; ++i) {
        QByteArray length = co_await reader->readexactly(4);
        QByteArray body = co_await reader->readexactly(qFromBigEndian<quint32>(length.constData()));
        out << body;
    }
    out << co_await reader->read();
    writer->close();
    co_await writer->waitClosed();
    co_await tracker->allDone;
    co_await closeServer(server);
    co_return out;
}

struct TransferResult
{
    qint64 total = 0;
    qint64 sent = 0;
    bool intact = false;
    int pauses = 0;
    qsizetype maxClientBuffer = 0;
    qsizetype clientHigh = 0;
    qsizetype maxServerBuffered = 0;
    qsizetype serverLimit = 0;
    QByteArray reply;
};

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<TransferResult> transferScenario(QString kind, QString path)
{
    constexpr qsizetype chunkSize = 64 * 1024;
    constexpr qsizetype serverLimit = 16 * 1024;
    const QByteArray data = patternBytes(6 * 1024 * 1024, 7);

    auto result = std::make_shared<TransferResult>();
    result->total = data.size();
    result->serverLimit = serverLimit;
    auto tracker = std::make_shared<HandlerTracker>(1);
    qaio::Future<void> go = qaio::getRunningLoop().createFuture<void>();

    // The slow reader: reads nothing until the client has seen its writer paused, then
    // reads in small pieces, yielding between them.
    auto handler = [tracker, result, go, data](ReaderPtr reader, WriterPtr writer) -> qaio::Coro<void> {
        co_await go;
        result->maxServerBuffered = reader->bufferedSize();
        QByteArray received;
        int reads = 0;
        for (;;) {
            QByteArray piece = co_await reader->read(16 * 1024);
            if (piece.isEmpty())
                break;
            received += piece;
            result->maxServerBuffered = std::max(result->maxServerBuffered, reader->bufferedSize());
            if (++reads % 16 == 0)
                co_await qaio::sleep(0);
        }
        result->intact = received == data;
        writer->write(QByteArray::number(received.size()) + "\n");
        co_await writer->drain();
        writer->close();
        co_await writer->waitClosed();
        tracker->finished();
    };
    qaio::ServerOptions serverOptions;
    qaio::UnixServerOptions unixOptions;
    qaio::StreamOptions streamOptions{.limit = serverLimit};
    qaio::Coro<std::shared_ptr<qaio::Server>> starting =
        kind == QLatin1String("unix")
            ? qaio::startUnixServer(handler, path, std::move(unixOptions), streamOptions)
            : qaio::startServer(handler, QStringLiteral("127.0.0.1"), 0, std::move(serverOptions), streamOptions);
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);
    auto opening = openKind(server, kind, path);
    auto [reader, writer] = co_await std::move(opening);
    // A bounded kernel send buffer (autotuning could grow it to megabytes) makes the
    // transport's own buffer fill well before the data runs out.
    setIntOption(qaio::socketDescriptor(*writer->transport()), SOL_SOCKET, SO_SNDBUF, 256 * 1024);
    result->clientHigh = writer->transport()->writeBufferLimits().high;

    for (qsizetype offset = 0; offset < data.size(); offset += chunkSize) {
        writer->write(data.mid(offset, chunkSize));
        result->sent += std::min(chunkSize, data.size() - offset);
        const qsizetype buffered = writer->transport()->writeBufferSize();
        result->maxClientBuffer = std::max(result->maxClientBuffer, buffered);
        if (buffered > result->clientHigh) {
            ++result->pauses;
            if (!go.done())
                go.setResult();
        }
        co_await writer->drain();
    }
    if (!go.done())
        go.setResult(); // never paused: let the server finish so the test fails instead of hanging
    writer->writeEof();
    result->reply = co_await reader->readline();
    writer->close();
    co_await writer->waitClosed();
    co_await tracker->allDone;
    co_await closeServer(server);
    co_return *result;
}

struct ResetResult
{
    std::exception_ptr drainError;
    std::exception_ptr closedError;
    std::exception_ptr secondDrainError;
    bool paused = false;
};

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<ResetResult> resetDuringDrainScenario()
{
    auto tracker = std::make_shared<HandlerTracker>(1);
    qaio::Future<void> resetNow = qaio::getRunningLoop().createFuture<void>();
    auto handler = [tracker, resetNow](ReaderPtr reader, WriterPtr writer) -> qaio::Coro<void> {
        Q_UNUSED(reader);
        co_await resetNow;
        // Unread data plus a zero linger: close() sends RST.
        struct linger noLinger{1, 0};
        ::setsockopt(int(qaio::socketDescriptor(*writer->transport())), SOL_SOCKET, SO_LINGER, &noLinger,
                     sizeof(noLinger));
        writer->transport()->abort();
        tracker->finished();
    };
    auto starting = qaio::startServer(handler, QStringLiteral("127.0.0.1"), 0);
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);
    auto opening = qaio::openConnection(QStringLiteral("127.0.0.1"), server->sockets().front().localAddress().port());
    auto [reader, writer] = co_await std::move(opening);
    setIntOption(qaio::socketDescriptor(*writer->transport()), SOL_SOCKET, SO_SNDBUF, 16 * 1024);

    ResetResult result;
    const QByteArray chunk = patternBytes(64 * 1024);
    const qsizetype high = writer->transport()->writeBufferLimits().high;
    for (int i = 0; i < 1024 && !result.paused; ++i) {
        writer->write(chunk);
        result.paused = writer->transport()->writeBufferSize() > high;
    }
    resetNow.setResult();
    try {
        co_await writer->drain();
    } catch (const std::exception &) {
        result.drainError = std::current_exception();
    }
    try {
        co_await writer->waitClosed();
    } catch (const std::exception &) {
        result.closedError = std::current_exception();
    }
    try {
        co_await writer->drain();
    } catch (const std::exception &) {
        result.secondDrainError = std::current_exception();
    }
    writer->close();
    co_await tracker->allDone;
    co_await closeServer(server);
    co_return result;
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> halfCloseScenario()
{
    auto tracker = std::make_shared<HandlerTracker>(1);
    // The server reads the whole request (until the client's EOF), then answers.
    auto handler = [tracker](ReaderPtr reader, WriterPtr writer) -> qaio::Coro<void> {
        QByteArray request = co_await reader->read();
        writer->write("got " + request);
        co_await writer->drain();
        writer->close();
        co_await writer->waitClosed();
        tracker->finished();
    };
    auto starting = qaio::startServer(handler, QStringLiteral("127.0.0.1"), 0);
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);
    auto opening = qaio::openConnection(QStringLiteral("127.0.0.1"), server->sockets().front().localAddress().port());
    auto [reader, writer] = co_await std::move(opening);

    QByteArrayList out;
    writer->write("request");
    writer->writeEof();
    out << (writer->isClosing() ? "closing" : "open");
    try {
        writer->write("more");
        out << "write after writeEof accepted";
    } catch (const qaio::RuntimeError &e) {
        out << e.what();
    }
    out << co_await reader->read();
    out << (reader->atEof() ? "eof" : "not eof");
    writer->close();
    out << (writer->isClosing() ? "closing" : "open");
    co_await writer->waitClosed();
    try {
        co_await writer->drain();
        out << "drain after close returned";
    } catch (const qaio::ConnectionResetError &e) {
        out << e.what();
    }
    co_await writer->waitClosed(); // again: returns at once
    co_await tracker->allDone;
    co_await closeServer(server);
    co_return out;
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArray> raisingCallbackScenario()
{
    auto handler = [](ReaderPtr reader, WriterPtr writer) -> qaio::Coro<void> {
        Q_UNUSED(writer);
        QByteArray line = co_await reader->readline();
        throw qaio::ValueError(QStringLiteral("bad request: %1").arg(QString::fromLatin1(line.trimmed())));
    };
    auto starting = qaio::startServer(handler, QStringLiteral("127.0.0.1"), 0);
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);
    auto opening = qaio::openConnection(QStringLiteral("127.0.0.1"), server->sockets().front().localAddress().port());
    auto [reader, writer] = co_await std::move(opening);
    writer->write("nonsense\n");
    // The server closes the connection after reporting the error.
    QByteArray rest = co_await reader->read();
    writer->close();
    co_await writer->waitClosed();
    co_await closeServer(server);
    co_return rest;
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> voidCallbackScenario(QString path)
{
    // A plain function: it runs inside connectionMade(); the protocol keeps the writer.
    auto greet = [](ReaderPtr reader, WriterPtr writer) {
        Q_UNUSED(reader);
        writer->write("welcome " + writer->extraInfo(QStringLiteral("sockname")).value<qaio::SocketAddress>().toString().toUtf8() + "\n");
        writer->close();
    };
    auto starting = qaio::startUnixServer(greet, path);
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);
    auto opening = qaio::openUnixConnection(path);
    auto [reader, writer] = co_await std::move(opening);
    QByteArrayList out;
    out << co_await reader->readline();
    out << co_await reader->read();
    out << writer->extraInfo(QStringLiteral("peername")).value<qaio::SocketAddress>().toString().toUtf8();
    writer->close();
    co_await writer->waitClosed();
    co_await closeServer(server);
    co_return out;
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> givenSocketsScenario()
{
    // open_connection(sock=...) on both ends of a socket pair.
    auto [left, right] = qaio::Socket::pair();
    qaio::ConnectionOptions leftOptions{.sock = std::move(left)};
    qaio::ConnectionOptions rightOptions{.sock = std::move(right)};
    auto openingLeft = qaio::openConnection(std::move(leftOptions));
    auto [leftReader, leftWriter] = co_await std::move(openingLeft);
    auto openingRight = qaio::openConnection(std::move(rightOptions));
    auto [rightReader, rightWriter] = co_await std::move(openingRight);

    QByteArrayList out;
    leftWriter->write("ping\n");
    out << co_await rightReader->readline();
    rightWriter->write("pong\n");
    out << co_await leftReader->readline();
    // Dropping a writer without closing closes its connection (asyncio 3.11+).
    leftWriter.reset();
    out << co_await rightReader->read();
    rightWriter->close();
    co_await rightWriter->waitClosed();
    out << co_await leftReader->read();
    co_return out;
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArrayList> limitScenario()
{
    // A client reader with limit 10 and a line of 11 bytes without separator: readline()
    // fails only once all 11 are buffered (whatever the segmentation), which clears them,
    // and the connection stays usable.
    auto tracker = std::make_shared<HandlerTracker>(1);
    auto handler = [tracker](ReaderPtr reader, WriterPtr writer) -> qaio::Coro<void> {
        writer->write(QByteArray(11, 'x'));
        QByteArray ack = co_await reader->readline();
        writer->write("short " + ack);
        co_await reader->read(); // until the client's EOF
        writer->close();
        tracker->finished();
    };
    auto starting = qaio::startServer(handler, QStringLiteral("127.0.0.1"), 0);
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);
    const qaio::StreamOptions small{.limit = 10};
    auto opening = qaio::openConnection(QStringLiteral("127.0.0.1"), server->sockets().front().localAddress().port(),
                                        {}, small);
    auto [reader, writer] = co_await std::move(opening);
    QByteArrayList out;
    out << QByteArray::number(reader->limit());
    try {
        co_await reader->readline();
        out << "no error";
    } catch (const qaio::ValueError &e) {
        out << e.what();
    }
    out << QByteArray::number(reader->bufferedSize());
    writer->write("ack\n");
    out << co_await reader->readline();
    writer->writeEof();
    out << co_await reader->read();
    writer->close();
    co_await writer->waitClosed();
    co_await tracker->allDone;
    co_await closeServer(server);
    co_return out;
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<QByteArray> leftOpenScenario(std::shared_ptr<qaio::Server> *keep)
{
    // The server side stays open (a void callback keeps nothing; the protocol holds the
    // writer, as asyncio's does) while the client half-closes: the loop is then closed
    // with that connection open.
    auto greet = [](ReaderPtr, WriterPtr writer) { writer->write("hi\n"); };
    auto starting = qaio::startServer(greet, QStringLiteral("127.0.0.1"), 0);
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);
    auto opening = qaio::openConnection(QStringLiteral("127.0.0.1"), server->sockets().front().localAddress().port());
    auto [reader, writer] = co_await std::move(opening);
    QByteArray greeting = co_await reader->readline();
    writer->close();
    co_await writer->waitClosed();
    server->close();
    *keep = server;
    co_return greeting;
}

} // namespace

class tst_Streams : public LoopTestCase
{
    Q_OBJECT
    std::optional<QTemporaryDir> dir;

    void setUpTest() override { dir.emplace(); }
    void tearDownTest() override { dir.reset(); }

    qaio::EventLoop &loop() { return guard->loop(); }
    QString socketPath() const { return dir->filePath(QStringLiteral("s.sock")); }

    static void addKinds()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("tcp 127.0.0.1") << QStringLiteral("tcp4");
        QTest::newRow("tcp ::1") << QStringLiteral("tcp6");
        QTest::newRow("unix") << QStringLiteral("unix");
    }

private slots:

    void echo_data() { addKinds(); }
    void echo()
    {
        QFETCH(QString, kind);
        if (kind == QLatin1String("tcp6") && !ipv6LoopbackAvailable())
            QSKIP("this host has no IPv6 (cannot bind ::1)");
        const QByteArrayList out = loop().runUntilComplete(echoScenario(kind, socketPath()));
        const QByteArrayList expected{"hello\n", "world\n", "third line\n", "canWriteEof", "", "eof"};
        QCOMPARE(out, expected);
    }

    void requestReplyWithReadexactly()
    {
        const QByteArrayList out = loop().runUntilComplete(requestReplyScenario());
        const QByteArrayList expected{"3", "42", "999999999995", "bye", ""};
        QCOMPARE(out, expected);
    }

    void largeTransferDrainBoundsMemory_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("tcp 127.0.0.1") << QStringLiteral("tcp4");
        QTest::newRow("unix") << QStringLiteral("unix");
    }
    void largeTransferDrainBoundsMemory()
    {
        QFETCH(QString, kind);
        const TransferResult r = loop().runUntilComplete(transferScenario(kind, socketPath()));
        QCOMPARE(r.sent, r.total);
        QVERIFY2(r.pauses > 0, "the writer was never paused: drain() was not exercised");
        QVERIFY(r.intact);
        QCOMPARE(r.reply, QByteArray::number(r.total) + "\n");
        // The writer's buffer stays within the high-water mark plus one write.
        QVERIFY2(r.maxClientBuffer <= r.clientHigh + 64 * 1024, qPrintable(QString::number(r.maxClientBuffer)));
        // The reader pauses the transport over 2 * limit; one more read may land before.
        QVERIFY2(r.maxServerBuffered <= 2 * r.serverLimit + 256 * 1024, qPrintable(QString::number(r.maxServerBuffered)));
    }

    void peerResetDuringDrainRaises()
    {
        const ResetResult r = loop().runUntilComplete(resetDuringDrainScenario());
        QVERIFY(r.paused);
        QVERIFY2(holds<qaio::ConnectionError>(r.drainError), qPrintable(qaio::describeException(r.drainError)));
        QVERIFY2(holds<qaio::ConnectionError>(r.closedError), qPrintable(qaio::describeException(r.closedError)));
        QVERIFY2(holds<qaio::ConnectionError>(r.secondDrainError),
                 qPrintable(qaio::describeException(r.secondDrainError)));
    }

    void halfCloseWithWriteEofAndWaitClosed()
    {
        const QByteArrayList out = loop().runUntilComplete(halfCloseScenario());
        const QByteArrayList expected{"open", "Cannot call write() after writeEof()", "got request", "eof", "closing",
                                      "Connection lost"};
        QCOMPARE(out, expected);
    }

    void raisingClientCallbackGoesToHandler()
    {
        guard->expectException(QStringLiteral("Unhandled exception in client_connected_cb"));
        const QByteArray rest = loop().runUntilComplete(raisingCallbackScenario());
        QCOMPARE(rest, QByteArray());
        const auto &calls = guard->handlerCalls();
        const auto call = std::find_if(calls.begin(), calls.end(), [](const qaio::ExceptionContext &c) {
            return c.message == QLatin1String("Unhandled exception in client_connected_cb");
        });
        QVERIFY(call != calls.end());
        QCOMPARE(exceptionMessage<qaio::ValueError>(call->exception), QStringLiteral("bad request: nonsense"));
        QVERIFY(call->transport != nullptr);
    }

    void plainVoidClientCallback()
    {
        const QByteArrayList out = loop().runUntilComplete(voidCallbackScenario(socketPath()));
        QCOMPARE(out.size(), 3);
        QCOMPARE(out[0], "welcome " + socketPath().toUtf8() + "\n");
        QCOMPARE(out[1], QByteArray());
    }

    void givenSocketsAndDroppedWriter()
    {
        const QByteArrayList out = loop().runUntilComplete(givenSocketsScenario());
        const QByteArrayList expected{"ping\n", "pong\n", "", ""};
        QCOMPARE(out, expected);
    }

    void readerLimitOnConnection()
    {
        const QByteArrayList out = loop().runUntilComplete(limitScenario());
        const QByteArrayList expected{"10", "Separator is not found, and chunk exceed the limit", "0", "short ack\n", ""};
        QCOMPARE(out, expected);
    }

    void loopClosedWithServerConnectionOpen()
    {
        // EventLoop::close() releases open transports without connectionLost(); the
        // transport -> protocol -> writer -> transport cycle must still be broken (the
        // sanitizer build's leak check proves it), and no descriptor stays open (LoopGuard).
        std::shared_ptr<qaio::Server> server;
        QCOMPARE(loop().runUntilComplete(leftOpenScenario(&server)), QByteArray("hi\n"));
        QCOMPARE(server->clientCount(), std::size_t(1));
        server.reset();
    }

    void connectionRefused()
    {
        RefusingPort refusing;
        try {
            loop().runUntilComplete(qaio::openConnection(QStringLiteral("127.0.0.1"), refusing.port));
            QFAIL("no exception");
        } catch (const qaio::ConnectionRefusedError &) {
        }
    }

    void argumentErrors()
    {
        const qaio::StreamOptions zero{.limit = 0};
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError,
                                 loop().runUntilComplete(qaio::openConnection(QStringLiteral("127.0.0.1"), 1, {}, zero)));
        auto handler = [](ReaderPtr, WriterPtr) {};
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError,
                                 loop().runUntilComplete(qaio::startServer(handler, QStringLiteral("127.0.0.1"), 0, {}, zero)));
        // Options errors come from the loop's functions, unchanged.
        try {
            loop().runUntilComplete(qaio::openConnection(qaio::ConnectionOptions{}));
            QFAIL("no exception");
        } catch (const qaio::ValueError &e) {
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("host and port was not specified and no sock specified"));
        }
        try {
            loop().runUntilComplete(qaio::openUnixConnection(qaio::UnixConnectionOptions{}));
            QFAIL("no exception");
        } catch (const qaio::ValueError &e) {
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("no path and sock were specified"));
        }
        try {
            loop().runUntilComplete(qaio::startServer(handler, qaio::ServerOptions{}));
            QFAIL("no exception");
        } catch (const qaio::ValueError &e) {
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("Neither host/port nor sock were specified"));
        }
        // Outside a running loop there is nothing to connect with.
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, qaio::getRunningLoop());
    }

    void startTlsArgumentErrors()
    {
        // TLS itself: tests/auto/tls/tst_starttls.cpp.
        auto [left, right] = qaio::Socket::pair();
        qaio::ConnectionOptions options{.sock = std::move(left)};
        qaio::StreamPair pair = loop().runUntilComplete(qaio::openConnection(std::move(options)));
        try {
            loop().runUntilComplete(pair.writer->startTls(nullptr));
            QFAIL("no exception");
        } catch (const qaio::ValueError &e) {
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("startTls(): sslContext is null"));
        }
        pair.writer->close();
        loop().runUntilComplete(pair.writer->waitClosed());
    }
};

QTEST_GUILESS_MAIN(tst_Streams)
#include "tst_streams.moc"
