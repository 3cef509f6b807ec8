// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/loop/detail/sendfileargs_p.h>

#include <qaio/base/errors.h>

#include <QtCore/QFile>

namespace qaio::detail {

void checkSendfileArguments(const char *function, const QFile &file, qint64 offset, std::optional<qint64> count)
{
    const QLatin1String name(function);
    if (!file.isOpen() || !file.isReadable())
        throw ValueError(QStringLiteral("%1(): file: must be open for reading").arg(name));
    if (file.isSequential())
        throw ValueError(QStringLiteral("%1(): file: must be a regular file, not a pipe, socket or device").arg(name));
    if (offset < 0)
        throw ValueError(QStringLiteral("%1(): offset must be a non-negative integer, got %2").arg(name).arg(offset));
    if (count && *count <= 0)
        throw ValueError(QStringLiteral("%1(): count must be a positive integer, got %2").arg(name).arg(*count));
}

} // namespace qaio::detail
