// Copyright (c) qaio authors. Licensed under the MIT license.
// TLS under faults: a handshake cancelled or cut by the server (nothing leaks, nothing is
// logged), a peer that never answers close_notify (the shutdown timeout cuts it), data
// the peer sends after our close_notify (still delivered), a record corrupted on the way
// (SslError to connectionLost(), no crash), and peers speaking something else than TLS
// in either direction. LoopGuard checks descriptors, tasks and the exception handler.
#include "looptestcase.h"
#include "testpki.h"
#include "../net/nettransport_helpers.h"

#include <qaio/tls/sslcontext.h>
#include <qaio/tls/sslerror.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using namespace nettest;
using namespace std::chrono_literals;

namespace {

using tlstest::clientContext;
using tlstest::serverContext;

quint16 portOf(const std::shared_ptr<qaio::Server> &server)
{
    return quint16(server->sockets().front().localAddress().port());
}

// Forwards what it receives to `peer` (a man in the middle), flipping one bit of the
// first chunk after `corruptNext` is set.
class ForwardProtocol : public TraceProtocol
{
public:
    using TraceProtocol::TraceProtocol;
    void dataReceived(QByteArrayView data) override
    {
        TraceProtocol::dataReceived(data);
        if (!peer || !*peer)
            return;
        QByteArray copy = data.toByteArray();
        if (corruptNext) {
            corruptNext = false;
            copy[copy.size() / 2] = char(copy[copy.size() / 2] ^ 0x10);
        }
        (*peer)->transport->write(copy);
    }
    void connectionLost(std::exception_ptr error) override
    {
        TraceProtocol::connectionLost(error);
        if (peer && *peer)
            (*peer)->transport->close();
    }
    std::shared_ptr<ForwardProtocol *> peer;
    bool corruptNext = false;
};

} // namespace

class tst_TlsFaults : public LoopTestCase
{
    Q_OBJECT

    QTemporaryDir m_dir;
    tlstest::Pki m_pki;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_pki = tlstest::makePki(m_dir.path());
    }

    // A plain server that never answers: cancelling the client's handshake closes its
    // socket and logs nothing; the server aborting a connection in its handshake ends the
    // client's with ConnectionResetError.
    void handshakeCancelledOrCut()
    {
        qaio::EventLoop &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto silent = loop.runUntilComplete(
            loop.createServer(recordingFactory(traces), {QStringLiteral("127.0.0.1")}, 0));
        auto trace = std::make_shared<Trace>();
        auto connecting = loop.createTask(loop.createConnection([trace] { return std::make_unique<TraceProtocol>(trace); },
                                                                QStringLiteral("localhost"), portOf(silent),
                                                                {.ssl = clientContext(m_pki)}));
        runUntil(loop, [&] { return traces->size() == 1 && traces->front()->received.size() > 0; }); // ClientHello
        connecting.cancel();
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(connecting));
        runUntil(loop, [&] { return traces->front()->lost == 1; });
        QVERIFY(trace->events.isEmpty());

        auto second = loop.createTask(loop.createConnection([trace] { return std::make_unique<TraceProtocol>(trace); },
                                                            QStringLiteral("localhost"), portOf(silent),
                                                            {.ssl = clientContext(m_pki)}));
        runUntil(loop, [&] { return traces->size() == 2 && traces->back()->received.size() > 0; });
        silent->abortClients();
        QCOMPARE(expectThrow<qaio::ConnectionResetError>(loop, std::move(second)),
                 QStringLiteral("Connection lost during SSL handshake: Connection reset by peer [errno 104]"));
        QVERIFY(trace->events.isEmpty());
        silent->close();
        loop.runUntilComplete(silent->waitClosed());
    }

    // The server's application stops reading, so its TLS layer never sees our
    // close_notify: the shutdown timeout cuts the connection and says so.
    void peerNeverAnswersCloseNotify()
    {
        qaio::EventLoop &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(
            recordingFactory<TraceProtocol>(traces, [](TraceProtocol &p) { p.onMade = [](TraceProtocol &self) {
                self.transport->pauseReading();
            }; }),
            {QStringLiteral("127.0.0.1")}, 0, {.ssl = serverContext(m_pki)}));
        auto trace = std::make_shared<Trace>();
        auto connection = loop.runUntilComplete(loop.createConnection(
            [trace] { return std::make_unique<TraceProtocol>(trace); }, QStringLiteral("localhost"), portOf(server),
            {.ssl = clientContext(m_pki), .sslShutdownTimeout = 50ms}));
        runUntil(loop, [&] { return traces->size() == 1 && traces->front()->made == 1; });
        QTest::ignoreMessage(QtWarningMsg, "SSL shutdown timed out: the peer did not answer close_notify");
        connection.transport->close();
        runUntil(loop, [&] { return trace->lost == 1; });
        QCOMPARE(trace->compact(), (QStringList{QStringLiteral("made"), QStringLiteral("lost")}));
        // The server's connection waits for its application, which finds our close_notify
        // once it reads again.
        traces->front()->transportPtr()->resumeReading();
        runUntil(loop, [&] { return traces->front()->lost == 1; });
        QCOMPARE(traces->front()->compact(), (QStringList{QStringLiteral("made"), QStringLiteral("eof"), QStringLiteral("lost")}));
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    // We close right after a request; the server answers it and then closes: the answer
    // still reaches us (TLS 1.3 lets each side close on its own).
    void dataAfterOurCloseIsDelivered()
    {
        qaio::EventLoop &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(
            recordingFactory<TraceProtocol>(traces, [](TraceProtocol &p) {
                p.onData = [](TraceProtocol &self, QByteArrayView) { self.transport->write("the answer"); };
            }),
            {QStringLiteral("127.0.0.1")}, 0, {.ssl = serverContext(m_pki)}));
        auto trace = std::make_shared<Trace>();
        auto connection = loop.runUntilComplete(loop.createConnection(
            [trace] { return std::make_unique<TraceProtocol>(trace); }, QStringLiteral("localhost"), portOf(server),
            {.ssl = clientContext(m_pki)}));
        connection.transport->write("the question");
        connection.transport->close();
        runUntil(loop, [&] { return trace->lost == 1 && traces->size() == 1 && traces->front()->lost == 1; });
        QCOMPARE(trace->received, QByteArray("the answer"));
        QVERIFY(!trace->lostError);
        QCOMPARE(traces->front()->received, QByteArray("the question"));
        QCOMPARE(traces->front()->compact(), (QStringList{QStringLiteral("made"), QStringLiteral("data"),
                                                          QStringLiteral("eof"), QStringLiteral("lost")}));
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    // client TLS <-> forwarder <-> forwarder <-> server TLS over two socket pairs; one bit
    // of a server record flips on the way: the client's TLS layer ends the connection
    // with an SslError its protocol's connectionLost() gets.
    void corruptedRecord()
    {
        qaio::EventLoop &loop = guard->loop();
        auto [clientSide, proxyA] = qaio::Socket::pair();
        auto [proxyB, serverSide] = qaio::Socket::pair();
        auto toClient = std::make_shared<ForwardProtocol *>(nullptr);
        auto toServer = std::make_shared<ForwardProtocol *>(nullptr);
        qaio::ConnectionOptions a;
        a.sock = std::move(proxyA);
        auto legA = loop.runUntilComplete(loop.createConnection([&] {
            auto p = std::make_unique<ForwardProtocol>();
            *toClient = p.get();
            p->peer = toServer;
            return p;
        }, std::move(a)));
        qaio::ConnectionOptions b;
        b.sock = std::move(proxyB);
        auto legB = loop.runUntilComplete(loop.createConnection([&] {
            auto p = std::make_unique<ForwardProtocol>();
            *toServer = p.get();
            p->peer = toClient;
            return p;
        }, std::move(b)));
        auto serverTrace = std::make_shared<Trace>();
        auto accepting = loop.createTask(loop.connectAcceptedSocket(
            [serverTrace] { return std::make_unique<TraceProtocol>(serverTrace); }, std::move(serverSide),
            {.ssl = serverContext(m_pki)}));
        qaio::ConnectionOptions options;
        options.sock = std::move(clientSide);
        options.ssl = clientContext(m_pki);
        options.serverHostname = QStringLiteral("localhost");
        auto clientTrace = std::make_shared<Trace>();
        auto client = loop.runUntilComplete(
            loop.createConnection([clientTrace] { return std::make_unique<TraceProtocol>(clientTrace); }, std::move(options)));
        auto server = loop.runUntilComplete(std::move(accepting));
        server.transport->write("intact");
        runUntil(loop, [&] { return clientTrace->received == "intact"; });
        // The record after this is corrupted on its way from the server (legB) to the client.
        legB.protocol->corruptNext = true;
        server.transport->write("this record is corrupted on the way");
        runUntil(loop, [&] { return clientTrace->lost == 1; });
        QCOMPARE(clientTrace->received, QByteArray("intact"));
        QVERIFY(qaio::holds<qaio::SslError>(clientTrace->lostError));
        runUntil(loop, [&] { return serverTrace->lost == 1 && legA.protocol->trace->lost == 1 && legB.protocol->trace->lost == 1; });
    }

    // Plain text to a TLS server: the handshake fails (logged in debug mode only), the
    // connection closes, the server's protocol never hears of it and it serves on. Plain
    // text to a TLS client: SslError from createConnection().
    void notTlsAtAll()
    {
        qaio::EventLoop &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory(traces), {QStringLiteral("127.0.0.1")}, 0,
                                                              {.ssl = serverContext(m_pki)}));
        auto plain = std::make_shared<Trace>();
        auto connection = loop.runUntilComplete(loop.createConnection(
            [plain] { return std::make_unique<TraceProtocol>(plain); }, QStringLiteral("127.0.0.1"), portOf(server)));
        connection.transport->write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        runUntil(loop, [&] { return plain->lost == 1; });
        QVERIFY(!plain->received.startsWith("HTTP"));
        runUntil(loop, [&] { return traces->size() == 1 && traces->front()->protocolDestroyed; });
        QVERIFY(traces->front()->events.isEmpty());

        TraceList garbage = makeTraceList();
        auto talker = loop.runUntilComplete(loop.createServer(
            recordingFactory<TraceProtocol>(garbage, [](TraceProtocol &p) {
                p.onData = [](TraceProtocol &self, QByteArrayView) {
                    self.transport->write("HTTP/1.1 400 Bad Request\r\n\r\nthis is not TLS\r\n");
                };
            }),
            {QStringLiteral("127.0.0.1")}, 0));
        QVERIFY(expectThrow<qaio::SslError>(loop, loop.createConnection([] { return std::make_unique<TraceProtocol>(); },
                                                                          QStringLiteral("localhost"), portOf(talker),
                                                                          {.ssl = clientContext(m_pki)}))
                    .contains(QStringLiteral("wrong version number")));
        runUntil(loop, [&] { return garbage->size() == 1 && garbage->front()->lost == 1; });
        talker->close();
        loop.runUntilComplete(talker->waitClosed());
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }
};

QTEST_GUILESS_MAIN(tst_TlsFaults)
#include "tst_tlsfaults.moc"
