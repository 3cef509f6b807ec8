// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/detail/transportbase_p.h>
#include <qaio/core/detail/writeflow_p.h>
#include <qaio/core/loopcore.h>
#include <qaio/core/protocols.h>
#include <qaio/core/transports.h>

#include <QtCore/QByteArray>

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <vector>

namespace qaio::detail {

struct ThreadReadBuffer;
class NativeSendfile;

/*!
    What every stream transport over a non-blocking descriptor shares (asyncio's
    _SelectorTransport with _FlowControlMixin; libuv's stream.c under tcp.c and pipe.c):
    the state machine, protocol calls, reading into a Protocol or BufferedProtocol, the
    write queue with gathered sends, flow control, close / abort / fatal error, and the
    waits that sendfile needs. A concrete transport (net/: sockets; process/: pipes) adds
    the system calls (receiveSome(), sendSome(), shutdownWrite()), what closing its
    descriptor involves, and its extra info.

    State (the write side; reading is governed by the flags below):

    \code
                 close()                      write buffer drained
      Open ─────────────────────▶ Closing ───────────────────────────┐
        │                            │                               ▼
        │  abort(), fatal error      │ abort(), fatal error     LostPending ──connectionLost()──▶ Closed
        └────────────────────────────┴──────────────────────────────▲   (scheduled with       returned,
                                                                         callSoon)          descriptor closed
      the loop closes, in any state ─────────────────────────────────────────────────────────▶ Closed
                                                                                   (no callback)
    \endcode

    - Open: reading (unless paused or after EOF) and writing.
    - Closing: close() was called; no more reading; buffered data is being flushed; new
      writes are dropped.
    - LostPending: nothing is watched any more; connectionLost() is scheduled, exactly
      once, after every other callback (connectionMade() was scheduled before it).
    - Closed: connectionLost() has run (or the loop closed); the descriptor is closed; the
      transport no longer touches the loop (it may outlive it).

    Flags besides the state: reading paused, EOF received (reader removed for good),
    EOF requested (shutdownWrite() once the buffer drains), writing paused (flow
    control), sendfile in progress.

    Lifetime: a self-reference keeps the transport alive from start() until
    connectionLost() has returned (or the loop closed); see transports.h for the model.

    Reading: one receiveSome() per readiness notification, directly in the notifier
    callback, into a per-thread 256 KiB buffer (asyncio's max_size) handed to
    dataReceived() as a view; a BufferedProtocol's own buffer is read into directly.

    Writing: write() sends at once when nothing is buffered and buffers only the rest; the
    buffer is a list of QByteArray (a written QByteArray is shared, never copied) flushed
    with one gathered sendSome() of up to 64 parts per writability notification.

    Protocol callbacks go through callProtocol(): an exception is reported to the loop's
    exception handler; a protocol replaced during its own callback is destroyed when the
    outermost callback returns.
*/
class StreamTransport : public Transport, public TransportBase
{
public:
    ~StreamTransport() override;

    // BaseTransport
    void close() override;
    bool isClosing() const override { return m_state != State::Open; }
    void setProtocol(std::unique_ptr<BaseProtocol> protocol) override;
    BaseProtocol *protocol() const override { return m_protocol.get(); }
    /*! As setProtocol(), but the previous protocol is handed back, alive (startTls()). */
    std::unique_ptr<BaseProtocol> exchangeProtocol(std::unique_ptr<BaseProtocol> protocol);

    // ReadTransport
    bool isReading() const override
    {
        return m_state == State::Open && !m_readingPaused && m_direction != Direction::WriteOnly;
    }
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
    void writeEof() override;
    void abort() override;

    // ---- For sendfile (EventLoop::sendfile() and the native paths) -------------------
    enum class WaitFor { Nothing, EmptyBuffer, Drained, Writable };
    /*! Calls \a done(nullptr) once \a what is reached (at once if it is), or
        \a done(error) when the connection ends first. One wait at a time. Throws
        ConnectionError if the transport is no longer open. */
    void notifyWhen(WaitFor what, std::function<void(std::exception_ptr)> done);
    /*! Forgets the wait notifyWhen() set up (its callback is not called). */
    void cancelNotify() noexcept;
    bool isWaiting() const noexcept { return m_waitingFor != WaitFor::Nothing; }
    /*! While set, write() and writelines() throw RuntimeError (a zero-copy send owns the
        descriptor). */
    void setSendfileActive(bool active) noexcept { m_sendfileActive = active; }
    bool isSendfileActive() const noexcept { return m_sendfileActive; }
    /*! While set, pauseWriting()/resumeWriting() are held back; clearing it tells the
        protocol the state it missed (asyncio's _SendfileFallbackProtocol). */
    void setFlowCallbacksSuppressed(bool suppressed);
    /*! Writes with flow control but without the sendfile guard (the fallback's writes). */
    void writeShared(const QByteArray &data) { writeImpl(QByteArrayView(data), &data); }
    /*! Ends the connection with \a error (an OSError during a native sendfile). */
    void failWith(std::exception_ptr error) { forceClose(error); }
    bool isOpen() const noexcept { return m_state == State::Open; }
    /*! The transport's kind, buffer, flow control and byte counts. */
    void describeResource(ResourceInfo &info) const override;
    using TransportBase::descriptor;
    using TransportBase::loop;
    /*! The zero-copy path of EventLoop::sendfile(), if this transport has one (the
        capability asyncio reads from _sendfile_compatible). */
    virtual NativeSendfile *nativeSendfile() noexcept { return nullptr; }
    /*! A reference that keeps the transport alive, or null once it is closed. */
    std::shared_ptr<StreamTransport> keepAlive() const { return m_self; }

protected:
    /*! What error messages call this kind of transport and its system calls. */
    struct Names
    {
        const char *transport; // "socket": "Fatal read error on socket transport"
        const char *receive;   // "recv"
        const char *send;      // "send"
    };

    /*! Which ways the bytes go. A read pipe only reads: write() throws, EOF always ends
        it (asyncio's _UnixReadPipeTransport ignores eof_received()'s answer). A write
        pipe only writes; its descriptor becomes readable when the reader has gone (a
        FIFO's or socket's EOF), which ends the transport: with BrokenPipeError if data
        was still buffered (asyncio's _UnixWritePipeTransport._read_ready). */
    enum class Direction { Both, ReadOnly, WriteOnly };

    /*! Takes \a fd (non-blocking, owned by the concrete transport) and \a protocol, which
        must be a Protocol or BufferedProtocol (ValueError otherwise). */
    StreamTransport(LoopCore &loop, qintptr fd, std::unique_ptr<BaseProtocol> protocol, Names names,
                    Direction direction = Direction::Both);
    /*! For a write-only transport: watch the descriptor for the reader going away (not
        possible on every kind of file; set before start()). */
    void setWatchesReaderGone(bool on) noexcept { m_watchesReaderGone = on; }

    /*! Holds \a self until connectionLost() has returned, and schedules connectionMade(),
        then the start of reading, then \a started, in one callback (asyncio's order). */
    void start(std::shared_ptr<StreamTransport> self, std::function<void()> started);

    /*! One non-blocking read: bytes read, 0 at EOF, or -1 with \a error set. */
    virtual std::ptrdiff_t receiveSome(char *data, std::size_t size, int &error) = 0;
    /*! One non-blocking gathered write of \a count parts: bytes written or -1 with \a error. */
    virtual std::ptrdiff_t sendSome(const QByteArrayView *parts, std::size_t count, int &error) = 0;
    /*! Ends the writing side (the buffer has drained). Returns 0 or an error number. */
    virtual int shutdownWrite() = 0;
    /*! The transport is done with its descriptor: close it and let go of what depends on
        it. \a loopClosing: the loop is closing (no callback may run). */
    virtual void closeDescriptor(bool loopClosing) noexcept = 0;

private:
    enum class State { Open, Closing, LostPending, Closed };

    void loopClosing() noexcept override;
    StreamTransport *sendfileTarget() noexcept override { return this; }
    void adoptProtocol(std::unique_ptr<BaseProtocol> protocol, const char *operation);

    void onReadable() override;
    void readData();
    void readIntoBuffer();
    /*! One receiveSome(): the bytes to deliver, or 0 when there are none (it would block,
        it failed, or EOF was handled). */
    qsizetype receiveInto(char *data, std::size_t size);
    void onEof();
    void onReaderGone();
    void onWritable() override;
    /*! Sends as much of the buffer as the kernel takes. Returns false after a fatal error. */
    bool flushBuffer();
    void writeImpl(QByteArrayView data, const QByteArray *shared);
    void requireWritable(const char *operation) const
    {
        if (m_eofRequested || m_sendfileActive || m_direction == Direction::ReadOnly) [[unlikely]]
            refuseWrite(operation);
    }
    [[noreturn]] void refuseWrite(const char *operation) const;
    void dropWrite();
    void appendToBuffer(QByteArrayView data, const QByteArray *shared, qsizetype alreadySent);
    void consumeBuffer(qsizetype n);
    void clearBuffer();

    void readFailed(int error);
    void writeFailed(int error);
    void fatalError(std::exception_ptr error, const QString &message);
    void forceClose(std::exception_ptr error);
    void scheduleConnectionLost(std::exception_ptr error);
    void callConnectionLost(std::exception_ptr error);

    void maybePauseProtocol();
    void maybeResumeProtocol();
    void notifyPauseWriting();
    void notifyResumeWriting();

    void wake(WaitFor reached);
    void failWaiter(std::exception_ptr error);

    Names m_names;
    Direction m_direction;
    std::shared_ptr<StreamTransport> m_self;
    Protocol *m_dataProtocol = nullptr;         // m_protocol as a Protocol, or null
    BufferedProtocol *m_bufferedProtocol = nullptr; // m_protocol as a BufferedProtocol, or null
    ThreadReadBuffer *m_readBuffer; // the loop thread's (core/detail/readbuffer_p.h)

    std::vector<QByteArray> m_chunks; // write buffer; m_chunks[m_head] is the oldest
    std::size_t m_head = 0;
    qsizetype m_headOffset = 0; // bytes of m_chunks[m_head] already sent
    qsizetype m_bufferSize = 0;
    qsizetype m_highWater = kDefaultHighWater;
    qsizetype m_lowWater = kDefaultHighWater / 4;

    std::function<void(std::exception_ptr)> m_waitDone; // see notifyWhen()
    WaitFor m_waitingFor = WaitFor::Nothing;

    int m_droppedWrites = 0; // asyncio's _conn_lost: 1 once closing, +1 per dropped write
    State m_state = State::Open;
    bool m_readingPaused = false;
    bool m_eofReceived = false;
    bool m_eofRequested = false;
#if QAIO_INTROSPECTION
    std::uint64_t m_bytesReceived = 0; // for the inspector
    std::uint64_t m_bytesSent = 0;
#endif
    bool m_writePaused = false;    // the buffer crossed the high-water mark and has not drained
    bool m_protocolPaused = false; // what the protocol was told
    bool m_flowCallbacksSuppressed = false; // during the sendfile fallback
    bool m_sendfileActive = false;
    bool m_madeCalled = false;
    bool m_watchesReaderGone = false;
    bool m_droppedWriteWarned = false;
};

} // namespace qaio::detail
