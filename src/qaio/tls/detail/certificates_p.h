// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// OpenSSL's certificates as Qt's (through DER: Qt's TLS backend need not be OpenSSL).

#include <QtCore/QList>
#include <QtNetwork/QSslCertificate>

struct x509_st;
struct stack_st_X509;

namespace qaio::detail {

/*! \a certificate as a QSslCertificate; a null one if it cannot be encoded. */
QSslCertificate toQSslCertificate(const x509_st *certificate);

/*! Every certificate of \a chain, in its order. */
QList<QSslCertificate> toQSslCertificates(const stack_st_X509 *chain);

} // namespace qaio::detail
