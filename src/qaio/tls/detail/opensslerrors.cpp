// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/tls/detail/opensslerrors_p.h>

#include <qaio/tls/sslerror.h>

#include <openssl/err.h>

namespace qaio::detail {

namespace {

// OpenSSL's reason text in Python's short form: "bad decrypt" -> "BAD_DECRYPT".
QString reasonName(const char *text)
{
    return QString::fromLatin1(text).toUpper().replace(QLatin1Char(' '), QLatin1Char('_'));
}

// Python's short name of the OpenSSL library that failed ("SSL", "PEM", "X509", ...).
QString libraryName(unsigned long code)
{
    switch (ERR_GET_LIB(code)) {
    case ERR_LIB_SSL:
        return QStringLiteral("SSL");
    case ERR_LIB_PEM:
        return QStringLiteral("PEM");
    case ERR_LIB_X509:
        return QStringLiteral("X509");
    case ERR_LIB_X509V3:
        return QStringLiteral("X509V3");
    case ERR_LIB_EVP:
        return QStringLiteral("EVP");
    case ERR_LIB_ASN1:
        return QStringLiteral("ASN1");
    case ERR_LIB_BIO:
        return QStringLiteral("BIO");
    case ERR_LIB_SYS:
        return QStringLiteral("SYS");
    case ERR_LIB_PROV:
        return QStringLiteral("PROV");
    default:
        break;
    }
    QString name = QString::fromLatin1(ERR_lib_error_string(code));
    if (name.endsWith(QLatin1String(" routines")))
        name.chop(int(sizeof(" routines") - 1));
    return name.isEmpty() ? QStringLiteral("SSL") : name.toUpper();
}

} // namespace

std::exception_ptr takeSslError(const QString &context, const QString &fallback)
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return std::make_exception_ptr(SslError(context, QString(), QString(), fallback));
    const char *reason = ERR_reason_error_string(code);
    const QString text = reason ? QString::fromLatin1(reason) : QStringLiteral("error %1").arg(ERR_GET_REASON(code));
    return std::make_exception_ptr(SslError(context, libraryName(code),
                                            reason ? reasonName(reason) : QString::number(ERR_GET_REASON(code)), text));
}

void throwSslError(const QString &context, const QString &fallback)
{
    std::rethrow_exception(takeSslError(context, fallback));
}

void clearSslErrors() noexcept
{
    ERR_clear_error();
}

} // namespace qaio::detail
