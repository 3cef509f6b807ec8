// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/detail/streamtransport_p.h>
#include <qaio/tasks/coro.h>
#include <qaio/tasks/future.h>

#include <QtCore/qglobal.h>

#include <optional>

QT_FORWARD_DECLARE_CLASS(QFile)

namespace qaio::detail {

/*!
    The zero-copy path of EventLoop::sendfile() (asyncio's _sendfile_native), offered by
    transports whose descriptor sendfile(2) can write to: StreamTransport::nativeSendfile().
*/
class NativeSendfile
{
public:
    /*! Sends \a count bytes (all if unset) of \a file from \a offset once the write buffer
        has drained; reading is paused and other writes are refused meanwhile. Throws
        NotImplementedError if the kernel cannot do it before any byte was sent. The file
        position ends after the bytes sent. */
    virtual Coro<qint64> sendfileNative(QFile &file, qint64 offset, std::optional<qint64> count) = 0;

protected:
    ~NativeSendfile() = default;
};

/*! Waits until \a transport reaches \a what (StreamTransport::notifyWhen()). Throws
    ConnectionError if the connection ends first, or its error. Cancelling the wait
    forgets it. */
Coro<void> waitForTransport(StreamTransport &transport, StreamTransport::WaitFor what);

} // namespace qaio::detail
