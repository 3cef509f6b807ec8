// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/tasks/coro.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/future.h>
#include <qaio/core/protocols.h>
#include <qaio/net/socket.h>
#include <qaio/core/transports.h>
#include <qaio/core/detail/loopresource_p.h>

#include <QtCore/QByteArray>

#include <functional>
#include <memory>
#include <vector>

QT_FORWARD_DECLARE_CLASS(QFile)

namespace qaio {
class Server;
}

namespace qaio::detail {

struct ThreadReadBuffer;

/*!
    The transport of a connected stream socket (TCP or Unix): asyncio's
    _SelectorSocketTransport on top of the loop's fd watchers.

    State (the write side; reading is governed by the flags below):

    \code
                 close()                      write buffer drained
      Open ─────────────────────▶ Closing ───────────────────────────┐
        │                            │                               ▼
        │  abort(), fatal error      │ abort(), fatal error     LostPending ──connectionLost()──▶ Closed
        └────────────────────────────┴──────────────────────────────▲   (scheduled with       returned,
                                                                         callSoon)            socket closed
      EventLoop::close() in any state ───────────────────────────────────────────────────────▶ Closed
                                                                                   (no callback)
    \endcode

    - Open: reading (unless paused or after EOF) and writing.
    - Closing: close() was called; no more reading; buffered data is being flushed; new
      writes are dropped.
    - LostPending: nothing is watched any more; connectionLost() is scheduled, exactly
      once, after every other callback (connectionMade() was scheduled before it).
    - Closed: connectionLost() has run (or the loop closed); the socket is closed; the
      transport no longer touches the loop (it may outlive it).

    Flags besides the state: reading paused, EOF received (reader removed for good),
    EOF requested (shutdown(SHUT_WR) once the buffer drains), writing paused (flow
    control), sendfile in progress.

    Lifetime: m_self keeps the transport alive from create() until connectionLost() has
    returned (or the loop closed); see transports.h for the model.

    Reading: one recv() per readiness notification, directly in the notifier callback,
    into a per-thread 256 KiB buffer (asyncio's max_size) handed to dataReceived() as a
    view; a BufferedProtocol's own buffer is read into directly.

    Writing: write() sends at once when nothing is buffered and buffers only the rest; the
    buffer is a list of QByteArray (a written QByteArray is shared, never copied) flushed
    with one sendmsg() of up to 64 parts per writability notification.
*/
/*! Reads up to \a maxSize bytes of \a file without blocking the loop (EventLoop::sendfile()
    runs it on the default executor). */
using FileBlockReader = std::function<Future<QByteArray>(QFile &file, qint64 maxSize)>;

class SocketTransport final : public Transport, public LoopResource
{
public:
    /*! Wraps the connected \a sock. Schedules connectionMade(), then the start of
        reading, then \a waiter's result (if valid), in one callback. \a server (if any)
        counts the transport among its clients until connectionLost() has returned.
        Throws ValueError if \a protocol is not a Protocol or BufferedProtocol. */
    static std::shared_ptr<SocketTransport> create(LoopCore &loop, Socket sock, std::unique_ptr<BaseProtocol> protocol,
                                                   std::shared_ptr<Server> server = {}, SocketAddress peer = {},
                                                   Future<void> waiter = {});
    ~SocketTransport() override;

    // BaseTransport
    void close() override;
    bool isClosing() const override { return m_state != State::Open; }
    QVariant extraInfo(const QString &name, const QVariant &defaultValue = {}) const override;
    void setProtocol(std::unique_ptr<BaseProtocol> protocol) override;
    BaseProtocol *protocol() const override { return m_protocol.get(); }

    // ReadTransport
    bool isReading() const override { return m_state == State::Open && !m_readingPaused; }
    void pauseReading() override;
    void resumeReading() override;

    // WriteTransport
    using WriteTransport::write;
    void setWriteBufferLimits(std::optional<qsizetype> high = std::nullopt,
                              std::optional<qsizetype> low = std::nullopt) override;
    WriteBufferLimits writeBufferLimits() const override { return {m_lowWater, m_highWater}; }
    qsizetype writeBufferSize() const override { return m_bufferSize; }
    void write(QByteArrayView data) override;
    void write(const QByteArray &data) override;
    void writelines(const QList<QByteArray> &data) override;
    void writelines(std::span<const QByteArrayView> data) override;
    bool canWriteEof() const override { return true; }
    void writeEof() override;
    void abort() override;

    /*! EventLoop::sendfile() for this transport: zero-copy after the write buffer drained,
        or (with \a fallback) reading the file and writing it with flow control. */
    Coro<qint64> sendfile(QFile &file, qint64 offset, std::optional<qint64> count, bool fallback,
                          FileBlockReader readBlock);

    /*! The server forgot this client (EventLoop::close()). */
    void forgetServer() noexcept { m_server.reset(); }

private:
    enum class State { Open, Closing, LostPending, Closed };
    enum class WaitFor { Nothing, EmptyBuffer, Drained, Writable };
    class CallbackScope;

    SocketTransport(LoopCore &loop, Socket sock, std::unique_ptr<BaseProtocol> protocol, SocketAddress peer);

    void loopClosing() noexcept override;

    void start(Future<void> waiter);
    void onReadable();
    void readData();
    void readIntoBuffer();
    void onEof();
    void onWritable();
    /*! Sends as much of the buffer as the kernel takes. Returns false after a fatal error. */
    bool flushBuffer();
    void writeImpl(QByteArrayView data, const QByteArray *shared);
    void dropWrite();
    void appendToBuffer(QByteArrayView data, const QByteArray *shared, qsizetype alreadySent);
    void consumeBuffer(qsizetype n);
    void clearBuffer();

    void fatalError(std::exception_ptr error, const QString &message);
    void forceClose(std::exception_ptr error);
    void scheduleConnectionLost(std::exception_ptr error);
    void callConnectionLost(std::exception_ptr error);

    void maybePauseProtocol();
    void maybeResumeProtocol();
    void notifyPauseWriting();
    void notifyResumeWriting();
    void reportCallbackError(const QString &message, std::exception_ptr error);

    void watchReadable(bool on);
    void watchWritable(bool on);

    Coro<void> waitFor(WaitFor what);
    void wake(WaitFor reached);
    void failWaiter(std::exception_ptr error);
    Coro<qint64> sendfileNative(QFile &file, qint64 offset, std::optional<qint64> count);
    Coro<qint64> sendfileFallback(QFile &file, qint64 offset, std::optional<qint64> count, FileBlockReader readBlock);

    LoopCore &m_loop;
    Socket m_socket;
    qintptr m_fd;
    std::shared_ptr<SocketTransport> m_self;
    std::shared_ptr<Server> m_server;
    std::unique_ptr<BaseProtocol> m_protocol;
    Protocol *m_dataProtocol = nullptr;         // m_protocol as a Protocol, or null
    BufferedProtocol *m_bufferedProtocol = nullptr; // m_protocol as a BufferedProtocol, or null
    std::vector<std::unique_ptr<BaseProtocol>> m_retired; // replaced while one of their callbacks ran
    SocketAddress m_peer;
    SocketAddress m_local;
    // The loop thread's read buffer, looked up once: a thread_local access from a shared
    // library is a __tls_get_addr() call, too dear for every read.
    ThreadReadBuffer *m_readBuffer;

    std::vector<QByteArray> m_chunks; // write buffer; m_chunks[m_head] is the oldest
    std::size_t m_head = 0;
    qsizetype m_headOffset = 0; // bytes of m_chunks[m_head] already sent
    qsizetype m_bufferSize = 0;
    qsizetype m_highWater = 64 * 1024;
    qsizetype m_lowWater = 16 * 1024;

    Future<void> m_waiter; // sendfile's wait (see WaitFor)
    WaitFor m_waitingFor = WaitFor::Nothing;

    int m_droppedWrites = 0; // asyncio's _conn_lost: 1 once closing, +1 per dropped write
    int m_callbackDepth = 0;
    State m_state = State::Open;
    bool m_readingPaused = false;
    bool m_readerWatched = false;
    bool m_writerWatched = false;
    bool m_eofReceived = false;
    bool m_eofRequested = false;
    bool m_writePaused = false;    // the buffer crossed the high-water mark and has not drained
    bool m_protocolPaused = false; // what the protocol was told
    bool m_flowCallbacksSuppressed = false; // during sendfile
    bool m_sendfileActive = false;
    bool m_madeCalled = false;
    bool m_droppedWriteWarned = false;
};

} // namespace qaio::detail
