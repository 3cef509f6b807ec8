// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file streamerrors.h
    The errors of the streams layer, as asyncio's IncompleteReadError and
    LimitOverrunError (asyncio/exceptions.py).

    \list
    \li qaio::IncompleteReadError: EOF came before StreamReader::readexactly() or
        readuntil() could finish; carries the bytes read (partial()) and how many were
        expected (expected(); none for readuntil()).
    \li qaio::LimitOverrunError: StreamReader::readuntil() reached the reader's limit
        before the separator; consumed() is how many bytes may be consumed from the
        buffer to make progress (asyncio's \c consumed).
    \endlist

    Both derive from qaio::Error (so from std::exception).

    \code
    try {
        QByteArray header = co_await reader->readexactly(16);
    } catch (const qaio::IncompleteReadError &e) {
        qWarning() << "short header:" << e.partial().size() << "of" << *e.expected();
    }
    \endcode
*/

#include <qaio/base/errors.h>
#include <qaio/base/qaioglobal.h>

#include <QtCore/QByteArray>

#include <optional>

namespace qaio {

class QAIO_EXPORT IncompleteReadError : public Error
{
public:
    /*! Message as asyncio's: "3 bytes read on a total of 5 expected bytes" ("undefined"
        when \a expected is unset). */
    IncompleteReadError(QByteArray partial, std::optional<qsizetype> expected);
    /*! The bytes read before EOF (they are no longer in the reader's buffer). */
    const QByteArray &partial() const noexcept { return m_partial; }
    /*! The size asked for, or none (readuntil()). */
    std::optional<qsizetype> expected() const noexcept { return m_expected; }

private:
    QByteArray m_partial;
    std::optional<qsizetype> m_expected;
};

class QAIO_EXPORT LimitOverrunError : public Error
{
public:
    LimitOverrunError(const QString &message, qsizetype consumed);
    /*! Bytes that can be consumed from the buffer (the data stays in it). */
    qsizetype consumed() const noexcept { return m_consumed; }

private:
    qsizetype m_consumed;
};

} // namespace qaio
