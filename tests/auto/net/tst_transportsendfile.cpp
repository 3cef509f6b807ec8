// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::sendfile() over a socket transport (asyncio's test_sendfile): zero copy after
// the write buffer drained, order with earlier writes, offset and count, writes refused
// meanwhile, the read/write fallback for a file without a descriptor (a Qt resource),
// a peer reset during the transfer, and the argument errors.
#include "looptestcase.h"
#include "nettransport_helpers.h"

#include <QtCore/QFile>
#include <QtCore/QTemporaryFile>
#include <QtTest/QtTest>

#include <sys/socket.h>

using namespace std::chrono_literals;
using namespace nettest;

namespace {

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<qint64> sendfileOf(qaio::EventLoop &loop, std::shared_ptr<qaio::Transport> transport,
                                                             QFile *file, qint64 offset, std::optional<qint64> count,
                                                             bool fallback)
{
    qint64 sent = co_await loop.sendfile(*transport, *file, offset, count, fallback);
    co_return sent;
}

} // namespace

class tst_TransportSendfile : public LoopTestCase
{
    Q_OBJECT
    TraceList serverTraces;
    std::shared_ptr<qaio::Server> server;

    std::pair<std::shared_ptr<qaio::Transport>, std::shared_ptr<Trace>> connect()
    {
        auto &loop = guard->loop();
        auto trace = std::make_shared<Trace>();
        const qaio::SocketAddress address = server->sockets().front().localAddress();
        auto transport_protocol = loop.runUntilComplete(loop.createConnection(
            [trace] { return std::make_unique<TraceProtocol>(trace); }, address.host().toString(), address.port()));
        auto transport = std::move(transport_protocol.transport);
        return {transport, trace};
    }

    std::shared_ptr<Trace> serverSide()
    {
        runUntil(guard->loop(), [&] { return !serverTraces->empty() && serverTraces->back()->made == 1; });
        return serverTraces->back();
    }

    static QByteArray writeTempFile(QTemporaryFile &file, qsizetype size)
    {
        const QByteArray content = patternBytes(size, 11);
        file.open();
        file.write(content);
        file.flush();
        file.seek(0);
        return content;
    }

    void setUpTest() override
    {
        watchHandler(guard->loop());
        serverTraces = makeTraceList();
        auto &loop = guard->loop();
        server = loop.runUntilComplete(loop.createServer(recordingFactory<TraceProtocol>(serverTraces), {"127.0.0.1"}, 0));
    }
    void tearDownTest() override
    {
        pokeHook() = nullptr;
        if (server && !guard->loop().isClosed()) {
            server->abortClients();
            server->close();
            guard->loop().runUntilComplete(server->waitClosed());
        }
        server.reset();
        serverTraces.reset();
    }

private Q_SLOTS:
    void nativeAfterBufferedWrites()
    {
        auto &loop = guard->loop();
        QTemporaryFile file;
        const QByteArray content = writeTempFile(file, 2 * 1024 * 1024 + 17);
        auto client_trace = connect();
        auto client = std::move(client_trace.first);
        auto trace = std::move(client_trace.second);
        auto peer = serverSide();
        // Data queued before sendfile() goes first: make sure some is still buffered.
        setIntOption(qaio::socketDescriptor(*client), SOL_SOCKET, SO_SNDBUF, 16 * 1024);
        const QByteArray head = patternBytes(1024 * 1024, 12);
        client->write(head);
        QVERIFY(client->writeBufferSize() > 0);
        QVERIFY(client->isReading());
        qaio::Task<qint64> sending = loop.createTask(sendfileOf(loop, client, &file, 0, std::nullopt, false));
        loop.runUntilComplete(yieldOnce());
        QVERIFY(!sending.done());
        // Meanwhile: reading paused, other writes refused (asyncio's empty waiter).
        QVERIFY(!client->isReading());
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, client->write("interleaved"));
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, client->writelines(QList<QByteArray>{"x"}));
        const qint64 sent = loop.runUntilComplete(qaio::Future<qint64>(sending));
        QCOMPARE(sent, qint64(content.size()));
        QCOMPARE(file.pos(), qint64(content.size()));
        QVERIFY(client->isReading()); // restored
        client->write("tail");
        client->close();
        runUntil(loop, [&] { return peer->lost == 1 && trace->lost == 1; });
        const QByteArray expected = head + content + "tail";
        QCOMPARE(peer->received.size(), expected.size());
        QVERIFY(peer->received == expected);
    }

    void offsetAndCount()
    {
        auto &loop = guard->loop();
        QTemporaryFile file;
        const QByteArray content = writeTempFile(file, 64 * 1024);
        auto client_trace = connect();
        auto client = std::move(client_trace.first);
        auto peer = serverSide();
        const qint64 sent = loop.runUntilComplete(loop.sendfile(*client, file, 100, 1000));
        QCOMPARE(sent, qint64(1000));
        QCOMPARE(file.pos(), qint64(1100));
        // A count past the end sends what there is.
        const qint64 rest = loop.runUntilComplete(loop.sendfile(*client, file, content.size() - 10, 1000));
        QCOMPARE(rest, qint64(10));
        client->close();
        runUntil(loop, [&] { return peer->lost == 1; });
        QVERIFY(peer->received == content.mid(100, 1000) + content.right(10));
    }

    void fallbackForFileWithoutDescriptor()
    {
        auto &loop = guard->loop();
        QFile resource(QStringLiteral(":/qaio-tests/transport-sendfile-payload"));
        QVERIFY(resource.open(QIODevice::ReadOnly));
        QCOMPARE(resource.handle(), -1);
        const QByteArray content = resource.readAll();
        QVERIFY(content.size() > 1000);
        auto client_trace = connect();
        auto client = std::move(client_trace.first);
        auto trace = std::move(client_trace.second);
        auto peer = serverSide();
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.runUntilComplete(loop.sendfile(*client, resource, 0, {}, false)));
        client->setWriteBufferLimits(512); // flow control inside the fallback, hidden from the protocol
        const qint64 sent = loop.runUntilComplete(loop.sendfile(*client, resource, 10));
        QCOMPARE(sent, qint64(content.size() - 10));
        QCOMPARE(resource.pos(), qint64(content.size()));
        QCOMPARE(trace->pauses, trace->resumes);
        QVERIFY(client->isReading());
        client->close();
        runUntil(loop, [&] { return peer->lost == 1; });
        QVERIFY(peer->received == content.mid(10));
    }

    void peerResetDuringSendfile()
    {
        auto &loop = guard->loop();
        QTemporaryFile file;
        writeTempFile(file, 16 * 1024 * 1024);
        auto client_trace = connect();
        auto client = std::move(client_trace.first);
        auto trace = std::move(client_trace.second);
        auto peer = serverSide();
        auto peerTransport = peer->transportPtr();
        peerTransport->pauseReading();
        setIntOption(qaio::socketDescriptor(*peerTransport), SOL_SOCKET, SO_RCVBUF, 16 * 1024);
        setIntOption(qaio::socketDescriptor(*client), SOL_SOCKET, SO_SNDBUF, 16 * 1024);
        qaio::Task<qint64> sending = loop.createTask(sendfileOf(loop, client, &file, 0, std::nullopt, true));
        loop.runUntilComplete(yieldOnce());
        QVERIFY(!sending.done()); // the kernel is full: waiting for writability
        const linger abortive{1, 0};
        ::setsockopt(int(qaio::socketDescriptor(*peerTransport)), SOL_SOCKET, SO_LINGER, &abortive, sizeof(abortive));
        peerTransport->abort();
        peerTransport.reset();
        QVERIFY_THROWS_EXCEPTION(qaio::ConnectionError, loop.runUntilComplete(qaio::Future<qint64>(sending)));
        runUntil(loop, [&] { return trace->lost == 1; });
        QVERIFY(holds<qaio::ConnectionError>(trace->lostError));
        QVERIFY(guard->handlerCalls().empty());
    }

    void argumentErrors()
    {
        auto &loop = guard->loop();
        QTemporaryFile file;
        writeTempFile(file, 100);
        auto client_trace = connect();
        auto client = std::move(client_trace.first);
        auto trace = std::move(client_trace.second);
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.runUntilComplete(loop.sendfile(*client, file, -1)));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.runUntilComplete(loop.sendfile(*client, file, 0, 0)));
        QFile closed;
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.runUntilComplete(loop.sendfile(*client, closed)));
        client->close();
        try {
            loop.runUntilComplete(loop.sendfile(*client, file));
            QFAIL("no exception");
        } catch (const qaio::RuntimeError &e) {
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("Transport is closing"));
        }
        runUntil(loop, [&] { return trace->lost == 1; });
    }
};

QTEST_GUILESS_MAIN(tst_TransportSendfile)
#include "tst_transportsendfile.moc"
