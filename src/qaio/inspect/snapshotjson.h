// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file snapshotjson.h
    The JSON form of an InspectorSnapshot: what the remote protocol sends
    (docs/inspector-protocol.md) and what `qaio-inspect --dump` prints. Times are integers
    of nanoseconds on the loop's clock; sites are {"file", "line", "function"} objects.

    snapshotToCompactJson() writes the bytes straight from the snapshot, with no QJsonObject
    in between (a snapshot of 10,000 tasks is about 9 MB of JSON): the form to send or
    save. snapshotToJson() and the others give a QJsonObject, to read a few members.

    \code
    QFile out("snapshot.json");
    if (out.open(QIODevice::WriteOnly))
        out.write(qaio::snapshotToCompactJson(inspector.snapshot()));
    \endcode
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/inspect/inspector.h>

#include <QtCore/QByteArray>
#include <QtCore/QJsonObject>

namespace qaio {

/*! The version of the snapshot JSON and of the remote protocol; raised on incompatible changes. */
inline constexpr int kInspectorProtocolVersion = 1;

/*! The snapshot as compact UTF-8 JSON. */
QAIO_EXPORT QByteArray snapshotToCompactJson(const InspectorSnapshot &snapshot);
QAIO_EXPORT QJsonObject snapshotToJson(const InspectorSnapshot &snapshot);
QAIO_EXPORT QJsonObject taskToJson(const TaskSnapshot &task);
QAIO_EXPORT QJsonObject siteToJson(const SourceLocation &site);

} // namespace qaio
