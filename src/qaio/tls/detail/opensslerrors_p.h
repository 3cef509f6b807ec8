// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// OpenSSL's error queue turned into qaio's exceptions (tls/sslerror.h).

#include <QtCore/QString>

#include <exception>

namespace qaio::detail {

/*! The SslError of the oldest error on this thread's OpenSSL error queue (or \a fallback
    as its text when the queue is empty), about \a context; empties the queue. */
std::exception_ptr takeSslError(const QString &context, const QString &fallback = QStringLiteral("unknown error"));

/*! Throws takeSslError(). */
[[noreturn]] void throwSslError(const QString &context, const QString &fallback = QStringLiteral("unknown error"));

/*! Forgets whatever an earlier call left on this thread's OpenSSL error queue. */
void clearSslErrors() noexcept;

} // namespace qaio::detail
