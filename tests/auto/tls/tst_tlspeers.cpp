// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio's TLS against OpenSSL's own command-line peers (Debian package `openssl`), in both
// directions and both protocol versions: qaio's client against `openssl s_server -rev`
// (which answers each line reversed and closes on "CLOSE"), and `openssl s_client`
// (verifying our certificate and host name, with a client certificate our server
// demands) against qaio's server. The peers run as child processes on the same loop.
#include "looptestcase.h"
#include "testpki.h"
#include "../net/nettransport_helpers.h"

#include <qaio/tls/sslcontext.h>

#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslCertificate>
#include <QtTest/QtTest>

using namespace nettest;

namespace {

QString opensslProgram()
{
    return QStandardPaths::findExecutable(QStringLiteral("openssl"));
}

// A child process whose output is collected and whose end pokes runUntil().
struct Peer
{
    QProcess process;
    QByteArray output;
    bool finished = false;

    Peer()
    {
        process.setProcessChannelMode(QProcess::MergedChannels);
        QObject::connect(&process, &QProcess::readyRead, &process, [this] {
            output += process.readAll();
            poke();
        });
        QObject::connect(&process, &QProcess::finished, &process, [this] {
            output += process.readAll();
            finished = true;
            poke();
        });
        QObject::connect(&process, &QProcess::errorOccurred, &process, [this] {
            finished = true;
            poke();
        });
    }
    ~Peer()
    {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished();
        }
    }
};

} // namespace

class tst_TlsPeers : public LoopTestCase
{
    Q_OBJECT

    QTemporaryDir m_dir;
    tlstest::Pki m_pki;
    QString m_openssl;

private Q_SLOTS:
    void initTestCase()
    {
        m_openssl = opensslProgram();
        QVERIFY2(!m_openssl.isEmpty(), "openssl is missing: tools/deps-debian.sh installs it");
        QVERIFY(m_dir.isValid());
        m_pki = tlstest::makePki(m_dir.path());
    }

    void clientToOpensslServer_data()
    {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("version");
        QTest::newRow("TLS 1.2") << QStringLiteral("-tls1_2") << QStringLiteral("TLSv1.2");
        QTest::newRow("TLS 1.3") << QStringLiteral("-tls1_3") << QStringLiteral("TLSv1.3");
    }

    void clientToOpensslServer()
    {
        QFETCH(QString, option);
        QFETCH(QString, version);
        qaio::EventLoop &loop = guard->loop();
        Peer server;
        server.process.start(m_openssl, {QStringLiteral("s_server"), QStringLiteral("-accept"), QStringLiteral("127.0.0.1:0"),
                                         QStringLiteral("-cert"), m_pki.serverCert, QStringLiteral("-key"), m_pki.serverKey,
                                         QStringLiteral("-rev"), QStringLiteral("-naccept"), QStringLiteral("1"), option});
        const QRegularExpression accept(QStringLiteral("ACCEPT 127\\.0\\.0\\.1:(\\d+)"));
        runUntil(loop, [&] { return accept.match(QString::fromLatin1(server.output)).hasMatch() || server.finished; });
        const QRegularExpressionMatch match = accept.match(QString::fromLatin1(server.output));
        QVERIFY2(match.hasMatch(), server.output.constData());
        const quint16 port = quint16(match.captured(1).toUInt());

        auto context = tlstest::clientContext(m_pki);
        auto trace = std::make_shared<Trace>();
        auto connection = loop.runUntilComplete(loop.createConnection(
            [trace] { return std::make_unique<TraceProtocol>(trace); }, QStringLiteral("127.0.0.1"), port,
            {.ssl = context, .serverHostname = QStringLiteral("localhost")}));
        QCOMPARE(connection.transport->extraInfo(QStringLiteral("version")).toString(), version);
        const auto peer = connection.transport->extraInfo(QStringLiteral("peercert")).value<QSslCertificate>();
        QCOMPARE(peer.subjectInfo(QSslCertificate::CommonName), QStringList{QStringLiteral("localhost")});
        connection.transport->write("hello openssl\n");
        runUntil(loop, [&] { return trace->received.contains('\n'); });
        QCOMPARE(trace->received, QByteArray("lssnepo olleh\n"));
        // "CLOSE" makes s_server end the connection with its close_notify.
        connection.transport->write("CLOSE\n");
        runUntil(loop, [&] { return trace->lost == 1 && server.finished; });
        QVERIFY(!trace->lostError);
        QCOMPARE(trace->compact(), (QStringList{QStringLiteral("made"), QStringLiteral("data"), QStringLiteral("eof"),
                                                QStringLiteral("lost")}));
        QCOMPARE(server.process.exitCode(), 0);
    }

    void opensslClientToServer_data()
    {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("version");
        QTest::newRow("TLS 1.2") << QStringLiteral("-tls1_2") << QStringLiteral("TLSv1.2");
        QTest::newRow("TLS 1.3") << QStringLiteral("-tls1_3") << QStringLiteral("TLSv1.3");
    }

    // s_client verifies our chain and host name and presents a client certificate, which
    // our server demands; it echoes what we send back to its stdout, and its stdin's end
    // makes it close with close_notify.
    void opensslClientToServer()
    {
        QFETCH(QString, option);
        QFETCH(QString, version);
        qaio::EventLoop &loop = guard->loop();
        auto context = tlstest::serverContext(m_pki);
        context->loadVerifyLocations(m_pki.caCert);
        context->setVerifyMode(qaio::SslVerifyMode::Required);
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<EchoProtocol>(traces),
                                                              {QStringLiteral("127.0.0.1")}, 0, {.ssl = context}));
        const quint16 port = quint16(server->sockets().front().localAddress().port());
        Peer client;
        client.process.start(m_openssl,
                             {QStringLiteral("s_client"), QStringLiteral("-connect"), QStringLiteral("127.0.0.1:%1").arg(port),
                              QStringLiteral("-CAfile"), m_pki.caCert, QStringLiteral("-verify_return_error"),
                              QStringLiteral("-verify_hostname"), QStringLiteral("localhost"), QStringLiteral("-servername"),
                              QStringLiteral("localhost"), QStringLiteral("-cert"), m_pki.clientCert, QStringLiteral("-key"),
                              m_pki.clientKey, QStringLiteral("-quiet"), QStringLiteral("-no_ign_eof"), option});
        client.process.write("echo through openssl\n");
        runUntil(loop, [&] { return client.output.contains("echo through openssl") || client.finished; });
        QVERIFY2(client.output.contains("echo through openssl"), client.output.constData());
        QCOMPARE(traces->size(), std::size_t(1));
        const std::shared_ptr<Trace> trace = traces->front();
        auto transport = trace->transportPtr();
        QCOMPARE(transport->extraInfo(QStringLiteral("version")).toString(), version);
        const auto peer = transport->extraInfo(QStringLiteral("peercert")).value<QSslCertificate>();
        QCOMPARE(peer.subjectInfo(QSslCertificate::CommonName), QStringList{QStringLiteral("qaio test client")});
        client.process.closeWriteChannel();
        runUntil(loop, [&] { return trace->lost == 1 && client.finished; });
        QCOMPARE(client.process.exitCode(), 0);
        QVERIFY(!trace->lostError);
        QCOMPARE(trace->received, QByteArray("echo through openssl\n"));
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }
};

QTEST_GUILESS_MAIN(tst_TlsPeers)
#include "tst_tlspeers.moc"
