// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file snapshotjson.h
    The JSON form of an InspectorSnapshot: what the remote protocol sends
    (docs/inspector-protocol.md) and what `qaio-inspect --dump` prints. Times are integers
    of nanoseconds on the loop's clock; sites are {"file", "line", "function"} objects.

    \code
    const QJsonObject json = qaio::snapshotToJson(inspector.snapshot());
    QFile out("snapshot.json");
    if (out.open(QIODevice::WriteOnly))
        out.write(QJsonDocument(json).toJson());
    \endcode
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/inspect/inspector.h>

#include <QtCore/QJsonObject>

namespace qaio {

/*! The version of the snapshot JSON and of the remote protocol; raised on incompatible changes. */
inline constexpr int kInspectorProtocolVersion = 1;

QAIO_EXPORT QJsonObject snapshotToJson(const InspectorSnapshot &snapshot);
QAIO_EXPORT QJsonObject taskToJson(const TaskSnapshot &task);
QAIO_EXPORT QJsonObject siteToJson(const SourceLocation &site);

} // namespace qaio
