// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::sendfile() (asyncio's loop.sendfile(): _sendfile_native, _sendfile_fallback).
#include <qaio/loop/eventloop.h>

#include <qaio/core/detail/streamtransport_p.h>
#include <qaio/loop/detail/sendfileargs_p.h>
#include <qaio/net/detail/sendfile_p.h>
#include <qaio/platform/oserror.h>
#include <qaio/platform/socketops_p.h>
#include <qaio/tls/detail/sslprotocol_p.h>

#include <QtCore/QFile>

#include <algorithm>

namespace qaio {

namespace {
// asyncio's SENDFILE_FALLBACK_READBUFFER_SIZE.
constexpr qint64 kSendfileFallbackBlock = 256 * 1024;

// What the fallback needs from the transport beyond Transport's reading calls.
struct BlockWriter
{
    std::function<void(bool)> suppressFlowCallbacks; // hold pauseWriting()/resumeWriting() back
    std::function<Future<void>()> writable;            // done once writing is not paused
    std::function<bool()> isOpen;
    std::function<void(const QByteArray &)> write;
};

// asyncio's _sendfile_fallback with its _SendfileFallbackProtocol: reading paused, the
// protocol's pauseWriting()/resumeWriting() held back while the file is read (in the
// executor) and written block by block with flow control, then the protocol told the
// final state.
Coro<qint64> sendfileInBlocks(EventLoop &loop, Transport &transport, BlockWriter writer, QFile &file, qint64 offset,
                              std::optional<qint64> count)
{
    const bool resume = transport.isReading();
    transport.pauseReading();
    writer.suppressFlowCallbacks(true);
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
            Future<QByteArray> reading = loop.runInExecutor([source, block] { return source->read(block); });
            QByteArray data = co_await reading;
            if (data.isEmpty())
                break;
            Future<void> writable = writer.writable();
            co_await writable;
            if (!writer.isOpen())
                throw ConnectionError(QStringLiteral("Connection closed by peer"));
            writer.write(data);
            sent += data.size();
        }
    } catch (...) {
        failure = std::current_exception();
    }
    file.seek(offset + sent);
    writer.suppressFlowCallbacks(false);
    if (resume)
        transport.resumeReading();
    if (failure)
        std::rethrow_exception(failure);
    co_return sent;
}

// A future done when \a tls may be written to again (TLS has its own marks).
Future<void> tlsWritable(EventLoop &loop, detail::SslTransport &tls)
{
    Future<void> writable = loop.createFuture<void>();
    tls.notifyWhenWritable([writable](std::exception_ptr error) mutable {
        if (writable.done())
            return; // the sendfile was cancelled meanwhile
        if (error)
            writable.setException(error);
        else
            writable.setResult();
    });
    return writable;
}

} // namespace

Coro<qint64> EventLoop::sendfile(Transport &transport, QFile &file, qint64 offset, std::optional<qint64> count,
                                 bool fallback)
{
    if (transport.isClosing())
        throw RuntimeError("Transport is closing");
    if (auto *tls = dynamic_cast<detail::SslTransport *>(&transport)) {
        // Nothing goes around TLS: read, encrypt, write (asyncio's fallback for SSL).
        if (!fallback)
            throw RuntimeError("fallback is disabled and native sendfile is not supported for this transport");
        detail::checkSendfileArguments("sendfile", file, offset, count);
        const std::shared_ptr<BaseTransport> keepAlive = tls->shared_from_this();
        BlockWriter writer{[tls](bool on) { tls->setFlowCallbacksSuppressed(on); },
                           [this, tls] { return tlsWritable(*this, *tls); },
                           [tls] { return !tls->isClosing(); },
                           [tls](const QByteArray &data) { tls->write(data); }};
        Coro<qint64> sending = sendfileInBlocks(*this, *tls, std::move(writer), file, offset, count);
        co_return co_await std::move(sending);
    }
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
    BlockWriter writer{[stream](bool on) { stream->setFlowCallbacksSuppressed(on); },
                       [this, stream] {
                           return createTask(detail::waitForTransport(*stream, detail::StreamTransport::WaitFor::Drained));
                       },
                       [stream] { return stream->isOpen(); },
                       [stream](const QByteArray &data) { stream->writeShared(data); }};
    Coro<qint64> sending = sendfileInBlocks(*this, *stream, std::move(writer), file, offset, count);
    co_return co_await std::move(sending);
}

} // namespace qaio
