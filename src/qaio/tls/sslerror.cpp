// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/tls/sslerror.h>

namespace qaio {

namespace {

QString sslMessage(const QString &context, const QString &library, const QString &reason, const QString &text)
{
    const QString tag = library.isEmpty() ? QString() : QStringLiteral("[%1: %2] ").arg(library, reason);
    return context.isEmpty() ? tag + text : QStringLiteral("%1: %2%3").arg(context, tag, text);
}

} // namespace

SslError::SslError(const QString &context, const QString &library, const QString &reason, const QString &text)
    : OSError(sslMessage(context, library, reason, text)), m_library(library), m_reason(reason)
{
}

SslCertVerificationError::SslCertVerificationError(const QString &context, int verifyCode,
                                                   const QString &verifyMessage)
    : SslError(context, QStringLiteral("SSL"), QStringLiteral("CERTIFICATE_VERIFY_FAILED"),
               QStringLiteral("certificate verify failed: %1").arg(verifyMessage)),
      m_verifyCode(verifyCode), m_verifyMessage(verifyMessage)
{
}

} // namespace qaio
