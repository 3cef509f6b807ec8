// Copyright (c) qaio authors. Licensed under the MIT license.
#include "testpki.h"

#include <qaio/tls/sslcontext.h>

#include <QtCore/QDir>
#include <QtCore/QtGlobal>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>

namespace tlstest {

namespace {

struct Issued
{
    X509 *certificate = nullptr;
    EVP_PKEY *key = nullptr;
};

EVP_PKEY *newKey()
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    if (!key)
        qFatal("testpki: EVP_EC_gen failed");
    return key;
}

void addExtension(X509 *certificate, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (!extension || X509_add_ext(certificate, extension, -1) != 1)
        qFatal("testpki: extension %d '%s' refused", nid, value);
    X509_EXTENSION_free(extension);
}

// A certificate for \a commonName valid from \a fromDays to \a toDays (relative to now),
// signed by \a issuer (itself when null).
Issued issue(const char *commonName, const Issued *issuer, long fromDays, long toDays, bool ca, const char *altNames,
             const char *extendedUsage)
{
    static long serial = 1;
    Issued made{X509_new(), newKey()};
    X509_set_version(made.certificate, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(made.certificate), serial++);
    X509_gmtime_adj(X509_getm_notBefore(made.certificate), fromDays * 86400);
    X509_gmtime_adj(X509_getm_notAfter(made.certificate), toDays * 86400);
    X509_set_pubkey(made.certificate, made.key);
    X509_NAME *name = X509_get_subject_name(made.certificate);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("qaio tests"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>(commonName), -1, -1, 0);
    X509 *issuerCertificate = issuer ? issuer->certificate : made.certificate;
    X509_set_issuer_name(made.certificate, X509_get_subject_name(issuerCertificate));
    addExtension(made.certificate, issuerCertificate, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    addExtension(made.certificate, issuerCertificate, NID_key_usage,
                 ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
    addExtension(made.certificate, issuerCertificate, NID_subject_key_identifier, "hash");
    if (issuer)
        addExtension(made.certificate, issuerCertificate, NID_authority_key_identifier, "keyid");
    if (altNames)
        addExtension(made.certificate, issuerCertificate, NID_subject_alt_name, altNames);
    if (extendedUsage)
        addExtension(made.certificate, issuerCertificate, NID_ext_key_usage, extendedUsage);
    if (X509_sign(made.certificate, issuer ? issuer->key : made.key, EVP_sha256()) <= 0)
        qFatal("testpki: X509_sign failed");
    return made;
}

void writeFile(const QString &path, X509 *certificate, EVP_PKEY *key, const char *password = nullptr)
{
    FILE *file = std::fopen(QFile::encodeName(path).constData(), "w");
    if (!file)
        qFatal("testpki: cannot write %s", qPrintable(path));
    if (certificate && PEM_write_X509(file, certificate) != 1)
        qFatal("testpki: PEM_write_X509 failed");
    if (key) {
        const EVP_CIPHER *cipher = password ? EVP_aes_256_cbc() : nullptr;
        auto *secret = reinterpret_cast<unsigned char *>(const_cast<char *>(password));
        if (PEM_write_PrivateKey(file, key, cipher, secret, password ? int(std::strlen(password)) : 0, nullptr, nullptr)
            != 1)
            qFatal("testpki: PEM_write_PrivateKey failed");
    }
    std::fclose(file);
}

void release(Issued &issued)
{
    X509_free(issued.certificate);
    EVP_PKEY_free(issued.key);
}

} // namespace

Pki makePki(const QString &directory)
{
    const QDir dir(directory);
    Pki pki;
    Issued ca = issue("qaio test CA", nullptr, -1, 3650, true, nullptr, nullptr);
    Issued otherCa = issue("qaio other CA", nullptr, -1, 3650, true, nullptr, nullptr);
    Issued server = issue("localhost", &ca, -1, 365, false, "DNS:localhost,IP:127.0.0.1", "serverAuth");
    Issued client = issue("qaio test client", &ca, -1, 365, false, nullptr, "clientAuth");
    Issued expired = issue("localhost", &ca, -30, -1, false, "DNS:localhost,IP:127.0.0.1", "serverAuth");
    Issued wrongHost = issue("wrong.example", &ca, -1, 365, false, "DNS:wrong.example", "serverAuth");
    Issued selfSigned = issue("localhost", nullptr, -1, 365, false, "DNS:localhost,IP:127.0.0.1", "serverAuth");

    pki.caCert = dir.filePath(QStringLiteral("ca.pem"));
    writeFile(pki.caCert, ca.certificate, nullptr);
    pki.otherCaCert = dir.filePath(QStringLiteral("other-ca.pem"));
    writeFile(pki.otherCaCert, otherCa.certificate, nullptr);
    pki.serverCert = dir.filePath(QStringLiteral("server.pem"));
    writeFile(pki.serverCert, server.certificate, nullptr);
    pki.serverKey = dir.filePath(QStringLiteral("server.key"));
    writeFile(pki.serverKey, nullptr, server.key);
    pki.serverKeyEncrypted = dir.filePath(QStringLiteral("server-encrypted.key"));
    writeFile(pki.serverKeyEncrypted, nullptr, server.key, kKeyPassword);
    pki.serverCombined = dir.filePath(QStringLiteral("server-combined.pem"));
    writeFile(pki.serverCombined, server.certificate, server.key);
    pki.clientCert = dir.filePath(QStringLiteral("client.pem"));
    writeFile(pki.clientCert, client.certificate, nullptr);
    pki.clientKey = dir.filePath(QStringLiteral("client.key"));
    writeFile(pki.clientKey, nullptr, client.key);
    pki.expiredCert = dir.filePath(QStringLiteral("expired.pem"));
    writeFile(pki.expiredCert, expired.certificate, nullptr);
    pki.expiredKey = dir.filePath(QStringLiteral("expired.key"));
    writeFile(pki.expiredKey, nullptr, expired.key);
    pki.wrongHostCert = dir.filePath(QStringLiteral("wrong-host.pem"));
    writeFile(pki.wrongHostCert, wrongHost.certificate, nullptr);
    pki.wrongHostKey = dir.filePath(QStringLiteral("wrong-host.key"));
    writeFile(pki.wrongHostKey, nullptr, wrongHost.key);
    pki.selfSignedCert = dir.filePath(QStringLiteral("self-signed.pem"));
    writeFile(pki.selfSignedCert, selfSigned.certificate, nullptr);
    pki.selfSignedKey = dir.filePath(QStringLiteral("self-signed.key"));
    writeFile(pki.selfSignedKey, nullptr, selfSigned.key);

    for (Issued *issued : {&ca, &otherCa, &server, &client, &expired, &wrongHost, &selfSigned})
        release(*issued);
    return pki;
}

std::shared_ptr<qaio::SslContext> serverContext(const Pki &pki)
{
    auto context = std::make_shared<qaio::SslContext>(qaio::SslRole::Server);
    context->loadCertChain(pki.serverCert, pki.serverKey);
    return context;
}

std::shared_ptr<qaio::SslContext> clientContext(const Pki &pki)
{
    auto context = std::make_shared<qaio::SslContext>(qaio::SslRole::Client);
    context->loadVerifyLocations(pki.caCert);
    return context;
}

} // namespace tlstest
