// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// Certificates made at test time for the TLS suites (OpenSSL's API, P-256 keys): a CA,
// certificates it signs for a server (localhost, 127.0.0.1), a client, an expired server,
// a server of another name; a self-signed server; a CA nobody trusts. PEM files in a
// directory the caller owns.

#include <QtCore/QString>

#include <memory>

namespace qaio {
class SslContext;
}

namespace tlstest {

struct Pki
{
    QString caCert;
    QString serverCert, serverKey;        // localhost and 127.0.0.1, signed by the CA
    QString serverKeyEncrypted;           // the same key, encrypted with kKeyPassword
    QString serverCombined;               // certificate and key in one file
    QString clientCert, clientKey;        // client authentication, signed by the CA
    QString expiredCert, expiredKey;      // localhost, expired yesterday
    QString wrongHostCert, wrongHostKey;  // wrong.example only
    QString selfSignedCert, selfSignedKey; // localhost, its own issuer
    QString otherCaCert;                  // a CA that signed none of these
};

inline constexpr char kKeyPassword[] = "secret";

/*! Writes a fresh set into \a directory; qFatal() if OpenSSL fails. */
Pki makePki(const QString &directory);

/*! A server context with \a pki's server certificate (localhost, 127.0.0.1). */
std::shared_ptr<qaio::SslContext> serverContext(const Pki &pki);
/*! A client context trusting \a pki's CA (host names checked, as by default). */
std::shared_ptr<qaio::SslContext> clientContext(const Pki &pki);

} // namespace tlstest
