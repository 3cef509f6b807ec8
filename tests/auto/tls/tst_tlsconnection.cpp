// Copyright (c) qaio authors. Licensed under the MIT license.
// TLS connections (asyncio's create_connection(ssl=...)) against an implementation we did
// not write: Qt's QSslServer / QSslSocket on the same event loop. The handshake and an
// echo in both directions, asyncio's call order on the application's protocol, close
// with close_notify, verification failures saying why (unknown CA, wrong host name), the
// handshake timeout against a peer that never answers, and refused arguments.
#include "looptestcase.h"
#include "testpki.h"
#include "../net/nettransport_helpers.h"

#include <qaio/tls/sslcontext.h>
#include <qaio/tls/sslerror.h>

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslServer>
#include <QtNetwork/QSslSocket>
#include <QtTest/QtTest>

using namespace nettest;
using namespace std::chrono_literals;

namespace {

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Qt's TLS echo server: every decrypted byte goes back; remembers how each client left.
class QtEchoServer
{
public:
    explicit QtEchoServer(const tlstest::Pki &pki)
    {
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setLocalCertificate(QSslCertificate::fromPath(pki.serverCert).front());
        config.setPrivateKey(QSslKey(readAll(pki.serverKey), QSsl::Ec));
        config.setPeerVerifyMode(QSslSocket::VerifyNone);
        server.setSslConfiguration(config);
        QObject::connect(&server, &QTcpServer::pendingConnectionAvailable, &server, [this] {
            while (QTcpSocket *plain = server.nextPendingConnection()) {
                auto *socket = static_cast<QSslSocket *>(plain);
                ++accepted;
                QObject::connect(socket, &QSslSocket::readyRead, socket, [this, socket] {
                    const QByteArray data = socket->readAll();
                    echoed += data.size();
                    socket->write(data);
                    poke();
                });
                // Qt reports the client's close_notify as RemoteHostClosedError and leaves
                // the closing to the application.
                QObject::connect(socket, &QSslSocket::errorOccurred, socket, [this, socket](QAbstractSocket::SocketError e) {
                    if (e == QAbstractSocket::RemoteHostClosedError)
                        socket->disconnectFromHost();
                    else
                        ++errors;
                    poke();
                });
                QObject::connect(socket, &QSslSocket::disconnected, socket, [this, socket] {
                    ++disconnected;
                    socket->deleteLater();
                    poke();
                });
                poke();
            }
        });
        QObject::connect(&server, &QSslServer::errorOccurred, &server, [this](QSslSocket *, QAbstractSocket::SocketError) {
            ++errors;
            poke();
        });
        if (!server.listen(QHostAddress::LocalHost))
            qFatal("QSslServer cannot listen");
    }
    quint16 port() const { return server.serverPort(); }

    QSslServer server;
    int accepted = 0;
    int disconnected = 0;
    int errors = 0;
    qsizetype echoed = 0;
};

std::shared_ptr<qaio::SslContext> clientTrusting(const QString &caFile)
{
    auto context = std::make_shared<qaio::SslContext>(qaio::SslRole::Client);
    if (!caFile.isEmpty())
        context->loadVerifyLocations(caFile);
    return context;
}

} // namespace

class tst_TlsConnection : public LoopTestCase
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

    void echoWithQSslServer()
    {
        QtEchoServer peer(m_pki);
        qaio::EventLoop &loop = guard->loop();
        auto trace = std::make_shared<Trace>();
        auto factory = [trace] { return std::make_unique<TraceProtocol>(trace); };
        auto connection = loop.runUntilComplete(
            loop.createConnection(factory, QStringLiteral("localhost"), peer.port(), {.ssl = clientTrusting(m_pki.caCert)}));
        QVERIFY(connection.transport);
        QCOMPARE(trace->events, QStringList{QStringLiteral("made")});
        QCOMPARE(connection.transport->extraInfo(QStringLiteral("version")).toString(), QStringLiteral("TLSv1.3"));
        QVERIFY(!connection.transport->canWriteEof());
        const QByteArray message = patternBytes(100 * 1024);
        connection.transport->write(message);
        runUntil(loop, [&] { return trace->received.size() >= message.size(); });
        QCOMPARE(trace->received, message);
        connection.transport->close();
        QVERIFY(connection.transport->isClosing());
        runUntil(loop, [&] { return trace->lost == 1 && peer.disconnected == 1; });
        QCOMPARE(trace->compact(), (QStringList{QStringLiteral("made"), QStringLiteral("data"), QStringLiteral("lost")}));
        QVERIFY(!trace->lostError);
        QCOMPARE(peer.errors, 0);
    }

    void verificationFailures()
    {
        QtEchoServer peer(m_pki);
        qaio::EventLoop &loop = guard->loop();
        auto factory = [] { return std::make_unique<TraceProtocol>(); };
        try {
            loop.runUntilComplete(loop.createConnection(factory, QStringLiteral("localhost"), peer.port(),
                                                        {.ssl = clientTrusting(QString())}));
            QFAIL("an unknown CA was accepted");
        } catch (const qaio::SslCertVerificationError &e) {
            QCOMPARE(e.verifyMessage(), QStringLiteral("unable to get local issuer certificate"));
        }
        try {
            loop.runUntilComplete(loop.createConnection(factory, QStringLiteral("127.0.0.1"), peer.port(),
                                                        {.ssl = clientTrusting(m_pki.caCert),
                                                         .serverHostname = QStringLiteral("wrong.example")}));
            QFAIL("a wrong host name was accepted");
        } catch (const qaio::SslCertVerificationError &e) {
            QCOMPARE(QString::fromUtf8(e.what()),
                     QStringLiteral("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
                                    "certificate is not valid for 'wrong.example'."));
        }
        runUntil(loop, [&] { return peer.disconnected + peer.errors >= 2; });
    }

    void handshakeTimeout()
    {
        qaio::EventLoop &loop = guard->loop();
        // A TCP server that accepts and never says a word.
        auto silent = loop.runUntilComplete(loop.createServer([] { return std::make_unique<TraceProtocol>(); },
                                                              {QStringLiteral("127.0.0.1")}, 0));
        const quint16 port = quint16(silent->sockets().front().localAddress().port());
        auto factory = [] { return std::make_unique<TraceProtocol>(); };
        QCOMPARE(expectThrow<qaio::ConnectionAbortedError>(
                     loop, loop.createConnection(factory, QStringLiteral("127.0.0.1"), port,
                                                 {.ssl = clientTrusting(m_pki.caCert),
                                                  .serverHostname = QStringLiteral("localhost"),
                                                  .sslHandshakeTimeout = 50ms})),
                 QStringLiteral("SSL handshake is taking longer than 0.05 seconds: aborting the connection"));
        silent->close();
        loop.runUntilComplete(silent->waitClosed());
    }

    void argumentErrors()
    {
        qaio::EventLoop &loop = guard->loop();
        auto factory = [] { return std::make_unique<TraceProtocol>(); };
        auto [left, right] = qaio::Socket::pair();
        qaio::ConnectionOptions options;
        options.sock = std::move(left);
        options.ssl = clientTrusting(m_pki.caCert);
        QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.createConnection(factory, std::move(options))),
                 QStringLiteral("You must set serverHostname when using ssl without a host"));
        QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.createConnection(factory, QStringLiteral("127.0.0.1"), 1,
                                                                           {.ssl = clientTrusting(m_pki.caCert),
                                                                            .sslHandshakeTimeout = 0s})),
                 QStringLiteral("ssl_handshake_timeout should be a positive number, got 0"));
    }
};

QTEST_GUILESS_MAIN(tst_TlsConnection)
#include "tst_tlsconnection.moc"
