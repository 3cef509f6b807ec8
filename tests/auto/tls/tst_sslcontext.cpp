// Copyright (c) qaio authors. Licensed under the MIT license.
// SslContext (Python's ssl.SSLContext, as CPython's test_ssl ContextTests check it): the
// safe defaults of each role, verify mode and host name checking and how they hold each
// other, certificate chains and keys from files and memory (encrypted keys, wrong
// passwords, keys of another certificate, missing files), trusted CAs from a file, a
// hashed directory and PEM or DER data, ALPN, ciphers, versions, and a context made from
// a QSslConfiguration. The handshakes between two contexts run over an OpenSSL BIO pair
// (no transport yet): they prove what each setting does to verification, with the X509
// error that says why.
#include "looptestcase.h"
#include "testpki.h"

#include <qaio/tls/sslcontext.h>
#include <qaio/tls/sslerror.h>

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslSocket>
#include <QtTest/QtTest>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

using qaio::SslContext;
using qaio::SslRole;
using qaio::SslVerifyMode;
using qaio::TlsVersion;

namespace {

struct Handshake
{
    bool clientDone = false;
    bool serverDone = false;
    long clientVerify = X509_V_OK;
    long serverVerify = X509_V_OK;
    QByteArray version;
    QByteArray alpn;
    bool ok() const { return clientDone && serverDone; }
};

// One handshake between a client and a server SSL made from the contexts, over a BIO
// pair, with the client checking \a host when its context says so (what the TLS
// transport does).
Handshake handshake(const SslContext &client, const SslContext &server, const char *host = "localhost")
{
    SSL *c = SSL_new(client.nativeHandle());
    SSL *s = SSL_new(server.nativeHandle());
    BIO *clientBio = nullptr;
    BIO *serverBio = nullptr;
    BIO_new_bio_pair(&clientBio, 0, &serverBio, 0);
    SSL_set_bio(c, clientBio, clientBio);
    SSL_set_bio(s, serverBio, serverBio);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    SSL_set_tlsext_host_name(c, host);
    if (client.checkHostname())
        SSL_set1_host(c, host);
    Handshake result;
    for (int round = 0; round < 20 && !result.ok(); ++round) {
        const int rc = result.clientDone ? 1 : SSL_do_handshake(c);
        if (rc == 1)
            result.clientDone = true;
        else if (const int e = SSL_get_error(c, rc); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            break;
        const int rs = result.serverDone ? 1 : SSL_do_handshake(s);
        if (rs == 1)
            result.serverDone = true;
        else if (const int e = SSL_get_error(s, rs); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            break;
    }
    // TLS 1.3 servers judge the client's certificate after the client thinks it is done.
    if (result.clientDone && !result.serverDone) {
        const int rs = SSL_do_handshake(s);
        result.serverDone = rs == 1;
    }
    result.clientVerify = SSL_get_verify_result(c);
    result.serverVerify = SSL_get_verify_result(s);
    result.version = SSL_get_version(c);
    const unsigned char *alpn = nullptr;
    unsigned int alpnLength = 0;
    SSL_get0_alpn_selected(c, &alpn, &alpnLength);
    result.alpn = QByteArray(reinterpret_cast<const char *>(alpn), int(alpnLength));
    ERR_clear_error();
    SSL_free(c);
    SSL_free(s);
    return result;
}

template <class E, class F>
QString messageOf(F &&call)
{
    try {
        call();
    } catch (const E &e) {
        return QString::fromUtf8(e.what());
    } catch (const std::exception &e) {
        return QStringLiteral("WRONG EXCEPTION: ") + QString::fromUtf8(e.what());
    }
    return QStringLiteral("NO EXCEPTION");
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class tst_SslContext : public LoopTestCase
{
    Q_OBJECT

    QTemporaryDir m_dir;
    tlstest::Pki m_pki;

    SslContext trustingClient() const
    {
        SslContext client(SslRole::Client);
        client.loadVerifyLocations(m_pki.caCert);
        return client;
    }
    SslContext serverWith(const QString &cert, const QString &key) const
    {
        SslContext server(SslRole::Server);
        server.loadCertChain(cert, key);
        return server;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_pki = tlstest::makePki(m_dir.path());
    }

    // Python's SSLContext(PROTOCOL_TLS_CLIENT / _SERVER) and create_default_context().
    void defaults()
    {
        SslContext client(SslRole::Client);
        QCOMPARE(client.role(), SslRole::Client);
        QCOMPARE(client.verifyMode(), SslVerifyMode::Required);
        QVERIFY(client.checkHostname());
        QCOMPARE(client.minimumVersion(), TlsVersion::TlsV1_2);
        QCOMPARE(client.maximumVersion(), TlsVersion::MaximumSupported);
        QVERIFY(client.caCertificates().isEmpty());
        QVERIFY(client.alpnProtocols().isEmpty());
        QVERIFY(client.nativeHandle());
        QVERIFY(SSL_CTX_get_options(client.nativeHandle()) & SSL_OP_NO_COMPRESSION);

        SslContext server(SslRole::Server);
        QCOMPARE(server.role(), SslRole::Server);
        QCOMPARE(server.verifyMode(), SslVerifyMode::None);
        QVERIFY(!server.checkHostname());
        QCOMPARE(server.minimumVersion(), TlsVersion::TlsV1_2);

        const SslContext system = SslContext::createDefault();
        QCOMPARE(system.verifyMode(), SslVerifyMode::Required);
        QVERIFY(system.checkHostname());

        // Copies share one context.
        SslContext copy = client;
        copy.setCheckHostname(false);
        QVERIFY(!client.checkHostname());
        QCOMPARE(copy.nativeHandle(), client.nativeHandle());
    }

    void verifyModeAndCheckHostname()
    {
        SslContext client(SslRole::Client);
        QCOMPARE(messageOf<qaio::ValueError>([&] { client.setVerifyMode(SslVerifyMode::None); }),
                 QStringLiteral("setVerifyMode(): Cannot set verify_mode to CERT_NONE when check_hostname is enabled."));
        client.setCheckHostname(false);
        client.setVerifyMode(SslVerifyMode::None);
        QCOMPARE(client.verifyMode(), SslVerifyMode::None);
        client.setCheckHostname(true); // turns verification back on, as Python
        QCOMPARE(client.verifyMode(), SslVerifyMode::Required);
        SslContext server(SslRole::Server);
        server.setVerifyMode(SslVerifyMode::Optional);
        QCOMPARE(server.verifyMode(), SslVerifyMode::Optional);
        server.setVerifyMode(SslVerifyMode::Required);
        QCOMPARE(server.verifyMode(), SslVerifyMode::Required);
    }

    void loadCertChain()
    {
        SslContext separate(SslRole::Server);
        separate.loadCertChain(m_pki.serverCert, m_pki.serverKey);
        SslContext combined(SslRole::Server);
        combined.loadCertChain(m_pki.serverCombined);
        SslContext encrypted(SslRole::Server);
        encrypted.loadCertChain(m_pki.serverCert, m_pki.serverKeyEncrypted, tlstest::kKeyPassword);
        SslContext fromData(SslRole::Server);
        fromData.loadCertChainFromData(readAll(m_pki.serverCert), readAll(m_pki.serverKeyEncrypted),
                                       tlstest::kKeyPassword);
        for (const SslContext *server : {&separate, &combined, &encrypted, &fromData})
            QVERIFY(handshake(trustingClient(), *server).ok());
    }

    void loadCertChainRefusals()
    {
        SslContext server(SslRole::Server);
        const QString missing = m_dir.filePath(QStringLiteral("missing.pem"));
        QCOMPARE(messageOf<qaio::FileNotFoundError>([&] { server.loadCertChain(missing); }).section(QLatin1Char(':'), 0, 1),
                 QStringLiteral("loadCertChain(): certFile '%1'").arg(missing));
        QVERIFY(messageOf<qaio::FileNotFoundError>([&] { server.loadCertChain(m_pki.serverCert, missing); })
                    .startsWith(QStringLiteral("loadCertChain(): keyFile '%1'").arg(missing)));
        QCOMPARE(messageOf<qaio::ValueError>([&] { server.loadCertChain(QString()); }),
                 QStringLiteral("loadCertChain(): certFile: must not be empty"));

        const QString wrongPassword = messageOf<qaio::SslError>(
            [&] { server.loadCertChain(m_pki.serverCert, m_pki.serverKeyEncrypted, "wrong"); });
        QVERIFY2(wrongPassword.startsWith(QStringLiteral("loadCertChain(): private key: [")), qPrintable(wrongPassword));
        QVERIFY2(wrongPassword.contains(QLatin1String("bad decrypt"), Qt::CaseInsensitive), qPrintable(wrongPassword));
        QCOMPARE(messageOf<qaio::SslError>([&] { server.loadCertChain(m_pki.serverCert, m_pki.serverKeyEncrypted); }),
                 QStringLiteral("loadCertChain(): private key: the key is encrypted and no password was given"));

        try {
            server.loadCertChain(m_pki.serverCert, m_pki.clientKey);
            QFAIL("a key of another certificate was taken");
        } catch (const qaio::SslError &e) {
            QCOMPARE(e.reason(), QStringLiteral("KEY_VALUES_MISMATCH"));
            QCOMPARE(e.library(), QStringLiteral("X509"));
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("loadCertChain(): private key: [X509: KEY_VALUES_MISMATCH] key values mismatch"));
        }
        const QString garbage = messageOf<qaio::SslError>([&] { server.loadCertChainFromData("not a certificate"); });
        QCOMPARE(garbage, QStringLiteral("loadCertChain(): certificate: [PEM: NO_START_LINE] no start line"));
        // A refused chain is an OSError, as Python's SSLError.
        QVERIFY(messageOf<qaio::OSError>([&] { server.loadCertChainFromData("x"); }).startsWith(QLatin1String("load")));
    }

    void loadVerifyLocations()
    {
        SslContext client(SslRole::Client);
        QCOMPARE(messageOf<qaio::ValueError>([&] { client.loadVerifyLocations(QString()); }),
                 QStringLiteral("loadVerifyLocations(): caFile, caPath and caData cannot be all omitted"));
        client.loadVerifyLocations(m_pki.caCert);
        QCOMPARE(client.caCertificates().size(), 1);
        QCOMPARE(client.caCertificates().front().subjectInfo(QSslCertificate::CommonName),
                 QStringList{QStringLiteral("qaio test CA")});
        client.loadVerifyLocations(m_pki.caCert); // again: no duplicate, no error
        QCOMPARE(client.caCertificates().size(), 1);

        SslContext pem(SslRole::Client);
        pem.loadVerifyLocations(QString(), QString(), readAll(m_pki.caCert) + readAll(m_pki.otherCaCert));
        QCOMPARE(pem.caCertificates().size(), 2);
        QVERIFY(handshake(pem, serverWith(m_pki.serverCert, m_pki.serverKey)).ok());

        SslContext der(SslRole::Client);
        der.loadVerifyLocations(QString(), QString(), QSslCertificate::fromPath(m_pki.caCert).front().toDer());
        QCOMPARE(der.caCertificates().size(), 1);
        QVERIFY(handshake(der, serverWith(m_pki.serverCert, m_pki.serverKey)).ok());

        // A hashed directory, as `openssl rehash` makes it: found when verifying.
        QTemporaryDir hashed;
        FILE *caFile = std::fopen(QFile::encodeName(m_pki.caCert).constData(), "r");
        X509 *ca = PEM_read_X509(caFile, nullptr, nullptr, nullptr);
        std::fclose(caFile);
        const QString hashName = QStringLiteral("%1.0").arg(qulonglong(X509_subject_name_hash(ca)), 8, 16, QLatin1Char('0'));
        X509_free(ca);
        QVERIFY(QFile::copy(m_pki.caCert, hashed.filePath(hashName)));
        SslContext directory(SslRole::Client);
        directory.loadVerifyLocations(QString(), hashed.path());
        QVERIFY(directory.caCertificates().isEmpty()); // read only as needed, as Python
        QVERIFY(handshake(directory, serverWith(m_pki.serverCert, m_pki.serverKey)).ok());

        const QString missing = m_dir.filePath(QStringLiteral("missing"));
        QVERIFY(messageOf<qaio::FileNotFoundError>([&] { client.loadVerifyLocations(missing); })
                    .startsWith(QStringLiteral("loadVerifyLocations(): caFile '%1'").arg(missing)));
        QVERIFY(messageOf<qaio::FileNotFoundError>([&] { client.loadVerifyLocations(QString(), missing); })
                    .startsWith(QStringLiteral("loadVerifyLocations(): caPath '%1'").arg(missing)));
        QVERIFY(messageOf<qaio::SslError>([&] { client.loadVerifyLocations(QString(), QString(), "garbage"); })
                    .startsWith(QStringLiteral("loadVerifyLocations(): caData")));
    }

    // What each kind of bad server certificate does to a client that verifies, and the
    // X509 error saying why (the future TLS transport reports it as
    // SslCertVerificationError).
    void verificationFailures()
    {
        const SslContext client = trustingClient();
        Handshake good = handshake(client, serverWith(m_pki.serverCert, m_pki.serverKey));
        QVERIFY(good.ok());
        QCOMPARE(good.clientVerify, long(X509_V_OK));
        QVERIFY(handshake(client, serverWith(m_pki.serverCert, m_pki.serverKey), "127.0.0.1").ok());

        Handshake expired = handshake(client, serverWith(m_pki.expiredCert, m_pki.expiredKey));
        QVERIFY(!expired.ok());
        QCOMPARE(expired.clientVerify, long(X509_V_ERR_CERT_HAS_EXPIRED));
        Handshake wrongHost = handshake(client, serverWith(m_pki.wrongHostCert, m_pki.wrongHostKey));
        QVERIFY(!wrongHost.ok());
        QCOMPARE(wrongHost.clientVerify, long(X509_V_ERR_HOSTNAME_MISMATCH));
        Handshake selfSigned = handshake(client, serverWith(m_pki.selfSignedCert, m_pki.selfSignedKey));
        QVERIFY(!selfSigned.ok());
        QCOMPARE(selfSigned.clientVerify, long(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT));
        Handshake unknownCa = handshake(SslContext(SslRole::Client), serverWith(m_pki.serverCert, m_pki.serverKey));
        QVERIFY(!unknownCa.ok());
        QCOMPARE(unknownCa.clientVerify, long(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));

        // Without host name checking the wrong name passes; without verification anything.
        SslContext noHostCheck = trustingClient();
        noHostCheck.setCheckHostname(false);
        QVERIFY(handshake(noHostCheck, serverWith(m_pki.wrongHostCert, m_pki.wrongHostKey)).ok());
        noHostCheck.setVerifyMode(SslVerifyMode::None);
        QVERIFY(handshake(noHostCheck, serverWith(m_pki.selfSignedCert, m_pki.selfSignedKey)).ok());
    }

    void mutualTls()
    {
        SslContext server = serverWith(m_pki.serverCert, m_pki.serverKey);
        server.loadVerifyLocations(m_pki.caCert);
        server.setVerifyMode(SslVerifyMode::Required);
        QVERIFY(!handshake(trustingClient(), server).ok()); // no client certificate
        SslContext client = trustingClient();
        client.loadCertChain(m_pki.clientCert, m_pki.clientKey);
        const Handshake both = handshake(client, server);
        QVERIFY(both.ok());
        QCOMPARE(both.serverVerify, long(X509_V_OK));
        server.setVerifyMode(SslVerifyMode::Optional);
        QVERIFY(handshake(trustingClient(), server).ok()); // optional: none given is fine
    }

    void versions()
    {
        SslContext client = trustingClient();
        const SslContext server = serverWith(m_pki.serverCert, m_pki.serverKey);
        QCOMPARE(handshake(client, server).version, QByteArray("TLSv1.3"));
        client.setMaximumVersion(TlsVersion::TlsV1_2);
        QCOMPARE(client.maximumVersion(), TlsVersion::TlsV1_2);
        QCOMPARE(handshake(client, server).version, QByteArray("TLSv1.2"));
        SslContext modernServer = serverWith(m_pki.serverCert, m_pki.serverKey);
        modernServer.setMinimumVersion(TlsVersion::TlsV1_3);
        QCOMPARE(modernServer.minimumVersion(), TlsVersion::TlsV1_3);
        QVERIFY(!handshake(client, modernServer).ok());
        client.setMaximumVersion(TlsVersion::MaximumSupported);
        QCOMPARE(client.maximumVersion(), TlsVersion::MaximumSupported);
        client.setMinimumVersion(TlsVersion::MinimumSupported);
        QCOMPARE(client.minimumVersion(), TlsVersion::MinimumSupported);
        QVERIFY(handshake(client, modernServer).ok());
    }

    void alpn()
    {
        SslContext client = trustingClient();
        SslContext server = serverWith(m_pki.serverCert, m_pki.serverKey);
        QCOMPARE(messageOf<qaio::ValueError>([&] { client.setAlpnProtocols({"h2", ""}); }),
                 QStringLiteral("setAlpnProtocols(): protocols: '' is not 1 to 255 bytes long"));
        QVERIFY(messageOf<qaio::ValueError>([&] { client.setAlpnProtocols({QByteArray(256, 'x')}); })
                    .startsWith(QLatin1String("setAlpnProtocols(): protocols: 'xxx")));
        client.setAlpnProtocols({"h2", "http/1.1"});
        QCOMPARE(client.alpnProtocols(), (QList<QByteArray>{"h2", "http/1.1"}));
        QCOMPARE(handshake(client, server).alpn, QByteArray()); // the server speaks none: no ALPN
        server.setAlpnProtocols({"http/1.1", "h2"});
        QCOMPARE(handshake(client, server).alpn, QByteArray("http/1.1")); // the server's preference
        server.setAlpnProtocols({"spdy/1"});
        const Handshake none = handshake(client, server);
        QVERIFY(none.ok()); // no common protocol: go on without, as Python's servers
        QCOMPARE(none.alpn, QByteArray());
    }

    void ciphers()
    {
        SslContext client = trustingClient();
        QCOMPARE(messageOf<qaio::SslError>([&] { client.setCiphers("NO-SUCH-CIPHER"); }),
                 QStringLiteral("setCiphers(): cipherList 'NO-SUCH-CIPHER': [SSL: NO_CIPHER_MATCH] No cipher can be selected."));
        client.setCiphers("ECDHE-ECDSA-AES128-GCM-SHA256");
        const QStringList names = client.cipherNames();
        QVERIFY(names.contains(QStringLiteral("ECDHE-ECDSA-AES128-GCM-SHA256")));
        QVERIFY(!names.contains(QStringLiteral("ECDHE-ECDSA-AES256-GCM-SHA384")));
        QVERIFY(names.contains(QStringLiteral("TLS_AES_256_GCM_SHA384"))); // TLS 1.3 suites stay
        client.setMaximumVersion(TlsVersion::TlsV1_2);
        QVERIFY(handshake(client, serverWith(m_pki.serverCert, m_pki.serverKey)).ok());
    }

    void fromQSslConfiguration()
    {
        if (!QSslSocket::supportsSsl())
            QSKIP("Qt has no TLS backend here");
        QSslConfiguration serverConfig = QSslConfiguration::defaultConfiguration();
        serverConfig.setLocalCertificate(QSslCertificate::fromPath(m_pki.serverCert).front());
        serverConfig.setPrivateKey(QSslKey(readAll(m_pki.serverKey), QSsl::Ec));
        serverConfig.setCaCertificates(QSslCertificate::fromPath(m_pki.caCert));
        serverConfig.setProtocol(QSsl::TlsV1_3OrLater);
        serverConfig.setPeerVerifyMode(QSslSocket::VerifyPeer);
        serverConfig.setAllowedNextProtocols({"h2"});
        const SslContext server = SslContext::fromQSslConfiguration(serverConfig, SslRole::Server);
        QCOMPARE(server.minimumVersion(), TlsVersion::TlsV1_3);
        QCOMPARE(server.verifyMode(), SslVerifyMode::Required);
        QCOMPARE(server.caCertificates().size(), 1);
        QCOMPARE(server.alpnProtocols(), QList<QByteArray>{"h2"});

        QSslConfiguration clientConfig = QSslConfiguration::defaultConfiguration();
        clientConfig.setCaCertificates(QSslCertificate::fromPath(m_pki.caCert));
        clientConfig.setLocalCertificate(QSslCertificate::fromPath(m_pki.clientCert).front());
        clientConfig.setPrivateKey(QSslKey(readAll(m_pki.clientKey), QSsl::Ec));
        clientConfig.setAllowedNextProtocols({"h2"});
        const SslContext client = SslContext::fromQSslConfiguration(clientConfig, SslRole::Client);
        QCOMPARE(client.verifyMode(), SslVerifyMode::Required);
        QVERIFY(client.checkHostname());
        const Handshake mutual = handshake(client, server);
        QVERIFY(mutual.ok());
        QCOMPARE(mutual.version, QByteArray("TLSv1.3"));
        QCOMPARE(mutual.alpn, QByteArray("h2"));

        QSslConfiguration lax = QSslConfiguration::defaultConfiguration();
        lax.setPeerVerifyMode(QSslSocket::VerifyNone);
        lax.setCaCertificates({});
        const SslContext anything = SslContext::fromQSslConfiguration(lax, SslRole::Client);
        QCOMPARE(anything.verifyMode(), SslVerifyMode::None);
        QVERIFY(!anything.checkHostname());

        QSslConfiguration keyless = QSslConfiguration::defaultConfiguration();
        keyless.setLocalCertificate(QSslCertificate::fromPath(m_pki.serverCert).front());
        QCOMPARE(messageOf<qaio::ValueError>([&] { SslContext::fromQSslConfiguration(keyless, SslRole::Server); }),
                 QStringLiteral("fromQSslConfiguration(): configuration: a local certificate without its private key"));
    }

    // Python's sni_callback: the server switches to the context of the name asked for.
    void serverNameCallback()
    {
        SslContext server = serverWith(m_pki.serverCert, m_pki.serverKey);
        QStringList asked;
        {
            // The callback keeps the other context alive; the connection holds its own
            // reference once it switched (this scope's copy is gone by then).
            SslContext other = serverWith(m_pki.wrongHostCert, m_pki.wrongHostKey);
            other.setAlpnProtocols({"other/1"});
            server.setServerNameCallback([&asked, other](const QString &name) -> std::optional<SslContext> {
                asked << name;
                if (name == QLatin1String("wrong.example"))
                    return other;
                if (name == QLatin1String("fail.example"))
                    throw qaio::ValueError("no such site");
                return std::nullopt;
            });
        }
        SslContext client = trustingClient();
        client.setAlpnProtocols({"other/1"});
        const Handshake byDefault = handshake(client, server, "localhost");
        QVERIFY(byDefault.ok());
        QCOMPARE(byDefault.alpn, QByteArray()); // the default context speaks no ALPN
        const Handshake switched = handshake(client, server, "wrong.example");
        QVERIFY(switched.ok()); // the certificate of wrong.example, verified for that name
        QCOMPARE(switched.alpn, QByteArray("other/1")); // and the other context's ALPN
        QTest::ignoreMessage(QtWarningMsg,
                             "SslContext server name callback for 'fail.example' failed: no such site");
        QVERIFY(!handshake(client, server, "fail.example").ok());
        QCOMPARE(asked, (QStringList{QStringLiteral("localhost"), QStringLiteral("wrong.example"),
                                     QStringLiteral("fail.example")}));
        server.setServerNameCallback({});
        QVERIFY(!handshake(client, server, "wrong.example").ok()); // localhost's certificate again

        QCOMPARE(SslContext::fromNativeHandle(server.nativeHandle()).nativeHandle(), server.nativeHandle());
        QCOMPARE(messageOf<qaio::ValueError>([] { SslContext::fromNativeHandle(nullptr); }),
                 QStringLiteral("fromNativeHandle(): context: not an SSL_CTX of a qaio::SslContext"));
    }

    void errorsAreOSErrors()
    {
        const qaio::SslCertVerificationError error(QStringLiteral("handshake with localhost:443"),
                                                   X509_V_ERR_CERT_HAS_EXPIRED, QStringLiteral("certificate has expired"));
        QCOMPARE(QString::fromUtf8(error.what()),
                 QStringLiteral("handshake with localhost:443: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
                                "failed: certificate has expired"));
        QCOMPARE(error.verifyCode(), int(X509_V_ERR_CERT_HAS_EXPIRED));
        QCOMPARE(error.reason(), QStringLiteral("CERTIFICATE_VERIFY_FAILED"));
        const qaio::OSError &asOSError = error;
        QCOMPARE(asOSError.errorCode(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_SslContext)
#include "tst_sslcontext.moc"
