// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file sslerror.h
    TLS errors, as Python's ssl module raises them: qaio::SslError is an OSError (Python's
    ssl.SSLError), qaio::SslCertVerificationError the failed verification of a peer's
    certificate (ssl.SSLCertVerificationError).

    The message names the operation, then OpenSSL's own words:
    \c{"loadCertChain(): keyFile 'server.key': [SSL: BAD_DECRYPT] bad decrypt"}; a failed
    verification says why: \c{"certificate verify failed: certificate has expired"}.

    \code
    try {
        qaio::SslContext context(qaio::SslRole::Server);
        context.loadCertChain("server.pem", "server.key", "secret");
    } catch (const qaio::FileNotFoundError &e) {
        qWarning() << "no such file:" << e.what();
    } catch (const qaio::SslError &e) {
        qWarning() << "not a usable certificate or key:" << e.reason();
    }
    \endcode
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/platform/oserror.h>

namespace qaio {

/*! A TLS failure (Python's ssl.SSLError, an OSError). library() and reason() are
    OpenSSL's names for where and why ("SSL", "CERTIFICATE_VERIFY_FAILED"), empty where
    qaio itself refused. */
class QAIO_EXPORT SslError : public OSError
{
public:
    SslError(const QString &context, const QString &library, const QString &reason, const QString &text);
    QString library() const { return m_library; }
    QString reason() const { return m_reason; }

private:
    QString m_library;
    QString m_reason;
};

/*! The peer's certificate did not verify (Python's ssl.SSLCertVerificationError):
    verifyCode() is OpenSSL's X509_V_ERR_* code, verifyMessage() its text ("certificate
    has expired", "Hostname mismatch, certificate is not valid for 'example.org'."). */
class QAIO_EXPORT SslCertVerificationError : public SslError
{
public:
    SslCertVerificationError(const QString &context, int verifyCode, const QString &verifyMessage);
    int verifyCode() const noexcept { return m_verifyCode; }
    QString verifyMessage() const { return m_verifyMessage; }

private:
    int m_verifyCode;
    QString m_verifyMessage;
};

} // namespace qaio
