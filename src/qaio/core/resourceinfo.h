// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file resourceinfo.h
    ResourceInfo: what the inspector (inspect/inspector.h) shows of one thing the loop
    serves: an open transport, a server, a watched descriptor, a signal handler. Each kind
    of loop resource describes itself, so a new transport appears without changes to the
    inspector.
*/

#include <qaio/base/qaioglobal.h>

#include <QtCore/QString>

#include <cstdint>
#include <vector>

namespace qaio {

struct ResourceInfo
{
    std::uint64_t id = 0;       // unique in the process; AwaitEdge::resourceId names it
    QString kind;               // "socket transport", "pipe transport", "datagram transport", "server", "fd", "signal", ...
    QString description;        // the peer, the listening addresses, the signal's number
    qintptr fd = -1;
    std::int64_t bytesIn = -1;  // -1: not counted by this kind
    std::int64_t bytesOut = -1;
    std::size_t writeBufferSize = 0;
    bool readingPaused = false;
    bool writingPaused = false; // the protocol was told to pause writing
    bool closing = false;
    std::vector<std::uint64_t> waitingTasks; // tasks whose await edge names this resource
};

} // namespace qaio
