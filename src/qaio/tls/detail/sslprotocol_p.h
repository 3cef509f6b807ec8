// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// TLS over any stream transport, as asyncio's sslproto.py (the 3.11 rewrite taken from
// uvloop): SslProtocol is the protocol of the plain transport, an OpenSSL SSL object on two
// memory BIOs; SslTransport is the transport the application's protocol sees.
//
// States: Unwrapped -> DoHandshake -> Wrapped -> Flushing -> Shutdown (then Unwrapped
// again when the plain transport is lost). The plain transport owns the SslProtocol; the
// SslProtocol holds the SslTransport until connectionLost() (the cycle asyncio breaks at
// the same point); the SslTransport holds the plain transport.
//
// Flow control as asyncio's: the application's write marks (512 KiB / 128 KiB by default)
// are the plain transport's too, and what the application sees as its write buffer is
// data waiting for the handshake plus the plain transport's buffer (TLS records are
// written straight into it: no second buffer). While the application's reading is paused,
// records stay in the incoming BIO, and the plain transport stops reading once 256 KiB
// wait there (resuming at 64 KiB).

#include <qaio/core/handle.h>
#include <qaio/core/loopcore.h>
#include <qaio/core/protocols.h>
#include <qaio/core/transports.h>
#include <qaio/tasks/future.h>
#include <qaio/tls/sslcontext.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>

#include <chrono>
#include <functional>
#include <memory>

struct ssl_st;
struct bio_st;

namespace qaio::detail {

class SslTransport;

// asyncio's FLOW_CONTROL_HIGH_WATER_SSL_WRITE and _READ (KiB), low = high / 4.
constexpr qsizetype kTlsWriteHighWater = 512 * 1024;
constexpr qsizetype kTlsReadHighWater = 256 * 1024;

struct SslOptions
{
    bool serverSide = false;
    QString serverHostname;                       // the client's SNI and the name checked
    Duration handshakeTimeout = std::chrono::seconds(60);
    Duration shutdownTimeout = std::chrono::seconds(30);
    bool callConnectionMade = true; // false for startTls(): the protocol is already connected
};

class SslProtocol final : public Protocol
{
public:
    enum class State { Unwrapped, DoHandshake, Wrapped, Flushing, Shutdown };

    /*! Wraps \a app (the application's protocol, owned from here on; null when
        startTls() gives it to appTransport()->setProtocol() next) with \a context.
        \a handshakeDone gets its result once the handshake succeeded (the app protocol's
        connectionMade() has run), or the SslError / timeout that ended it. Throws
        SslError if OpenSSL cannot make the SSL object. */
    SslProtocol(LoopCore &loop, std::unique_ptr<BaseProtocol> app, SslContext context, SslOptions options,
                Future<void> handshakeDone);
    ~SslProtocol() override;

    /*! The transport the application sees (valid from construction). */
    std::shared_ptr<SslTransport> appTransport() const { return m_app; }

    // The plain transport's callbacks.
    void connectionMade(BaseTransport &transport) override;
    void dataReceived(QByteArrayView data) override;
    bool eofReceived() override;
    void connectionLost(std::exception_ptr error) override;
    void pauseWriting() override;
    void resumeWriting() override;

    // From the SslTransport.
    void appWrite(QByteArrayView data);
    void appClose();
    void appAbort();
    void appPauseReading();
    void appResumeReading();
    void appLimitsChanged();
    void setFlowCallbacksSuppressed(bool suppressed);
    void notifyWhenWritable(std::function<void(std::exception_ptr)> done);
    qsizetype appWriteBufferSize() const;
    qsizetype appReadBufferSize() const;
    QVariant info(const QString &name, const QVariant &defaultValue) const;
    State state() const { return m_state; }

private:
    void startHandshake();
    void doHandshake();
    void handshakeFinished(std::exception_ptr error);
    void doRead();
    void doWrite();
    void peerClosed();
    void endOfPlainStream();
    void startShutdown();
    void doShutdown();
    void finishShutdown();
    void flushOutgoing();
    void controlAppWriting();
    void tellAppWriting();
    void controlPlainReading();
    void reportAppError(const char *message);
    void fatal(std::exception_ptr error, const char *message);
    std::exception_ptr handshakeError() const;

    LoopCore &m_loop;
    SslContext m_context;
    SslOptions m_options;
    Future<void> m_handshakeDone;
    ssl_st *m_ssl = nullptr;
    bio_st *m_incoming = nullptr; // what the peer sent, for OpenSSL to read
    bio_st *m_outgoing = nullptr; // what OpenSSL wrote, for the plain transport
    Transport *m_plain = nullptr;
    std::shared_ptr<SslTransport> m_app;
    QList<QByteArray> m_writeBacklog; // application data before the handshake finished
    qsizetype m_backlogSize = 0;
    TimerHandle m_handshakeTimer;
    TimerHandle m_shutdownTimer;
    std::exception_ptr m_fatalError; // what the application's connectionLost() gets
    std::function<void(std::exception_ptr)> m_writableWaiter; // sendfile()'s fallback
    State m_state = State::Unwrapped;
    int m_writesAfterClose = 0;
    bool m_started = false;           // connectionMade() ran
    bool m_appReadingPaused = false;
    bool m_appWritingPaused = false;
    bool m_appToldPaused = false;     // what the application's protocol was told
    bool m_flowSuppressed = false;    // sendfile() writes: the protocol is told at the end
    bool m_plainReadingPaused = false;
    bool m_inAppWrite = false;        // the plain transport's pause/resume waits for the end
    bool m_batchingWrites = false;    // doRead(): records written leave together at its end
    bool m_eofReceived = false;       // the plain transport's end of data
    bool m_eofDeferred = false;       // ... kept open until the paused application read all
    bool m_appEofDelivered = false;
};

/*! The application's side of a TLS connection (asyncio's _SSLProtocolTransport). */
class SslTransport final : public Transport
{
public:
    SslTransport(SslProtocol &tls, LoopCore &loop, std::unique_ptr<BaseProtocol> app);
    ~SslTransport() override;

    void close() override;
    bool isClosing() const override { return m_closed; }
    QVariant extraInfo(const QString &name, const QVariant &defaultValue = {}) const override;
    void setProtocol(std::unique_ptr<BaseProtocol> protocol) override;
    BaseProtocol *protocol() const override { return m_protocol.get(); }
    /*! As setProtocol(), but the previous protocol is handed back, alive (startTls() on
        this transport: TLS in TLS). */
    std::unique_ptr<BaseProtocol> exchangeProtocol(std::unique_ptr<BaseProtocol> protocol);

    bool isReading() const override;
    void pauseReading() override;
    void resumeReading() override;

    void setWriteBufferLimits(std::optional<qsizetype> high = std::nullopt,
                              std::optional<qsizetype> low = std::nullopt) override;
    WriteBufferLimits writeBufferLimits() const override { return m_limits; }
    qsizetype writeBufferSize() const override;
    void write(QByteArrayView data) override;
    void write(const QByteArray &data) override { write(QByteArrayView(data)); }
    void writelines(const QList<QByteArray> &data) override;
    void writelines(std::span<const QByteArrayView> data) override;
    /*! TLS has no half-close here, as asyncio: false, and writeEof() throws. */
    bool canWriteEof() const override { return false; }
    void writeEof() override;
    void abort() override;

    /*! asyncio's get_read_buffer_size(): records received and not read by the
        application yet (what pauses the plain transport at kTlsReadHighWater). */
    qsizetype readBufferSize() const;
    /*! sendfile()'s fallback: pauseWriting()/resumeWriting() held back from the protocol
        while suppressed; lifting it tells the protocol the state it missed. */
    void setFlowCallbacksSuppressed(bool suppressed);
    /*! \a done runs once writing is not paused (at once if it is not), or with the
        error when the connection is lost first. */
    void notifyWhenWritable(std::function<void(std::exception_ptr)> done);
    /*! The transport TLS runs over (null once the connection is lost). */
    const std::shared_ptr<BaseTransport> &plainTransport() const { return m_plain; }

    // For the SslProtocol.
    Protocol *dataProtocol() const { return m_dataProtocol; }
    BufferedProtocol *bufferedProtocol() const { return m_bufferedProtocol; }
    void detach() noexcept { m_tls = nullptr; m_closed = true; }
    bool isAttached() const noexcept { return m_tls != nullptr; }
    void holdPlain(std::shared_ptr<BaseTransport> plain) { m_plain = std::move(plain); }
    void releasePlain() { m_plain.reset(); }

private:
    void adopt(std::unique_ptr<BaseProtocol> protocol, const char *operation);

    SslProtocol *m_tls;
    LoopCore &m_loop;
    std::shared_ptr<BaseTransport> m_plain;
    std::unique_ptr<BaseProtocol> m_protocol;
    Protocol *m_dataProtocol = nullptr;
    BufferedProtocol *m_bufferedProtocol = nullptr;
    WriteBufferLimits m_limits{kTlsWriteHighWater / 4, kTlsWriteHighWater};
    bool m_closed = false;
    bool m_readingPaused = false;
};

} // namespace qaio::detail
