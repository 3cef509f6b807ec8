// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/tasks/exceptioncontext.h>

#include <QtCore/QStringList>

namespace qaio {

QString ExceptionContext::toString() const
{
    QStringList lines;
    lines << (message.isEmpty() ? QStringLiteral("Unhandled exception in event loop") : message);
    if (exception)
        lines << QStringLiteral("exception: %1").arg(describeException(exception));
    if (future.isValid())
        lines << QStringLiteral("%1: %2").arg(future.isTask() ? QStringLiteral("task") : QStringLiteral("future"),
                                             future.describe());
    if (!objectDescription.isEmpty())
        lines << QStringLiteral("object: %1").arg(objectDescription);
    if (handle.isValid())
        lines << QStringLiteral("handle: %1").arg(handle.describe());
    if (sourceLocation.line() != 0)
        lines << QStringLiteral("created at: %1:%2 (%3)")
                     .arg(QString::fromUtf8(sourceLocation.file_name()))
                     .arg(sourceLocation.line())
                     .arg(QString::fromUtf8(sourceLocation.function_name()));
    if (transport)
        lines << QStringLiteral("transport: 0x%1").arg(quintptr(transport), 0, 16);
    if (protocol)
        lines << QStringLiteral("protocol: 0x%1").arg(quintptr(protocol), 0, 16);
    if (socket >= 0)
        lines << QStringLiteral("socket: %1").arg(socket);
    for (auto it = extra.cbegin(); it != extra.cend(); ++it)
        lines << QStringLiteral("%1: %2").arg(it.key(), it.value().toString());
    return lines.join(QStringLiteral("\n    "));
}

} // namespace qaio
