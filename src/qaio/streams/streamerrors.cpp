// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/streams/streamerrors.h>

namespace qaio {

namespace {
QString incompleteMessage(qsizetype got, std::optional<qsizetype> expected)
{
    const QString total = expected ? QString::number(*expected) : QStringLiteral("undefined");
    return QStringLiteral("%1 bytes read on a total of %2 expected bytes").arg(got).arg(total);
}
} // namespace

IncompleteReadError::IncompleteReadError(QByteArray partial, std::optional<qsizetype> expected)
    : Error(incompleteMessage(partial.size(), expected)), m_partial(std::move(partial)), m_expected(expected)
{
}

LimitOverrunError::LimitOverrunError(const QString &message, qsizetype consumed)
    : Error(message), m_consumed(consumed)
{
}

} // namespace qaio
