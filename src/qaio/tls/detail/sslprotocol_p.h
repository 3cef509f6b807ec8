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
// Wired into createConnection(ssl=...) so far (tests/auto/tls/tst_tlsconnection.cpp);
// servers, Unix sockets, accepted sockets and startTls follow (#10). Not yet: TLS's own
// write-buffer marks (the plain transport's decide pauseWriting()), pausing the plain
// transport while the application's reading is paused.

#include <qaio/core/handle.h>
#include <qaio/core/loopcore.h>
#include <qaio/core/protocols.h>
#include <qaio/core/transports.h>
#include <qaio/tasks/future.h>
#include <qaio/tls/sslcontext.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>

#include <chrono>
#include <memory>

struct ssl_st;
struct bio_st;

namespace qaio::detail {

class SslTransport;

struct SslOptions
{
    bool serverSide = false;
    QString serverHostname;                       // the client's SNI and the name checked
    Duration handshakeTimeout = std::chrono::seconds(60);
    Duration shutdownTimeout = std::chrono::seconds(30);
};

class SslProtocol final : public Protocol
{
public:
    enum class State { Unwrapped, DoHandshake, Wrapped, Flushing, Shutdown };

    /*! Wraps \a app (the application's protocol, owned from here on) with \a context.
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
    qsizetype appWriteBufferSize() const;
    QVariant info(const QString &name, const QVariant &defaultValue) const;
    State state() const { return m_state; }

private:
    void startHandshake();
    void doHandshake();
    void handshakeFinished(std::exception_ptr error);
    void doRead();
    void doWrite();
    void startShutdown();
    void doShutdown();
    void flushOutgoing();
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
    State m_state = State::Unwrapped;
    bool m_appReadingPaused = false;
    bool m_eofReceived = false;
};

/*! The application's side of a TLS connection (asyncio's _SSLProtocolTransport). */
class SslTransport final : public Transport
{
public:
    SslTransport(SslProtocol &tls, std::unique_ptr<BaseProtocol> app);
    ~SslTransport() override;

    void close() override;
    bool isClosing() const override { return m_closed; }
    QVariant extraInfo(const QString &name, const QVariant &defaultValue = {}) const override;
    void setProtocol(std::unique_ptr<BaseProtocol> protocol) override;
    BaseProtocol *protocol() const override { return m_protocol.get(); }

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

    // For the SslProtocol.
    Protocol *dataProtocol() const { return m_dataProtocol; }
    BufferedProtocol *bufferedProtocol() const { return m_bufferedProtocol; }
    void detach() noexcept { m_tls = nullptr; m_closed = true; }
    void holdPlain(std::shared_ptr<BaseTransport> plain) { m_plain = std::move(plain); }
    void releasePlain() { m_plain.reset(); }

private:
    void adopt(std::unique_ptr<BaseProtocol> protocol, const char *operation);

    SslProtocol *m_tls;
    std::shared_ptr<BaseTransport> m_plain;
    std::unique_ptr<BaseProtocol> m_protocol;
    Protocol *m_dataProtocol = nullptr;
    BufferedProtocol *m_bufferedProtocol = nullptr;
    WriteBufferLimits m_limits{128 * 1024, 512 * 1024};
    bool m_closed = false;
    bool m_readingPaused = false;
};

} // namespace qaio::detail
