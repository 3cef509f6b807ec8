// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtCore/QString>

namespace qaio {

/*! A site of the inspector protocol ({"file", "line", "function"}) as "file:line"; empty
    for an unknown site. */
inline QString siteText(const QJsonValue &site)
{
    const QJsonObject o = site.toObject();
    const QString file = o.value(QLatin1String("file")).toString();
    if (file.isEmpty())
        return QString();
    return QStringLiteral("%1:%2").arg(file).arg(o.value(QLatin1String("line")).toInteger());
}

} // namespace qaio
