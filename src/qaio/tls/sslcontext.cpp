// Copyright (c) qaio authors. Licensed under the MIT license.
// SslContext over OpenSSL's SSL_CTX (Python's Modules/_ssl.c context, in spirit). Files are
// read with QFile and handed to OpenSSL as memory, so a missing file is a
// FileNotFoundError naming the argument and the same code loads files and data.
#include <qaio/tls/sslcontext.h>

#include <qaio/base/errors.h>
#include <qaio/tls/detail/certificates_p.h>
#include <qaio/tls/detail/opensslerrors_p.h>
#include <qaio/tls/detail/sessioncache_p.h>
#include <qaio/tls/sslerror.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslSocket>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <memory>
#include <cstring>

namespace qaio {

struct SslContext::Settings
{
    SslRole role = SslRole::Client;
    bool checkHostname = false;
    QList<QByteArray> alpn;
    ServerNameCallback pickByName;
    std::unique_ptr<detail::ClientSessionCache> sessions; // clients, unless turned off
    bool postHandshakeAuth = false;
};

namespace {

void freeSettings(void *, void *settings, CRYPTO_EX_DATA *, int, long, void *)
{
    delete static_cast<SslContext::Settings *>(settings);
}

// Where each SSL_CTX qaio made keeps its Settings; asked once.
int settingsIndex()
{
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, freeSettings);
    return index;
}

SslContext::Settings *settingsOf(const SSL_CTX *context)
{
    return static_cast<SslContext::Settings *>(SSL_CTX_get_ex_data(context, settingsIndex()));
}

// OpenSSL's new session callback of client contexts: a session (a TLS 1.3 ticket comes
// after the handshake) to offer on the next connection to the same name.
int keepSession(SSL *ssl, SSL_SESSION *session)
{
    const SslContext::Settings *settings = settingsOf(SSL_get_SSL_CTX(ssl));
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!settings || !settings->sessions || !name || !*name)
        return 0; // not kept: OpenSSL frees it
    settings->sessions->store(QByteArray(name), session);
    return 1;
}

struct BioDeleter
{
    void operator()(BIO *bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct X509Deleter
{
    void operator()(X509 *certificate) const { X509_free(certificate); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

struct KeyDeleter
{
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;

BioPtr memoryBio(const QByteArray &data)
{
    BioPtr bio(BIO_new_mem_buf(data.constData(), int(data.size())));
    if (!bio)
        detail::throwSslError(QStringLiteral("BIO_new_mem_buf"));
    return bio;
}

// The whole of \a path, or the OSError naming \a argument (FileNotFoundError, ...).
QByteArray readFile(const QString &path, const char *operation, const char *argument)
{
    const QString context = QStringLiteral("%1(): %2 '%3'").arg(QLatin1String(operation), QLatin1String(argument), path);
    QFile file(path);
    if (!file.exists())
        throwOSError(ENOENT, context);
    if (QFileInfo(path).isDir())
        throwOSError(EISDIR, context);
    if (!file.open(QIODevice::ReadOnly))
        throwOSError(file.error() == QFileDevice::PermissionsError ? EACCES : EIO, context);
    return file.readAll();
}

struct PasswordSource
{
    const QByteArray *password;
    bool asked = false;
};

int passwordCallback(char *buffer, int size, int, void *userData)
{
    auto *source = static_cast<PasswordSource *>(userData);
    source->asked = true;
    if (!source->password || source->password->isEmpty())
        return 0;
    if (source->password->size() > size)
        return -1;
    std::memcpy(buffer, source->password->constData(), std::size_t(source->password->size()));
    return int(source->password->size());
}

int versionNumber(TlsVersion version)
{
    switch (version) {
    case TlsVersion::MinimumSupported:
    case TlsVersion::MaximumSupported:
        return 0;
    case TlsVersion::TlsV1:
        return TLS1_VERSION;
    case TlsVersion::TlsV1_1:
        return TLS1_1_VERSION;
    case TlsVersion::TlsV1_2:
        return TLS1_2_VERSION;
    case TlsVersion::TlsV1_3:
        return TLS1_3_VERSION;
    }
    return -1;
}

TlsVersion versionOf(long number, TlsVersion unbounded)
{
    switch (number) {
    case TLS1_VERSION:
        return TlsVersion::TlsV1;
    case TLS1_1_VERSION:
        return TlsVersion::TlsV1_1;
    case TLS1_2_VERSION:
        return TlsVersion::TlsV1_2;
    case TLS1_3_VERSION:
        return TlsVersion::TlsV1_3;
    default:
        return unbounded;
    }
}

// ALPN's wire form: each name preceded by its length.
QByteArray alpnWire(const QList<QByteArray> &protocols)
{
    QByteArray wire;
    for (const QByteArray &name : protocols) {
        wire.append(char(name.size()));
        wire.append(name);
    }
    return wire;
}

// A server picks the first of its own protocols that the client offers (RFC 7301), or
// none: the handshake goes on without ALPN, as Python's servers do.
int selectAlpn(SSL *ssl, const unsigned char **out, unsigned char *outLength, const unsigned char *offered,
               unsigned int offeredLength, void *)
{
    // The context the connection has now: the server name callback may have switched it.
    const SslContext::Settings *settings = settingsOf(SSL_get_SSL_CTX(ssl));
    if (!settings)
        return SSL_TLSEXT_ERR_NOACK;
    for (const QByteArray &ours : settings->alpn) {
        for (unsigned int i = 0; i < offeredLength;) {
            const unsigned int length = offered[i];
            if (i + 1 + length > offeredLength)
                break;
            if (length == unsigned(ours.size()) && std::memcmp(offered + i + 1, ours.constData(), length) == 0) {
                *out = offered + i + 1;
                *outLength = static_cast<unsigned char>(length);
                return SSL_TLSEXT_ERR_OK;
            }
            i += 1 + length;
        }
    }
    return SSL_TLSEXT_ERR_NOACK;
}

} // namespace

SslContext::SslContext(std::shared_ptr<ssl_ctx_st> context) : d(std::move(context)) {}

SslContext::SslContext(SslRole role)
{
    detail::clearSslErrors();
    SSL_CTX *made = SSL_CTX_new(role == SslRole::Client ? TLS_client_method() : TLS_server_method());
    if (!made)
        detail::throwSslError(QStringLiteral("SslContext()"));
    d = std::shared_ptr<ssl_ctx_st>(made, SSL_CTX_free);
    auto *settings = new Settings;
    if (settingsIndex() < 0 || SSL_CTX_set_ex_data(made, settingsIndex(), settings) != 1) {
        delete settings;
        detail::throwSslError(QStringLiteral("SslContext()"));
    }
    settings->role = role;
    // Python's defaults: no compression (CRIME), the server's cipher order, a fresh key
    // per handshake, TLS 1.2 at least.
    SSL_CTX_set_options(d.get(), SSL_OP_ALL | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE
                                        | SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE);
    SSL_CTX_clear_options(d.get(), SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS);
    // The transport hands OpenSSL the same bytes again after a retry, from wherever they
    // are now; idle connections give their buffers back.
    SSL_CTX_set_mode(d.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE
                                     | SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_min_proto_version(d.get(), TLS1_2_VERSION);
    X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(d.get()), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_CTX_set_alpn_select_cb(d.get(), selectAlpn, nullptr);
    if (role == SslRole::Client) {
        SSL_CTX_set_verify(d.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        settings->checkHostname = true;
        settings->sessions = std::make_unique<detail::ClientSessionCache>();
        SSL_CTX_set_session_cache_mode(d.get(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(d.get(), keepSession);
    } else {
        SSL_CTX_set_verify(d.get(), SSL_VERIFY_NONE, nullptr);
    }
}

SslContext SslContext::createDefault(SslRole role)
{
    SslContext context(role);
    context.setDefaultVerifyPaths();
    return context;
}

namespace detail {

ClientSessionCache *sessionCacheOf(const ssl_ctx_st *context)
{
    const SslContext::Settings *settings = settingsOf(context);
    return settings ? settings->sessions.get() : nullptr;
}

} // namespace detail

bool SslContext::sessionResumption() const
{
    return bool(settings().sessions);
}

void SslContext::setSessionResumption(bool resume)
{
    if (settings().role != SslRole::Client)
        throw ValueError("setSessionResumption(): a server resumes whatever sessions its clients offer");
    if (!resume)
        settings().sessions.reset();
    else if (!settings().sessions)
        settings().sessions = std::make_unique<detail::ClientSessionCache>();
}

SslContext::Settings &SslContext::settings() const
{
    return *settingsOf(d.get());
}

SslRole SslContext::role() const
{
    return settings().role;
}

ssl_ctx_st *SslContext::nativeHandle() const
{
    return d.get();
}

SslContext SslContext::fromNativeHandle(ssl_ctx_st *context)
{
    if (!context || !settingsOf(context))
        throw ValueError("fromNativeHandle(): context: not an SSL_CTX of a qaio::SslContext");
    SSL_CTX_up_ref(context);
    return SslContext(std::shared_ptr<ssl_ctx_st>(context, SSL_CTX_free));
}

// ---- the server's choice by name -------------------------------------------------------

namespace {

int pickContextByName(SSL *ssl, int *alert, void *)
{
    const SslContext::Settings *settings = settingsOf(SSL_get_SSL_CTX(ssl));
    if (!settings || !settings->pickByName)
        return SSL_TLSEXT_ERR_OK;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    try {
        const std::optional<SslContext> picked = settings->pickByName(name ? QString::fromUtf8(name) : QString());
        if (picked && picked->nativeHandle() != SSL_get_SSL_CTX(ssl)) {
            if (picked->role() != SslRole::Server)
                throw ValueError("setServerNameCallback(): the callback returned a client context");
            SSL_set_SSL_CTX(ssl, picked->nativeHandle()); // the SSL takes a reference
            // SSL_set_SSL_CTX() takes the certificate, not the verification settings.
            SSL_set_verify(ssl, SSL_CTX_get_verify_mode(picked->nativeHandle()), nullptr);
            SSL_set_options(ssl, SSL_CTX_get_options(picked->nativeHandle()));
        }
        return SSL_TLSEXT_ERR_OK;
    } catch (const std::exception &e) {
        qCWarning(lcQaio, "SslContext server name callback for '%s' failed: %s", name ? name : "", e.what());
    } catch (...) {
        qCWarning(lcQaio, "SslContext server name callback for '%s' failed", name ? name : "");
    }
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

} // namespace

void SslContext::setServerNameCallback(ServerNameCallback pick)
{
    settings().pickByName = std::move(pick);
    if (settings().pickByName)
        SSL_CTX_set_tlsext_servername_callback(d.get(), pickContextByName);
    else
        SSL_CTX_set_tlsext_servername_callback(d.get(), nullptr);
}

// ---- this side's certificate and key ---------------------------------------------------

void SslContext::loadCertChain(const QString &certFile, const QString &keyFile, const QByteArray &password)
{
    if (certFile.isEmpty())
        throw ValueError("loadCertChain(): certFile: must not be empty");
    const QByteArray certPem = readFile(certFile, "loadCertChain", "certFile");
    const QByteArray keyPem = keyFile.isEmpty() ? QByteArray() : readFile(keyFile, "loadCertChain", "keyFile");
    loadCertChainFromData(certPem, keyPem, password);
}

void SslContext::loadCertChainFromData(const QByteArray &certPem, const QByteArray &keyPem, const QByteArray &password)
{
    const char *operation = "loadCertChain()";
    if (certPem.isEmpty())
        throw ValueError("loadCertChain(): certificate: no data");
    detail::clearSslErrors();
    BioPtr certs = memoryBio(certPem);
    X509Ptr leaf(PEM_read_bio_X509_AUX(certs.get(), nullptr, nullptr, nullptr));
    if (!leaf)
        detail::throwSslError(QStringLiteral("%1: certificate").arg(QLatin1String(operation)), QStringLiteral("no certificate found"));
    if (SSL_CTX_use_certificate(d.get(), leaf.get()) != 1)
        detail::throwSslError(QStringLiteral("%1: certificate").arg(QLatin1String(operation)));
    SSL_CTX_clear_chain_certs(d.get());
    for (;;) {
        X509 *intermediate = PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr);
        if (!intermediate)
            break;
        if (SSL_CTX_add0_chain_cert(d.get(), intermediate) != 1) {
            X509_free(intermediate);
            detail::throwSslError(QStringLiteral("%1: chain certificate").arg(QLatin1String(operation)));
        }
    }
    detail::clearSslErrors(); // the end of the PEM data is reported as an error

    PasswordSource source{&password};
    BioPtr keys = memoryBio(keyPem.isEmpty() ? certPem : keyPem);
    KeyPtr key(PEM_read_bio_PrivateKey(keys.get(), nullptr, passwordCallback, &source));
    if (!key) {
        if (source.asked && password.isEmpty())
            throw SslError(QStringLiteral("%1: private key").arg(QLatin1String(operation)), QString(), QString(),
                           QStringLiteral("the key is encrypted and no password was given"));
        detail::throwSslError(QStringLiteral("%1: private key").arg(QLatin1String(operation)),
                              QStringLiteral("no private key found"));
    }
    if (SSL_CTX_use_PrivateKey(d.get(), key.get()) != 1)
        detail::throwSslError(QStringLiteral("%1: private key").arg(QLatin1String(operation)));
    if (SSL_CTX_check_private_key(d.get()) != 1)
        detail::throwSslError(QStringLiteral("%1: private key").arg(QLatin1String(operation)));
}

// ---- whom to trust ---------------------------------------------------------------------

void SslContext::loadVerifyLocations(const QString &caFile, const QString &caPath, const QByteArray &caData)
{
    if (caFile.isEmpty() && caPath.isEmpty() && caData.isEmpty())
        throw ValueError("loadVerifyLocations(): caFile, caPath and caData cannot be all omitted");
    detail::clearSslErrors();
    X509_STORE *store = SSL_CTX_get_cert_store(d.get());
    const auto addAll = [store](const QByteArray &data, const QString &context) {
        BioPtr bio = memoryBio(data);
        int added = 0;
        for (;;) {
            X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
            if (!certificate)
                break;
            if (X509_STORE_add_cert(store, certificate.get()) == 1)
                ++added;
            else
                ERR_clear_error(); // already there, as Python ignores
        }
        detail::clearSslErrors();
        if (added == 0 && !data.trimmed().startsWith("-----")) {
            // One DER certificate.
            const unsigned char *der = reinterpret_cast<const unsigned char *>(data.constData());
            X509Ptr certificate(d2i_X509(nullptr, &der, long(data.size())));
            if (certificate && X509_STORE_add_cert(store, certificate.get()) == 1)
                ++added;
        }
        if (added == 0)
            detail::throwSslError(context, QStringLiteral("no certificate found"));
    };
    if (!caFile.isEmpty())
        addAll(readFile(caFile, "loadVerifyLocations", "caFile"),
               QStringLiteral("loadVerifyLocations(): caFile '%1'").arg(caFile));
    if (!caData.isEmpty())
        addAll(caData, QStringLiteral("loadVerifyLocations(): caData"));
    if (!caPath.isEmpty()) {
        const QString context = QStringLiteral("loadVerifyLocations(): caPath '%1'").arg(caPath);
        if (!QFileInfo::exists(caPath))
            throwOSError(ENOENT, context);
        if (!QFileInfo(caPath).isDir())
            throwOSError(ENOTDIR, context);
        if (SSL_CTX_load_verify_locations(d.get(), nullptr, QFile::encodeName(caPath).constData()) != 1)
            detail::throwSslError(context);
    }
}

void SslContext::setDefaultVerifyPaths()
{
    detail::clearSslErrors();
    if (SSL_CTX_set_default_verify_paths(d.get()) != 1)
        detail::throwSslError(QStringLiteral("setDefaultVerifyPaths()"));
}

QList<QSslCertificate> SslContext::caCertificates() const
{
    QList<QSslCertificate> certificates;
    X509_STORE *store = SSL_CTX_get_cert_store(d.get());
    STACK_OF(X509_OBJECT) *objects = X509_STORE_get0_objects(store);
    for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
        X509 *certificate = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i));
        if (!certificate)
            continue;
        const QSslCertificate converted = detail::toQSslCertificate(certificate);
        if (!converted.isNull())
            certificates.append(converted);
    }
    return certificates;
}

// ---- verification ----------------------------------------------------------------------

SslVerifyMode SslContext::verifyMode() const
{
    const int mode = SSL_CTX_get_verify_mode(d.get());
    if (!(mode & SSL_VERIFY_PEER))
        return SslVerifyMode::None;
    return (mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT) ? SslVerifyMode::Required : SslVerifyMode::Optional;
}

void SslContext::setVerifyMode(SslVerifyMode mode)
{
    if (mode == SslVerifyMode::None && settings().checkHostname)
        throw ValueError("setVerifyMode(): Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
    int flags = SSL_VERIFY_NONE;
    if (mode == SslVerifyMode::Optional)
        flags = SSL_VERIFY_PEER;
    else if (mode == SslVerifyMode::Required)
        flags = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    // A server with post-handshake authentication asks later, not in the handshake.
    if ((flags & SSL_VERIFY_PEER) && settings().postHandshakeAuth && settings().role == SslRole::Server)
        flags |= SSL_VERIFY_POST_HANDSHAKE;
    SSL_CTX_set_verify(d.get(), flags, nullptr);
}

bool SslContext::postHandshakeAuth() const
{
    return settings().postHandshakeAuth;
}

void SslContext::setPostHandshakeAuth(bool enabled)
{
    settings().postHandshakeAuth = enabled;
    if (settings().role == SslRole::Client)
        SSL_CTX_set_post_handshake_auth(d.get(), enabled ? 1 : 0);
    else
        setVerifyMode(verifyMode());
}

bool SslContext::checkHostname() const
{
    return settings().checkHostname;
}

void SslContext::setCheckHostname(bool check)
{
    if (check && verifyMode() == SslVerifyMode::None)
        setVerifyMode(SslVerifyMode::Required);
    settings().checkHostname = check;
}

// ---- protocols and ciphers -------------------------------------------------------------

void SslContext::setAlpnProtocols(const QList<QByteArray> &protocols)
{
    for (const QByteArray &name : protocols)
        if (name.isEmpty() || name.size() > 255)
            throw ValueError(QStringLiteral("setAlpnProtocols(): protocols: '%1' is not 1 to 255 bytes long")
                                 .arg(QString::fromLatin1(name.left(40))));
    const QByteArray wire = alpnWire(protocols);
    // OpenSSL returns 0 on success here, unlike its other calls.
    if (settings().role == SslRole::Client
        && SSL_CTX_set_alpn_protos(d.get(), reinterpret_cast<const unsigned char *>(wire.constData()),
                                   unsigned(wire.size()))
               != 0)
        detail::throwSslError(QStringLiteral("setAlpnProtocols()"));
    settings().alpn = protocols;
}

QList<QByteArray> SslContext::alpnProtocols() const
{
    return settings().alpn;
}

void SslContext::setCiphers(const QByteArray &cipherList)
{
    detail::clearSslErrors();
    if (SSL_CTX_set_cipher_list(d.get(), cipherList.constData()) != 1)
        throw SslError(QStringLiteral("setCiphers(): cipherList '%1'").arg(QString::fromLatin1(cipherList)),
                       QStringLiteral("SSL"), QStringLiteral("NO_CIPHER_MATCH"),
                       QStringLiteral("No cipher can be selected."));
}

QStringList SslContext::cipherNames() const
{
    QStringList names;
    SSL *probe = SSL_new(d.get());
    if (!probe)
        return names;
    STACK_OF(SSL_CIPHER) *ciphers = SSL_get1_supported_ciphers(probe);
    for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i)
        names.append(QString::fromLatin1(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i))));
    sk_SSL_CIPHER_free(ciphers);
    SSL_free(probe);
    return names;
}

TlsVersion SslContext::minimumVersion() const
{
    return versionOf(SSL_CTX_get_min_proto_version(d.get()), TlsVersion::MinimumSupported);
}

void SslContext::setMinimumVersion(TlsVersion version)
{
    const int number = versionNumber(version);
    if (number < 0 || SSL_CTX_set_min_proto_version(d.get(), number) != 1)
        throw ValueError(QStringLiteral("setMinimumVersion(): version: unsupported (%1)").arg(int(version)));
}

TlsVersion SslContext::maximumVersion() const
{
    return versionOf(SSL_CTX_get_max_proto_version(d.get()), TlsVersion::MaximumSupported);
}

void SslContext::setMaximumVersion(TlsVersion version)
{
    const int number = versionNumber(version);
    if (number < 0 || SSL_CTX_set_max_proto_version(d.get(), number) != 1)
        throw ValueError(QStringLiteral("setMaximumVersion(): version: unsupported (%1)").arg(int(version)));
}

// ---- Qt Network ------------------------------------------------------------------------

SslContext SslContext::fromQSslConfiguration(const QSslConfiguration &configuration, SslRole role)
{
    SslContext context(role);
    const QList<QSslCertificate> chain = configuration.localCertificateChain().isEmpty()
        ? QList<QSslCertificate>{configuration.localCertificate()}
        : configuration.localCertificateChain();
    const QSslKey key = configuration.privateKey();
    if (!chain.isEmpty() && !chain.front().isNull()) {
        if (key.isNull())
            throw ValueError("fromQSslConfiguration(): configuration: a local certificate without its private key");
        QByteArray pem;
        for (const QSslCertificate &certificate : chain)
            pem += certificate.toPem();
        context.loadCertChainFromData(pem, key.toPem());
    }
    const QList<QSslCertificate> authorities = configuration.caCertificates();
    if (authorities.isEmpty()) {
        context.setDefaultVerifyPaths();
    } else {
        QByteArray pem;
        for (const QSslCertificate &certificate : authorities)
            pem += certificate.toPem();
        context.loadVerifyLocations(QString(), QString(), pem);
    }
    switch (configuration.protocol()) {
    case QSsl::TlsV1_2:
        context.setMaximumVersion(TlsVersion::TlsV1_2);
        break;
    case QSsl::TlsV1_3:
        context.setMinimumVersion(TlsVersion::TlsV1_3);
        context.setMaximumVersion(TlsVersion::TlsV1_3);
        break;
    case QSsl::TlsV1_3OrLater:
        context.setMinimumVersion(TlsVersion::TlsV1_3);
        break;
    case QSsl::AnyProtocol:
        context.setMinimumVersion(TlsVersion::MinimumSupported);
        break;
    default: // SecureProtocols, TlsV1_2OrLater and the deprecated older ones: TLS 1.2 and up
        break;
    }
    switch (configuration.peerVerifyMode()) {
    case QSslSocket::VerifyNone:
        context.setCheckHostname(false);
        context.setVerifyMode(SslVerifyMode::None);
        break;
    case QSslSocket::QueryPeer:
        context.setCheckHostname(false);
        context.setVerifyMode(SslVerifyMode::Optional);
        break;
    case QSslSocket::VerifyPeer:
        context.setVerifyMode(SslVerifyMode::Required);
        break;
    case QSslSocket::AutoVerifyPeer:
        if (role == SslRole::Server) {
            context.setCheckHostname(false);
            context.setVerifyMode(SslVerifyMode::None);
        }
        break;
    }
    const QList<QByteArray> alpn = configuration.allowedNextProtocols();
    if (!alpn.isEmpty())
        context.setAlpnProtocols(alpn);
    return context;
}

} // namespace qaio
