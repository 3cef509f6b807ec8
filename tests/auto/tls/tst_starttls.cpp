// Copyright (c) qaio authors. Licensed under the MIT license.
// Upgrading a plain connection to TLS (asyncio's loop.start_tls() and
// StreamWriter.start_tls()), STARTTLS style: a line in the clear, then the handshake on
// the same connection. qaio on both sides through the streams API (the server side from a
// startServer() handler), Python's ssl module as the client (an implementation we did not
// write), a verification failure that closes the connection and tells the protocol, and
// the refused calls.
#include "looptestcase.h"
#include "testpki.h"
#include "../net/nettransport_helpers.h"

#include <qaio/streams/streams.h>
#include <qaio/tls/sslcontext.h>
#include <qaio/tls/sslerror.h>

#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using namespace nettest;
using namespace std::chrono_literals;

namespace {

using ReaderPtr = std::shared_ptr<qaio::StreamReader>;
using WriterPtr = std::shared_ptr<qaio::StreamWriter>;

std::shared_ptr<qaio::SslContext> serverContext(const QString &cert, const QString &key)
{
    auto context = std::make_shared<qaio::SslContext>(qaio::SslRole::Server);
    context->loadCertChain(cert, key);
    return context;
}

using tlstest::clientContext;

// What the server's handler saw (QVERIFY cannot run inside a coroutine: docs/toolchains.md).
struct ServerLog
{
    QByteArray command;
    QByteArray afterUpgrade;
    QString version;
    QString error;
    bool done = false;
};

// "STARTTLS" in the clear, "GO", the server side of the handshake, then one line echoed
// in upper case over TLS.
auto startTlsHandler(std::shared_ptr<qaio::SslContext> context, std::shared_ptr<ServerLog> log)
{
    return [context, log](ReaderPtr reader, WriterPtr writer) -> qaio::Coro<void> {
        try {
            log->command = co_await reader->readline();
            writer->write("GO\r\n");
            co_await writer->startTls(context);
            log->version = writer->extraInfo(QStringLiteral("version")).toString();
            log->afterUpgrade = co_await reader->readline();
            writer->write(log->afterUpgrade.toUpper());
            co_await writer->drain();
        } catch (const std::exception &e) {
            log->error = QString::fromUtf8(e.what());
        }
        writer->close();
        try {
            co_await writer->waitClosed();
        } catch (...) {
        }
        log->done = true;
        poke();
    };
}

struct ClientLog
{
    QByteArray go;
    QByteArray reply;
    QString version;
    bool plainBefore = false;
};

// The client's side: "STARTTLS" over a plain connection (or, with `outer`, over TLS
// already: TLS in TLS), then a line over the upgraded connection.
QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<void> startTlsClient(quint16 port, std::shared_ptr<qaio::SslContext> context,
                                                               std::shared_ptr<ClientLog> log,
                                                               std::shared_ptr<qaio::SslContext> outer = nullptr)
{
    qaio::ConnectionOptions options;
    if (outer) {
        options.ssl = outer;
        options.serverHostname = QStringLiteral("localhost");
    }
    auto opening = qaio::openConnection(QStringLiteral("127.0.0.1"), port, std::move(options));
    auto [reader, writer] = co_await std::move(opening);
    log->plainBefore = !writer->extraInfo(QStringLiteral("version")).isValid();
    writer->write("STARTTLS\r\n");
    log->go = co_await reader->readline();
    co_await writer->startTls(context, QStringLiteral("localhost"));
    log->version = writer->extraInfo(QStringLiteral("version")).toString();
    writer->write("hello over tls\n");
    log->reply = co_await reader->readline();
    const QByteArray end = co_await reader->read();
    Q_UNUSED(end); // the server's close_notify
    writer->close();
    co_await writer->waitClosed();
}

// Python's ssl module as the STARTTLS client.
const char kPythonClient[] = R"(
import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
sock = socket.create_connection(("127.0.0.1", port))
sock.sendall(b"STARTTLS\r\n")
go = b""
while not go.endswith(b"\n"):
    go += sock.recv(1)
tls = ssl.create_default_context(cafile=ca).wrap_socket(sock, server_hostname="localhost")
tls.sendall(b"hello from python\n")
reply = b""
while not reply.endswith(b"\n"):
    chunk = tls.recv(4096)
    if not chunk:
        break
    reply += chunk
print(go.decode().strip(), reply.decode().strip(), tls.version())
tls.close()
)";

QString python3()
{
    // Debian's interpreter (the first python3 on PATH may be another).
    return QFile::exists(QStringLiteral("/usr/bin/python3")) ? QStringLiteral("/usr/bin/python3")
                                                             : QStandardPaths::findExecutable(QStringLiteral("python3"));
}

} // namespace

class tst_StartTls : public LoopTestCase
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

    void streamsBothSides()
    {
        qaio::EventLoop &loop = guard->loop();
        auto serverLog = std::make_shared<ServerLog>();
        auto server = loop.runUntilComplete(qaio::startServer(
            startTlsHandler(serverContext(m_pki.serverCert, m_pki.serverKey), serverLog), QStringLiteral("127.0.0.1"), 0));
        const quint16 port = quint16(server->sockets().front().localAddress().port());
        auto clientLog = std::make_shared<ClientLog>();
        loop.runUntilComplete(startTlsClient(port, clientContext(m_pki), clientLog));
        runUntil(loop, [&] { return serverLog->done; });
        QCOMPARE(serverLog->error, QString());
        QCOMPARE(serverLog->command, QByteArray("STARTTLS\r\n"));
        QCOMPARE(serverLog->afterUpgrade, QByteArray("hello over tls\n"));
        QCOMPARE(serverLog->version, QStringLiteral("TLSv1.3"));
        QVERIFY(clientLog->plainBefore);
        QCOMPARE(clientLog->go, QByteArray("GO\r\n"));
        QCOMPARE(clientLog->version, QStringLiteral("TLSv1.3"));
        QCOMPARE(clientLog->reply, QByteArray("HELLO OVER TLS\n"));
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    // startTls() on a TLS transport (TLS through a TLS proxy): a TLS server whose
    // handler upgrades again; the inner TLS runs inside the outer one.
    void tlsInTls()
    {
        qaio::EventLoop &loop = guard->loop();
        auto serverLog = std::make_shared<ServerLog>();
        auto outerServer = serverContext(m_pki.serverCert, m_pki.serverKey);
        auto starting = qaio::startServer(startTlsHandler(serverContext(m_pki.serverCert, m_pki.serverKey), serverLog),
                                          QStringLiteral("127.0.0.1"), 0, {.ssl = outerServer});
        auto server = loop.runUntilComplete(std::move(starting));
        const quint16 port = quint16(server->sockets().front().localAddress().port());
        auto clientLog = std::make_shared<ClientLog>();
        loop.runUntilComplete(startTlsClient(port, clientContext(m_pki), clientLog, clientContext(m_pki)));
        runUntil(loop, [&] { return serverLog->done; });
        QCOMPARE(serverLog->error, QString());
        QVERIFY(!clientLog->plainBefore); // TLS from the start
        QCOMPARE(clientLog->go, QByteArray("GO\r\n"));
        QCOMPARE(clientLog->version, QStringLiteral("TLSv1.3"));
        QCOMPARE(clientLog->reply, QByteArray("HELLO OVER TLS\n"));
        QCOMPARE(serverLog->afterUpgrade, QByteArray("hello over tls\n"));
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    void pythonClient()
    {
        const QString python = python3();
        QVERIFY2(!python.isEmpty(), "python3 is missing: tools/deps-debian.sh installs it");
        qaio::EventLoop &loop = guard->loop();
        auto serverLog = std::make_shared<ServerLog>();
        auto server = loop.runUntilComplete(qaio::startServer(
            startTlsHandler(serverContext(m_pki.serverCert, m_pki.serverKey), serverLog), QStringLiteral("127.0.0.1"), 0));
        const quint16 port = quint16(server->sockets().front().localAddress().port());
        QProcess client;
        bool finished = false;
        QObject::connect(&client, &QProcess::finished, &client, [&] {
            finished = true;
            poke();
        });
        client.start(python, {QStringLiteral("-c"), QString::fromLatin1(kPythonClient), QString::number(port), m_pki.caCert});
        runUntil(loop, [&] { return finished && serverLog->done; });
        QCOMPARE(client.exitCode(), 0);
        QCOMPARE(QString::fromUtf8(client.readAllStandardOutput()).trimmed(),
                 QStringLiteral("GO HELLO FROM PYTHON TLSv1.3"));
        QCOMPARE(serverLog->error, QString());
        QCOMPARE(serverLog->afterUpgrade, QByteArray("hello from python\n"));
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    // loop.startTls() on a protocol's transport: the certificate is for another host,
    // the client's verification fails, the connection closes and the protocol (connected
    // before the upgrade) gets connectionLost().
    void verificationFailureClosesTheConnection()
    {
        qaio::EventLoop &loop = guard->loop();
        auto serverLog = std::make_shared<ServerLog>();
        auto server = loop.runUntilComplete(qaio::startServer(
            startTlsHandler(serverContext(m_pki.wrongHostCert, m_pki.wrongHostKey), serverLog), QStringLiteral("127.0.0.1"), 0));
        const quint16 port = quint16(server->sockets().front().localAddress().port());
        auto trace = std::make_shared<Trace>();
        auto connection = loop.runUntilComplete(loop.createConnection(
            [trace] { return std::make_unique<TraceProtocol>(trace); }, QStringLiteral("127.0.0.1"), port));
        connection.transport->write("STARTTLS\r\n");
        runUntil(loop, [&] { return trace->received == "GO\r\n"; });
        try {
            loop.runUntilComplete(loop.startTls(connection.transport, clientContext(m_pki),
                                                {.serverHostname = QStringLiteral("localhost")}));
            QFAIL("a certificate for another host was accepted");
        } catch (const qaio::SslCertVerificationError &e) {
            QVERIFY2(e.verifyMessage().startsWith(QStringLiteral("Hostname mismatch")), e.what());
        }
        runUntil(loop, [&] { return trace->lost == 1 && serverLog->done; });
        QCOMPARE(trace->compact(), (QStringList{QStringLiteral("made"), QStringLiteral("data"), QStringLiteral("lost")}));
        QVERIFY(!serverLog->error.isEmpty()); // the client's alert ended the server's handshake
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }

    void refusedCalls()
    {
        qaio::EventLoop &loop = guard->loop();
        auto [left, right] = qaio::Socket::pair();
        qaio::ConnectionOptions options;
        options.sock = std::move(left);
        auto connection = loop.runUntilComplete(loop.createConnection([] { return std::make_unique<TraceProtocol>(); },
                                                                      std::move(options)));
        QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.startTls(connection.transport, nullptr)),
                 QStringLiteral("startTls(): sslContext is null"));
        QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.startTls(connection.transport, clientContext(m_pki))),
                 QStringLiteral("startTls(): you have to pass serverHostname when the context checks host names"));
        QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.startTls(connection.transport, clientContext(m_pki),
                                                                   {.serverHostname = QStringLiteral("localhost"),
                                                                    .sslHandshakeTimeout = 0s})),
                 QStringLiteral("ssl_handshake_timeout should be a positive number, got 0"));
        QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.startTls(connection.transport, clientContext(m_pki),
                                                                   {.serverSide = true,
                                                                    .serverHostname = QStringLiteral("localhost")})),
                 QStringLiteral("serverHostname is only meaningful for the client side (serverSide is true)"));
        connection.transport->close();
        QCOMPARE(expectThrow<qaio::RuntimeError>(loop, loop.startTls(connection.transport, clientContext(m_pki),
                                                                     {.serverHostname = QStringLiteral("localhost")})),
                 QStringLiteral("startTls(): transport is closing"));
        // A pipe's transport is not a socket's.
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        auto pipeTrace = std::make_shared<Trace>();
        auto pipe = loop.runUntilComplete(
            loop.connectWritePipe([pipeTrace] { return std::make_unique<TraceProtocol>(pipeTrace); }, fds[1]));
        auto pipeTransport = std::dynamic_pointer_cast<qaio::Transport>(pipe.transport);
        QVERIFY(pipeTransport); // a stream transport, one direction
        QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.startTls(pipeTransport, clientContext(m_pki),
                                                                   {.serverHostname = QStringLiteral("localhost")})),
                 QStringLiteral("startTls(): transport: only a socket's or a TLS stream transport can be upgraded to TLS"));
        pipe.transport->close();
        runUntil(loop, [&] { return pipeTrace->lost == 1; });
        ::close(fds[0]);
    }
};

QTEST_GUILESS_MAIN(tst_StartTls)
#include "tst_starttls.moc"
