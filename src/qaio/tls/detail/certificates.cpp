// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/tls/detail/certificates_p.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

namespace qaio::detail {

QSslCertificate toQSslCertificate(const x509_st *certificate)
{
    if (!certificate)
        return QSslCertificate();
    unsigned char *der = nullptr;
    const int length = i2d_X509(certificate, &der);
    if (length <= 0)
        return QSslCertificate();
    QSslCertificate converted(QByteArray(reinterpret_cast<const char *>(der), length), QSsl::Der);
    OPENSSL_free(der);
    return converted;
}

QList<QSslCertificate> toQSslCertificates(const stack_st_X509 *chain)
{
    QList<QSslCertificate> certificates;
    for (int i = 0; chain && i < sk_X509_num(chain); ++i) {
        const QSslCertificate certificate = toQSslCertificate(sk_X509_value(chain, i));
        if (!certificate.isNull())
            certificates.append(certificate);
    }
    return certificates;
}

} // namespace qaio::detail
