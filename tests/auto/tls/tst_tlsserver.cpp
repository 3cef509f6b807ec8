// Copyright (c) qaio authors. Licensed under the MIT license.
// TLS servers and the other connection kinds (asyncio's create_server(ssl=...),
// create_unix_server/connection, connect_accepted_socket): qaio's server against Qt's
// QSslSocket as the client (an implementation we did not write), mutual TLS and a client
// certificate demanded and not given, TLS 1.2 and 1.3; qaio against itself over Unix
// sockets and an accepted socket pair; and flow control: 10 MiB to a reader that does
// not read keeps both ends' buffers bounded, in each direction.
#include "looptestcase.h"
#include "testpki.h"
#include "../net/nettransport_helpers.h"

#include <qaio/streams/streams.h>
#include <qaio/tls/detail/sslprotocol_p.h>
#include <qaio/tls/sslcontext.h>
#include <qaio/tls/sslerror.h>

#include <QtCore/QTemporaryDir>
#include <QtCore/QTemporaryFile>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslSocket>
#include <QtTest/QtTest>

#include <openssl/ssl.h>

#include <sys/socket.h>

using namespace nettest;
using namespace std::chrono_literals;

namespace {

using tlstest::clientContext;
using tlstest::serverContext;

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

quint16 portOf(const std::shared_ptr<qaio::Server> &server)
{
    return quint16(server->sockets().front().localAddress().port());
}

// A QSslSocket client trusting the test CA; counts what happens to it.
struct QtClient
{
    QSslSocket socket;
    QByteArray received;
    bool encrypted = false;
    bool disconnected = false;
    QList<QAbstractSocket::SocketError> errors;

    QtClient(const tlstest::Pki &pki, bool withClientCertificate = false,
             QSsl::SslProtocol protocol = QSsl::SecureProtocols)
    {
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setCaCertificates(QSslCertificate::fromPath(pki.caCert));
        config.setProtocol(protocol);
        if (withClientCertificate) {
            config.setLocalCertificate(QSslCertificate::fromPath(pki.clientCert).front());
            config.setPrivateKey(QSslKey(readAll(pki.clientKey), QSsl::Ec));
        }
        socket.setSslConfiguration(config);
        QObject::connect(&socket, &QSslSocket::encrypted, &socket, [this] {
            encrypted = true;
            poke();
        });
        QObject::connect(&socket, &QSslSocket::readyRead, &socket, [this] {
            received += socket.readAll();
            poke();
        });
        QObject::connect(&socket, &QSslSocket::disconnected, &socket, [this] {
            disconnected = true;
            poke();
        });
        QObject::connect(&socket, &QSslSocket::errorOccurred, &socket, [this](QAbstractSocket::SocketError e) {
            errors << e;
            poke();
        });
    }
};

// Writes `total` bytes of patternBytes() in 64 KiB pieces, only while not paused, as a
// well-behaved protocol does; or pauses its own reading from the start and records what
// it gets.
class FlowProtocol : public TraceProtocol
{
public:
    using TraceProtocol::TraceProtocol;

    void connectionMade(qaio::BaseTransport &t) override
    {
        TraceProtocol::connectionMade(t);
        if (slowReader)
            transport->pauseReading();
        pump();
    }
    void resumeWriting() override
    {
        TraceProtocol::resumeWriting();
        paused = false;
        pump();
    }
    void pauseWriting() override
    {
        TraceProtocol::pauseWriting();
        paused = true;
        maxBuffered = std::max(maxBuffered, transport->writeBufferSize());
    }
    void pump()
    {
        while (!paused && written < total) {
            const qsizetype n = std::min<qsizetype>(64 * 1024, total - written);
            transport->write(pattern.mid(written, n));
            written += n;
        }
        poke();
    }

    QByteArray pattern;
    qsizetype total = 0;
    qsizetype written = 0;
    qsizetype maxBuffered = 0;
    bool paused = false;
    bool slowReader = false;
};

void setSmallBuffers(qaio::Socket &sock)
{
    // Small kernel buffers, so that what the TLS layer holds is what shows.
    sock.setOption(SOL_SOCKET, SO_SNDBUF, 64 * 1024);
    sock.setOption(SOL_SOCKET, SO_RCVBUF, 64 * 1024);
}

// Runs the loop until \a pred() holds, checking once per loop iteration: for states no
// protocol callback announces (a TLS layer that stopped reading its socket).
template <class Pred>
void runUntilEachIteration(qaio::EventLoop &loop, Pred pred)
{
    qaio::Future<void> reached = loop.createFuture<void>();
    std::function<void()> check;
    check = [&] {
        if (pred())
            reached.setResult();
        else
            loop.callSoon(check);
    };
    check();
    loop.runUntilComplete(reached);
}

} // namespace

class tst_TlsServer : public LoopTestCase
{
    Q_OBJECT

    QTemporaryDir m_dir;
    tlstest::Pki m_pki;

private Q_SLOTS:
    void initTestCase()
    {
        if (!QSslSocket::supportsSsl())
            QSKIP("Qt has no TLS backend here");
        QVERIFY(m_dir.isValid());
        m_pki = tlstest::makePki(m_dir.path());
    }

    void echoToQSslSocket_data()
    {
        QTest::addColumn<int>("protocol");
        QTest::addColumn<QString>("version");
        QTest::newRow("TLS 1.2") << int(QSsl::TlsV1_2) << QStringLiteral("TLSv1.2");
        QTest::newRow("TLS 1.3") << int(QSsl::TlsV1_3) << QStringLiteral("TLSv1.3");
    }

    void echoToQSslSocket()
    {
        QFETCH(int, protocol);
        QFETCH(QString, version);
        qaio::EventLoop &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<EchoProtocol>(traces),
                                                              {QStringLiteral("127.0.0.1")}, 0,
                                                              {.ssl = serverContext(m_pki)}));
        QtClient client(m_pki, false, QSsl::SslProtocol(protocol));
        client.socket.connectToHostEncrypted(QStringLiteral("localhost"), portOf(server));
        runUntil(loop, [&] { return client.encrypted || !client.errors.isEmpty(); });
        QVERIFY2(client.errors.isEmpty(), qPrintable(client.socket.errorString()));
        const QByteArray message = patternBytes(300 * 1024);
        client.socket.write(message);
        runUntil(loop, [&] { return client.received.size() >= message.size(); });
        QCOMPARE(client.received, message);
        QCOMPARE(traces->size(), std::size_t(1));
        const std::shared_ptr<Trace> trace = traces->front();
        auto transport = trace->transportPtr();
        QCOMPARE(transport->extraInfo(QStringLiteral("version")).toString(), version);
        QVERIFY(!transport->extraInfo(QStringLiteral("cipher")).toString().isEmpty());
        QVERIFY(!transport->extraInfo(QStringLiteral("peercert")).isValid()); // none asked for
        QVERIFY(transport->extraInfo(QStringLiteral("peername")).isValid());   // the socket's keys too
        // Qt closes with close_notify: the server's protocol sees its end of data.
        client.socket.disconnectFromHost();
        runUntil(loop, [&] { return trace->lost == 1 && client.disconnected; });
        QCOMPARE(trace->compact(), (QStringList{QStringLiteral("made"), QStringLiteral("data"), QStringLiteral("eof"),
                                                QStringLiteral("lost")}));
        QVERIFY(!trace->lostError);
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    void mutualTls()
    {
        qaio::EventLoop &loop = guard->loop();
        auto context = serverContext(m_pki);
        context->loadVerifyLocations(m_pki.caCert);
        context->setVerifyMode(qaio::SslVerifyMode::Required);
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<EchoProtocol>(traces),
                                                              {QStringLiteral("127.0.0.1")}, 0, {.ssl = context}));
        {
            QtClient client(m_pki, true);
            client.socket.connectToHostEncrypted(QStringLiteral("localhost"), portOf(server));
            client.socket.write("who am I?");
            runUntil(loop, [&] { return client.received.size() >= 9 || !client.errors.isEmpty(); });
            QCOMPARE(client.received, QByteArray("who am I?"));
            auto transport = traces->front()->transportPtr();
            const auto peer = transport->extraInfo(QStringLiteral("peercert")).value<QSslCertificate>();
            QCOMPARE(peer.subjectInfo(QSslCertificate::CommonName), QStringList{QStringLiteral("qaio test client")});
            const auto chain = transport->extraInfo(QStringLiteral("peercert_chain")).value<QList<QSslCertificate>>();
            QVERIFY(!chain.isEmpty());
            client.socket.disconnectFromHost();
            runUntil(loop, [&] { return traces->front()->lost == 1; });
        }
        {
            // No client certificate: the handshake fails on both sides; the server's
            // protocol never hears of it, and the server goes on serving.
            QtClient client(m_pki, false);
            client.socket.connectToHostEncrypted(QStringLiteral("localhost"), portOf(server));
            client.socket.write("anyone?");
            runUntil(loop, [&] { return client.disconnected || !client.errors.isEmpty(); });
            QVERIFY(client.received.isEmpty());
            runUntil(loop, [&] { return traces->size() == 2 && traces->back()->protocolDestroyed; });
            QVERIFY(traces->back()->events.isEmpty());
        }
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    void unixAndAcceptedSockets()
    {
        qaio::EventLoop &loop = guard->loop();
        TraceList traces = makeTraceList();
        const QString path = m_dir.filePath(QStringLiteral("tls.sock"));
        auto server = loop.runUntilComplete(
            loop.createUnixServer(recordingFactory<EchoProtocol>(traces), path, {.ssl = serverContext(m_pki)}));
        auto trace = std::make_shared<Trace>();
        auto factory = [trace] { return std::make_unique<TraceProtocol>(trace); };
        // A Unix socket has no host: without serverHostname a checking client refuses.
        QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.createUnixConnection(factory, path, {.ssl = clientContext(m_pki)})),
                 QStringLiteral("you have to pass serverHostname when using ssl"));
        auto connection = loop.runUntilComplete(loop.createUnixConnection(
            factory, path, {.ssl = clientContext(m_pki), .serverHostname = QStringLiteral("localhost")}));
        connection.transport->write("over a Unix socket");
        runUntil(loop, [&] { return trace->received.size() >= 18; });
        QCOMPARE(trace->received, QByteArray("over a Unix socket"));
        connection.transport->close();
        runUntil(loop, [&] { return trace->lost == 1 && traces->front()->lost == 1; });
        QVERIFY(!trace->lostError);
        server->close();
        loop.runUntilComplete(server->waitClosed());

        // connectAcceptedSocket(ssl): the server side of a socket accepted elsewhere.
        auto [left, right] = qaio::Socket::pair();
        auto serverTrace = std::make_shared<Trace>();
        auto accepting = loop.createTask(loop.connectAcceptedSocket(
            [serverTrace] { return std::make_unique<EchoProtocol>(serverTrace); }, std::move(right),
            {.ssl = serverContext(m_pki)}));
        qaio::ConnectionOptions options;
        options.sock = std::move(left);
        options.ssl = clientContext(m_pki);
        options.serverHostname = QStringLiteral("localhost");
        auto clientTrace = std::make_shared<Trace>();
        auto client = loop.runUntilComplete(
            loop.createConnection([clientTrace] { return std::make_unique<TraceProtocol>(clientTrace); }, std::move(options)));
        auto accepted = loop.runUntilComplete(std::move(accepting));
        QVERIFY(accepted.transport);
        client.transport->write("accepted elsewhere");
        runUntil(loop, [&] { return clientTrace->received.size() >= 18; });
        QCOMPARE(clientTrace->received, QByteArray("accepted elsewhere"));
        accepted.transport->close(); // the server side closes first this time
        runUntil(loop, [&] { return clientTrace->lost == 1 && serverTrace->lost == 1; });
        QCOMPARE(clientTrace->compact(), (QStringList{QStringLiteral("made"), QStringLiteral("data"),
                                                      QStringLiteral("eof"), QStringLiteral("lost")}));
    }

    void bufferedProtocol()
    {
        qaio::EventLoop &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<EchoProtocol>(traces),
                                                              {QStringLiteral("127.0.0.1")}, 0,
                                                              {.ssl = serverContext(m_pki)}));
        auto trace = std::make_shared<Trace>();
        auto client = loop.runUntilComplete(loop.createConnection(
            [trace] { return std::make_unique<SmallBufferProtocol>(trace); }, QStringLiteral("localhost"),
            portOf(server), {.ssl = clientContext(m_pki)}));
        QVERIFY(client.protocol);
        // The client lends 7 bytes at a time: each record takes many reads.
        const QByteArray message = patternBytes(200 * 1024 + 3);
        client.transport->write(message);
        runUntil(loop, [&] { return trace->received.size() >= message.size(); });
        QVERIFY(trace->received == message);
        client.transport->close();
        runUntil(loop, [&] { return trace->lost == 1 && traces->front()->lost == 1; });
        QVERIFY(!trace->lostError);
        QCOMPARE(trace->compact(), (QStringList{QStringLiteral("made"), QStringLiteral("data"), QStringLiteral("lost")}));
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    // A client context offers the session of its last connection to the same name: the
    // second connection resumes (TLS 1.3 ticket, TLS 1.2 session), unless turned off.
    void sessionResumption_data()
    {
        QTest::addColumn<int>("maxVersion");
        QTest::newRow("TLS 1.2") << int(qaio::TlsVersion::TlsV1_2);
        QTest::newRow("TLS 1.3") << int(qaio::TlsVersion::TlsV1_3);
    }

    void sessionResumption()
    {
        QFETCH(int, maxVersion);
        qaio::EventLoop &loop = guard->loop();
        auto context = serverContext(m_pki);
        context->setMaximumVersion(qaio::TlsVersion(maxVersion));
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<EchoProtocol>(traces),
                                                              {QStringLiteral("127.0.0.1")}, 0, {.ssl = context}));
        auto connectOnce = [&](const std::shared_ptr<qaio::SslContext> &client) {
            auto trace = std::make_shared<Trace>();
            auto connection = loop.runUntilComplete(loop.createConnection(
                [trace] { return std::make_unique<TraceProtocol>(trace); }, QStringLiteral("localhost"), portOf(server),
                {.ssl = client}));
            // A round trip: TLS 1.3 tickets come after the handshake.
            connection.transport->write("x");
            runUntil(loop, [&] { return trace->received == "x"; });
            const bool reused = connection.transport->extraInfo(QStringLiteral("session_reused")).toBool();
            connection.transport->close();
            runUntil(loop, [&] { return trace->lost == 1; });
            return reused;
        };
        auto client = clientContext(m_pki);
        QVERIFY(client->sessionResumption());
        QVERIFY(!connectOnce(client));
        QVERIFY(connectOnce(client));
        QVERIFY(connectOnce(client)); // the resumed connection brought a fresh ticket
        client->setSessionResumption(false);
        QVERIFY(!connectOnce(client));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, context->setSessionResumption(true));
        runUntil(loop, [&] { return traces->size() == 4 && traces->back()->lost == 1; });
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    // TLS 1.3 post-handshake authentication: the server asks for the client's certificate
    // after the handshake (Python's verify_client_post_handshake() on the SSL object).
    void postHandshakeAuth()
    {
        qaio::EventLoop &loop = guard->loop();
        auto context = serverContext(m_pki);
        context->loadVerifyLocations(m_pki.caCert);
        context->setVerifyMode(qaio::SslVerifyMode::Required);
        context->setPostHandshakeAuth(true);
        QVERIFY(context->postHandshakeAuth());
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<TraceProtocol>(traces),
                                                              {QStringLiteral("127.0.0.1")}, 0, {.ssl = context}));
        auto client = clientContext(m_pki);
        client->loadCertChain(m_pki.clientCert, m_pki.clientKey);
        client->setPostHandshakeAuth(true);
        auto trace = std::make_shared<Trace>();
        auto connection = loop.runUntilComplete(loop.createConnection(
            [trace] {
                auto protocol = std::make_unique<TraceProtocol>(trace);
                protocol->onData = [](TraceProtocol &self, QByteArrayView) { self.transport->write("me"); };
                return protocol;
            },
            QStringLiteral("localhost"), portOf(server), {.ssl = client}));
        runUntil(loop, [&] { return traces->size() == 1 && traces->front()->made == 1; });
        auto accepted = traces->front()->transportPtr();
        QVERIFY(!accepted->extraInfo(QStringLiteral("peercert")).isValid()); // not asked in the handshake
        auto *ssl = static_cast<SSL *>(accepted->extraInfo(QStringLiteral("ssl_object")).value<void *>());
        QVERIFY(ssl);
        QCOMPARE(SSL_verify_client_post_handshake(ssl), 1);
        accepted->write("who are you?"); // the request leaves with it
        runUntil(loop, [&] { return traces->front()->received == "me"; });
        const auto peer = accepted->extraInfo(QStringLiteral("peercert")).value<QSslCertificate>();
        QCOMPARE(peer.subjectInfo(QSslCertificate::CommonName), QStringList{QStringLiteral("qaio test client")});
        connection.transport->close();
        runUntil(loop, [&] { return trace->lost == 1 && traces->front()->lost == 1; });
        QVERIFY(!trace->lostError);
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    // openConnection(ssl) and startServer(ssl): lines over TLS; the server's end of data
    // (close_notify) is the reader's EOF.
    void streamsOverTls()
    {
        qaio::EventLoop &loop = guard->loop();
        auto handled = std::make_shared<int>(0);
        auto handler = [handled](std::shared_ptr<qaio::StreamReader> reader,
                                 std::shared_ptr<qaio::StreamWriter> writer) -> qaio::Coro<void> {
            const QByteArray line = co_await reader->readline();
            writer->write(line.toUpper());
            writer->close();
            co_await writer->waitClosed();
            ++*handled;
            poke();
        };
        auto starting = qaio::startServer(handler, QStringLiteral("127.0.0.1"), 0, {.ssl = serverContext(m_pki)});
        auto server = loop.runUntilComplete(std::move(starting));
        auto opening = qaio::openConnection(QStringLiteral("localhost"), portOf(server), {.ssl = clientContext(m_pki)});
        auto [reader, writer] = loop.runUntilComplete(std::move(opening));
        QCOMPARE(writer->extraInfo(QStringLiteral("version")).toString(), QStringLiteral("TLSv1.3"));
        writer->write("lines over tls\n");
        QCOMPARE(loop.runUntilComplete(reader->readline()), QByteArray("LINES OVER TLS\n"));
        QCOMPARE(loop.runUntilComplete(reader->read()), QByteArray()); // EOF
        QVERIFY(reader->atEof());
        writer->close();
        loop.runUntilComplete(writer->waitClosed());
        runUntil(loop, [&] { return *handled == 1; });
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    // loop.sendfile() over TLS: no zero-copy around the encryption, so the file is read,
    // encrypted and written with flow control (a slow start: the client reads only later);
    // fallback = false is refused as asyncio does.
    void sendfileFallsBack()
    {
        qaio::EventLoop &loop = guard->loop();
        QTemporaryFile file;
        QVERIFY(file.open());
        const QByteArray content = patternBytes(3 * 1024 * 1024 + 17);
        QCOMPARE(file.write(content), content.size());
        QVERIFY(file.flush());
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<TraceProtocol>(traces),
                                                              {QStringLiteral("127.0.0.1")}, 0,
                                                              {.ssl = serverContext(m_pki)}));
        auto trace = std::make_shared<Trace>();
        auto client = loop.runUntilComplete(loop.createConnection(
            [trace] { return std::make_unique<TraceProtocol>(trace); }, QStringLiteral("localhost"), portOf(server),
            {.ssl = clientContext(m_pki)}));
        runUntil(loop, [&] { return traces->size() == 1 && traces->front()->made == 1; });
        auto transport = traces->front()->transportPtr();
        QCOMPARE(expectThrow<qaio::RuntimeError>(loop, loop.sendfile(*transport, file, 0, std::nullopt, false)),
                 QStringLiteral("fallback is disabled and native sendfile is not supported for this transport"));
        client.transport->pauseReading();
        auto sending = loop.createTask(loop.sendfile(*transport, file, 10));
        runUntil(loop, [&] { return trace->made == 1; });
        client.transport->resumeReading();
        QCOMPARE(loop.runUntilComplete(std::move(sending)), qint64(content.size() - 10));
        QCOMPARE(file.pos(), qint64(content.size()));
        runUntil(loop, [&] { return trace->received.size() >= content.size() - 10; });
        QVERIFY(trace->received == content.mid(10));
        // The protocol heard nothing of the flow control the file went through.
        QCOMPARE(traces->front()->pauses, traces->front()->resumes);
        client.transport->close();
        runUntil(loop, [&] { return trace->lost == 1 && traces->front()->lost == 1; });
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    void slowReaderStaysBounded_data()
    {
        QTest::addColumn<bool>("serverWrites");
        QTest::newRow("server writes, client reads slowly") << true;
        QTest::newRow("client writes, server reads slowly") << false;
    }

    // 10 MiB towards a peer whose application paused reading: the writer's TLS transport
    // pauses it near its high-water mark, the reader's stops reading the socket once
    // 256 KiB of records wait; then the reader resumes and every byte arrives in order.
    void slowReaderStaysBounded()
    {
        QFETCH(bool, serverWrites);
        qaio::EventLoop &loop = guard->loop();
        constexpr qsizetype kTotal = 10 * 1024 * 1024;
        const QByteArray pattern = patternBytes(kTotal);
        auto serverTrace = std::make_shared<Trace>();
        FlowProtocol *serverProtocol = nullptr;
        auto serverFactory = [&] {
            auto protocol = std::make_unique<FlowProtocol>(serverTrace);
            protocol->slowReader = !serverWrites;
            if (serverWrites) {
                protocol->pattern = pattern;
                protocol->total = kTotal;
            }
            serverProtocol = protocol.get();
            return protocol;
        };
        qaio::Socket listener(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
        setSmallBuffers(listener); // accepted sockets inherit them
        listener.bind({QHostAddress::LocalHost, 0});
        auto server = loop.runUntilComplete(loop.createServer(serverFactory, {.ssl = serverContext(m_pki),
                                                                              .sock = std::move(listener)}));
        qaio::Socket sock(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
        setSmallBuffers(sock);
        loop.runUntilComplete(loop.sockConnect(sock, server->sockets().front().localAddress()));
        auto clientTrace = std::make_shared<Trace>();
        FlowProtocol *clientProtocol = nullptr;
        auto clientFactory = [&] {
            auto protocol = std::make_unique<FlowProtocol>(clientTrace);
            protocol->slowReader = serverWrites;
            if (!serverWrites) {
                protocol->pattern = pattern;
                protocol->total = kTotal;
            }
            clientProtocol = protocol.get();
            return protocol;
        };
        qaio::ConnectionOptions options;
        options.sock = std::move(sock);
        options.ssl = clientContext(m_pki);
        options.serverHostname = QStringLiteral("localhost");
        auto client = loop.runUntilComplete(loop.createConnection(clientFactory, std::move(options)));
        runUntil(loop, [&] { return serverProtocol && serverTrace->made == 1; });

        FlowProtocol *writer = serverWrites ? serverProtocol : clientProtocol;
        FlowProtocol *reader = serverWrites ? clientProtocol : serverProtocol;
        auto *readerTls = dynamic_cast<qaio::detail::SslTransport *>(reader->transport);
        QVERIFY(readerTls);
        // The reader's TLS layer fills to its mark and stops reading the socket; the
        // writer, its buffer over the mark, is paused.
        runUntilEachIteration(loop, [&] {
            return readerTls->readBufferSize() >= qaio::detail::kTlsReadHighWater && writer->paused;
        });
        QVERIFY(!dynamic_cast<qaio::Transport &>(*readerTls->plainTransport()).isReading());
        QVERIFY(readerTls->readBufferSize() <= qaio::detail::kTlsReadHighWater + 256 * 1024); // + one socket read
        QVERIFY(writer->written < kTotal);
        QVERIFY(writer->maxBuffered <= qaio::detail::kTlsWriteHighWater + 80 * 1024);
        QVERIFY(reader->trace->received.isEmpty());

        reader->transport->resumeReading();
        runUntil(loop, [&] { return reader->trace->received.size() >= kTotal; });
        QVERIFY(reader->trace->received == pattern);
        QVERIFY(writer->trace->pauses >= 1 && writer->trace->resumes >= 1);
        QVERIFY(writer->maxBuffered <= qaio::detail::kTlsWriteHighWater + 80 * 1024);
        client.transport->close();
        runUntil(loop, [&] { return clientTrace->lost == 1 && serverTrace->lost == 1; });
        QVERIFY(!clientTrace->lostError);
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }
};

QTEST_GUILESS_MAIN(tst_TlsServer)
#include "tst_tlsserver.moc"
