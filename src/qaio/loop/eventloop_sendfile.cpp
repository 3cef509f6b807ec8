// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::sendfile() (asyncio's loop.sendfile(): _sendfile_native, _sendfile_fallback).
#include <qaio/loop/eventloop.h>

#include <qaio/net/detail/sockettransport_p.h>

#include <QtCore/QFile>

namespace qaio {

Coro<qint64> EventLoop::sendfile(Transport &transport, QFile &file, qint64 offset, std::optional<qint64> count,
                                 bool fallback)
{
    if (transport.isClosing())
        throw RuntimeError("Transport is closing");
    auto *socketTransport = dynamic_cast<detail::SocketTransport *>(&transport);
    if (!socketTransport)
        throw RuntimeError("sendfile is not supported for this transport");
    detail::FileBlockReader readBlock = [this](QFile &source, qint64 maxSize) {
        QFile *from = &source;
        return runInExecutor([from, maxSize] { return from->read(maxSize); });
    };
    co_return co_await socketTransport->sendfile(file, offset, count, fallback, std::move(readBlock));
}

} // namespace qaio
