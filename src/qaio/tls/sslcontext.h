// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file sslcontext.h
    qaio::SslContext: the TLS settings of connections (Python's ssl.SSLContext), over
    OpenSSL.

    A context is made for one role: a client verifies the server it connects to, a server
    presents its certificate. The defaults are the safe ones, as Python's
    ssl.create_default_context():
    \list
    \li a client context verifies the server's certificate (SslVerifyMode::Required) and
        its host name (checkHostname()), and createDefault() trusts the system's CA store;
    \li TLS 1.2 is the minimum version; compression is off;
    \li a server context asks for no client certificate until setVerifyMode() says so.
    \endlist

    Copies of an SslContext share one context (as Python passes one SSLContext object
    around): a setting changed through one copy holds for all, and for the connections
    made afterwards.

    Errors: a file that does not exist throws FileNotFoundError, one that cannot be read
    PermissionError (or OSError); content OpenSSL refuses throws SslError with OpenSSL's
    reason (a wrong password: "bad decrypt"; a key that is not the certificate's: "key
    values mismatch"); a bad argument throws ValueError naming it.

    \code
    // A client that trusts the system's CAs, and speaks HTTP/2 or 1.1:
    qaio::SslContext client = qaio::SslContext::createDefault();
    client.setAlpnProtocols({"h2", "http/1.1"});

    // A server with its certificate chain and an encrypted key:
    qaio::SslContext server(qaio::SslRole::Server);
    server.loadCertChain("server.pem", "server.key", "secret");

    // Mutual TLS: the server demands client certificates signed by its own CA.
    server.loadVerifyLocations("clients-ca.pem");
    server.setVerifyMode(qaio::SslVerifyMode::Required);
    \endcode

    Qt Network users can start from a QSslConfiguration: fromQSslConfiguration() takes its
    certificate and key, CA list, protocol, peer verify mode and ALPN protocols.
*/

#include <qaio/base/qaioglobal.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <functional>
#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QSslCertificate;
class QSslConfiguration;
QT_END_NAMESPACE

struct ssl_ctx_st; // OpenSSL's SSL_CTX

namespace qaio {

/*! Which side of connections a context serves (Python: ssl.PROTOCOL_TLS_CLIENT /
    PROTOCOL_TLS_SERVER, or create_default_context(Purpose.SERVER_AUTH / CLIENT_AUTH)). */
enum class SslRole { Client, Server };

/*! Whether the peer must present a certificate that verifies (Python's ssl.CERT_NONE,
    CERT_OPTIONAL, CERT_REQUIRED). For a client, None accepts any server: only for tests. */
enum class SslVerifyMode { None, Optional, Required };

/*! TLS protocol versions (Python's ssl.TLSVersion). MinimumSupported and MaximumSupported
    leave the bound to OpenSSL. */
enum class TlsVersion { MinimumSupported, TlsV1, TlsV1_1, TlsV1_2, TlsV1_3, MaximumSupported };

class QAIO_EXPORT SslContext
{
public:
    /*! A context for \a role with the safe defaults above, trusting no CA yet (Python's
        SSLContext(PROTOCOL_TLS_CLIENT) / SSLContext(PROTOCOL_TLS_SERVER)). Throws SslError
        if OpenSSL cannot make one. */
    explicit SslContext(SslRole role);
    /*! Python's ssl.create_default_context(): a context for \a role that also trusts the
        system's CA store (setDefaultVerifyPaths()). */
    static SslContext createDefault(SslRole role = SslRole::Client);
    /*! A context for \a role from Qt Network's \a configuration: its local certificate
        chain and private key, its CA certificates (the system store when it has none), its
        protocol (as minimum and maximum versions), its peer verify mode
        (QSslSocket::AutoVerifyPeer: Required for a client, None for a server; QueryPeer:
        Optional) and its allowed ALPN protocols. Goes through PEM, so it works whatever TLS
        backend Qt uses. Qt's cipher list is not taken (OpenSSL's defaults stay). Throws
        SslError for a certificate or key OpenSSL refuses, ValueError for an encrypted key
        (Qt keeps no password for it). */
    static SslContext fromQSslConfiguration(const QSslConfiguration &configuration, SslRole role);

    SslRole role() const;

    /*! Loads this side's certificate chain from the PEM file \a certFile (the certificate
        first, then its intermediates) and its private key from \a keyFile (or from
        \a certFile when empty), decrypting the key with \a password if it is encrypted
        (Python's load_cert_chain()). Throws FileNotFoundError / PermissionError for a file
        that cannot be read, SslError for content that is not a certificate or key, a wrong
        password, or a key that does not belong to the certificate. */
    void loadCertChain(const QString &certFile, const QString &keyFile = QString(),
                       const QByteArray &password = QByteArray());
    /*! loadCertChain() from PEM in memory. */
    void loadCertChainFromData(const QByteArray &certPem, const QByteArray &keyPem = QByteArray(),
                               const QByteArray &password = QByteArray());

    /*! Trusts the CA certificates in the PEM file \a caFile, the hashed directory \a caPath
        (looked up as certificates are verified, as `openssl rehash` lays it out), and
        \a caData (PEM, one or more certificates, or one DER certificate), any of them
        (Python's load_verify_locations()). Throws ValueError when all three are empty,
        FileNotFoundError for a file or directory that does not exist, SslError for data
        with no certificate in it. */
    void loadVerifyLocations(const QString &caFile, const QString &caPath = QString(),
                             const QByteArray &caData = QByteArray());
    /*! Trusts the system's CA store (Python's set_default_verify_paths()). */
    void setDefaultVerifyPaths();
    /*! The CA certificates loaded so far (from files and data; a caPath directory's are
        read only as needed and are not listed), as Python's get_ca_certs(). */
    QList<QSslCertificate> caCertificates() const;

    SslVerifyMode verifyMode() const;
    /*! Throws ValueError("Cannot set verify_mode to CERT_NONE when check_hostname is
        enabled.") for None while checkHostname() holds, as Python. */
    void setVerifyMode(SslVerifyMode mode);
    /*! Whether a client checks that the server's certificate names the host it connects to
        (its serverHostname). */
    bool checkHostname() const;
    /*! Turning it on also turns verifyMode() None into Required, as Python does. */
    void setCheckHostname(bool check);

    /*! The ALPN protocols offered (client) or accepted in order of preference (server),
        as Python's set_alpn_protocols(). Throws ValueError for an empty name or one longer
        than 255 bytes. */
    void setAlpnProtocols(const QList<QByteArray> &protocols);
    QList<QByteArray> alpnProtocols() const;

    /*! OpenSSL's cipher list for TLS 1.2 and below (TLS 1.3 suites are OpenSSL's), as
        Python's set_ciphers(). Throws SslError("No cipher can be selected.") when the list
        selects none. */
    void setCiphers(const QByteArray &cipherList);
    /*! The names of the ciphers enabled, TLS 1.3 suites included (Python's get_ciphers()). */
    QStringList cipherNames() const;

    TlsVersion minimumVersion() const;
    /*! Throws ValueError for a version this OpenSSL does not know. */
    void setMinimumVersion(TlsVersion version);
    TlsVersion maximumVersion() const;
    void setMaximumVersion(TlsVersion version);

    /*! What a server does with the name a client asks for (SNI): \a pick gets the name
        (empty when the client sent none) and returns the context to go on with (a server
        context: its certificate, CAs and ALPN then hold for that connection), or
        std::nullopt to go on with this one (Python's sni_callback, which sets the SSL
        object's context). An exception thrown by \a pick ends the handshake with an
        internal_error alert and is logged (category \c qaio). An empty \a pick removes
        the callback. */
    using ServerNameCallback = std::function<std::optional<SslContext>(const QString &serverName)>;
    void setServerNameCallback(ServerNameCallback pick);

    /*! Whether a client context keeps the session of each server name it connected to and
        offers it on the next connection to that name, which then resumes with an
        abbreviated handshake (TLS 1.3 tickets, TLS 1.2 sessions; a transport's
        extraInfo("session_reused") tells). On by default for clients, as browsers do (Python
        and Qt leave it to the application). setSessionResumption(false) forgets
        the sessions kept; a server context throws ValueError (servers resume what clients
        offer, with OpenSSL's tickets). Contexts shared across threads are safe. */
    bool sessionResumption() const;
    void setSessionResumption(bool resume);

    /*! TLS 1.3 post-handshake client authentication (Python's post_handshake_auth). A
        client context with it answers a server's certificate request after the handshake
        (with the certificate of loadCertChain()). A server context with it and a verify
        mode other than None asks for no certificate in the handshake; it asks later with
        OpenSSL's SSL_verify_client_post_handshake() on extraInfo("ssl_object") (Python's
        verify_client_post_handshake()), the request leaving with its next write, and the
        client's certificate is then extraInfo("peercert"). Off by default. */
    bool postHandshakeAuth() const;
    void setPostHandshakeAuth(bool enabled);

    /*! The OpenSSL SSL_CTX, for settings qaio has no call for; valid while a copy of this
        context lives. */
    ssl_ctx_st *nativeHandle() const;
    /*! The context of an SSL_CTX that qaio made (one of nativeHandle()), taking a
        reference of its own; throws ValueError for one qaio did not make. */
    static SslContext fromNativeHandle(ssl_ctx_st *context);

    struct Settings; // what qaio keeps beside the SSL_CTX, freed with it

private:
    explicit SslContext(std::shared_ptr<ssl_ctx_st> context);
    Settings &settings() const;
    // One reference to the SSL_CTX; connections (SSL objects) hold their own, and the
    // settings live as long as the SSL_CTX does, so a context a connection switched to
    // outlives every copy of this handle.
    std::shared_ptr<ssl_ctx_st> d;
};

} // namespace qaio
