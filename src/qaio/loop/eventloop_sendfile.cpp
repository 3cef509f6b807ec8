// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::sendfile() (asyncio's loop.sendfile(): _sendfile_native, _sendfile_fallback).
#include <qaio/loop/eventloop.h>

#include <qaio/core/detail/streamtransport_p.h>
#include <qaio/loop/detail/sendfileargs_p.h>
#include <qaio/net/detail/sendfile_p.h>
#include <qaio/platform/oserror.h>
#include <qaio/platform/socketops_p.h>

#include <QtCore/QFile>

#include <algorithm>

namespace qaio {

namespace {
// asyncio's SENDFILE_FALLBACK_READBUFFER_SIZE.
constexpr qint64 kSendfileFallbackBlock = 256 * 1024;
} // namespace

Coro<qint64> EventLoop::sendfile(Transport &transport, QFile &file, qint64 offset, std::optional<qint64> count,
                                 bool fallback)
{
    if (transport.isClosing())
        throw RuntimeError("Transport is closing");
    detail::StreamTransport *stream = transport.sendfileTarget();
    if (!stream)
        throw RuntimeError("sendfile is not supported for this transport");
    // Keeps the transport alive even if the connection is lost while the file is sent.
    const std::shared_ptr<detail::StreamTransport> keepAlive = stream->keepAlive();
    if (!keepAlive || !stream->isOpen())
        throw RuntimeError("Transport is closing");
    if (stream->isSendfileActive() || stream->isWaiting())
        throw RuntimeError("sendfile(): another sendfile is in progress on this transport");
    detail::checkSendfileArguments("sendfile", file, offset, count);
    detail::NativeSendfile *native = file.handle() >= 0 ? stream->nativeSendfile() : nullptr;
    if (native) {
        bool unsupported = false;
        qint64 sent = 0;
        try {
            sent = co_await native->sendfileNative(file, offset, count);
        } catch (const NotImplementedError &) {
            if (!fallback)
                throw;
            unsupported = true;
        }
        if (!unsupported)
            co_return sent;
    } else if (!fallback) {
        throw RuntimeError("fallback is disabled and native sendfile is not supported for this transport");
    }
    co_return co_await sendfileFallback(*stream, file, offset, count);
}

Coro<qint64> EventLoop::sendfileFallback(detail::StreamTransport &stream, QFile &file, qint64 offset,
                                         std::optional<qint64> count)
{
    // asyncio's _sendfile_fallback with its _SendfileFallbackProtocol: reading paused, the
    // protocol's pauseWriting()/resumeWriting() held back while the file is written with
    // flow control, then the protocol told the final state.
    const bool resume = stream.isReading();
    stream.pauseReading();
    stream.setFlowCallbacksSuppressed(true);
    qint64 sent = 0;
    std::exception_ptr failure;
    try {
        const qint64 end = count ? std::min(file.size(), offset + *count) : file.size();
        while (offset + sent < end) {
            if (!file.seek(offset + sent))
                throw OSError(detail::sys::invalidArgumentError(), QStringLiteral("seek in %1").arg(file.fileName()));
            const qint64 block = std::min(kSendfileFallbackBlock, end - offset - sent);
            QFile *source = &file;
            // Named, not a temporary inside the co_await (docs/toolchains.md).
            Future<QByteArray> reading = runInExecutor([source, block] { return source->read(block); });
            QByteArray data = co_await reading;
            if (data.isEmpty())
                break;
            co_await detail::waitForTransport(stream, detail::StreamTransport::WaitFor::Drained);
            if (!stream.isOpen())
                throw ConnectionError(QStringLiteral("Connection closed by peer"));
            stream.writeShared(data);
            sent += data.size();
        }
    } catch (...) {
        failure = std::current_exception();
    }
    file.seek(offset + sent);
    stream.setFlowCallbacksSuppressed(false);
    if (resume)
        stream.resumeReading();
    if (failure)
        std::rethrow_exception(failure);
    co_return sent;
}

} // namespace qaio
