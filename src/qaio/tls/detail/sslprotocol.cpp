// Copyright (c) qaio authors. Licensed under the MIT license.
// TLS over a stream transport (see sslprotocol_p.h).
#include <qaio/tls/detail/sslprotocol_p.h>

#include <qaio/base/errors.h>
#include <qaio/core/detail/writeflow_p.h>
#include <qaio/platform/oserror.h>
#include <qaio/tls/detail/certificates_p.h>
#include <qaio/tls/detail/opensslerrors_p.h>
#include <qaio/tls/detail/sessioncache_p.h>
#include <qaio/tls/sslerror.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>

namespace qaio::detail {

namespace {

// Plaintext is decrypted into this (per thread; the plain transport's read buffer is lent
// out while we are called).
constexpr int kPlainChunk = 64 * 1024;

char *decryptBuffer()
{
    thread_local std::unique_ptr<char[]> buffer(new char[kPlainChunk]);
    return buffer.get();
}

} // namespace

// ---- SslProtocol ----------------------------------------------------------------------

SslProtocol::SslProtocol(LoopCore &loop, std::unique_ptr<BaseProtocol> app, SslContext context, SslOptions options,
                         Future<void> handshakeDone)
    : m_loop(loop), m_context(std::move(context)), m_options(std::move(options)),
      m_handshakeDone(std::move(handshakeDone))
{
    clearSslErrors();
    m_ssl = SSL_new(m_context.nativeHandle());
    m_incoming = BIO_new(BIO_s_mem());
    m_outgoing = BIO_new(BIO_s_mem());
    if (!m_ssl || !m_incoming || !m_outgoing)
        throwSslError(QStringLiteral("TLS connection"));
    BIO_set_mem_eof_return(m_incoming, -1); // "no data yet", not end of file
    BIO_set_mem_eof_return(m_outgoing, -1);
    SSL_set_bio(m_ssl, m_incoming, m_outgoing); // the SSL owns both now
    if (m_options.serverSide) {
        SSL_set_accept_state(m_ssl);
    } else {
        SSL_set_connect_state(m_ssl);
        const QByteArray host = m_options.serverHostname.toUtf8();
        if (!host.isEmpty()) {
            SSL_set_tlsext_host_name(m_ssl, host.constData());
            if (m_context.checkHostname())
                SSL_set1_host(m_ssl, host.constData());
            if (ClientSessionCache *sessions = sessionCacheOf(m_context.nativeHandle()))
                sessions->offer(m_ssl, host);
        }
    }
    m_app = std::make_shared<SslTransport>(*this, loop, std::move(app));
}

SslProtocol::~SslProtocol()
{
    m_handshakeTimer.cancel();
    m_shutdownTimer.cancel();
    if (m_app)
        m_app->detach();
    if (m_ssl)
        SSL_free(m_ssl); // frees both BIOs
}

void SslProtocol::connectionMade(BaseTransport &transport)
{
    m_plain = dynamic_cast<Transport *>(&transport);
    m_started = true;
    m_app->holdPlain(transport.shared_from_this());
    appLimitsChanged();
    startHandshake();
}

void SslProtocol::startHandshake()
{
    m_state = State::DoHandshake;
    m_handshakeTimer = m_loop.callLater(m_options.handshakeTimeout, [this] {
        if (m_state != State::DoHandshake)
            return;
        fatal(std::make_exception_ptr(ConnectionAbortedError(
                  QStringLiteral("SSL handshake is taking longer than %1 seconds: aborting the connection")
                      .arg(std::chrono::duration<double>(m_options.handshakeTimeout).count()))),
              "SSL handshake timed out");
    });
    doHandshake();
}

std::exception_ptr SslProtocol::handshakeError() const
{
    const long verify = SSL_get_verify_result(m_ssl);
    if (verify != X509_V_OK) {
        ERR_clear_error();
        QString message = QString::fromLatin1(X509_verify_cert_error_string(verify));
        if (verify == X509_V_ERR_HOSTNAME_MISMATCH)
            message = QStringLiteral("Hostname mismatch, certificate is not valid for '%1'.").arg(m_options.serverHostname);
        return std::make_exception_ptr(SslCertVerificationError(QString(), int(verify), message));
    }
    return takeSslError(QString(), QStringLiteral("handshake failed"));
}

void SslProtocol::doHandshake()
{
    const int result = SSL_do_handshake(m_ssl);
    flushOutgoing();
    if (result == 1) {
        handshakeFinished(nullptr);
        return;
    }
    const int error = SSL_get_error(m_ssl, result);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
        return;
    handshakeFinished(handshakeError());
}

void SslProtocol::handshakeFinished(std::exception_ptr error)
{
    m_handshakeTimer.cancel();
    if (error) {
        fatal(error, "SSL handshake failed");
        return;
    }
    m_state = State::Wrapped;
    if (m_loop.getDebug())
        qCDebug(lcQaioDebug, "TLS handshake done: %s, %s", SSL_get_version(m_ssl), SSL_get_cipher_name(m_ssl));
    if (m_options.callConnectionMade) {
        BaseProtocol *app = m_app->protocol();
        try {
            app->connectionMade(*m_app);
        } catch (...) {
            LoopError report;
            report.message = QStringLiteral("Exception in protocol.connectionMade()");
            report.exception = std::current_exception();
            report.transport = m_app.get();
            report.protocol = app;
            m_loop.reportLoopError(report);
        }
    }
    if (m_handshakeDone.isValid() && !m_handshakeDone.done())
        m_handshakeDone.setResult();
    doWrite();
    doRead(); // records that came with the handshake's last flight
}

void SslProtocol::dataReceived(QByteArrayView data)
{
    if (data.isEmpty())
        return;
    BIO_write(m_incoming, data.data(), int(data.size()));
    switch (m_state) {
    case State::DoHandshake:
        doHandshake();
        break;
    case State::Wrapped:
    case State::Flushing:
    case State::Shutdown:
        doRead();
        break;
    case State::Unwrapped:
        break;
    }
    controlPlainReading();
}

// Decrypts what the incoming BIO holds into the application's protocol, while it reads.
// After our close_notify (Shutdown) the peer's data is still delivered, up to its own.
void SslProtocol::doRead()
{
    const auto readable = [this] {
        return m_state == State::Wrapped || m_state == State::Flushing || m_state == State::Shutdown;
    };
    if (!readable() || m_appReadingPaused)
        return;
    // What the application writes while it reads (an echo, a reply) leaves in one send
    // after the loop, not one per record.
    const bool outermost = !m_batchingWrites;
    m_batchingWrites = true;
    struct FlushAtEnd
    {
        SslProtocol *tls;
        bool outermost;
        ~FlushAtEnd()
        {
            if (!outermost)
                return;
            tls->m_batchingWrites = false;
            tls->flushOutgoing();
            tls->controlAppWriting();
        }
    } flushAtEnd{this, outermost};
    for (;;) {
        char *buffer = decryptBuffer();
        qsizetype capacity = kPlainChunk;
        BufferedProtocol *buffered = m_app->bufferedProtocol();
        if (buffered) {
            std::span<char> lent;
            try {
                lent = buffered->getBuffer(-1);
            } catch (...) {
                fatal(std::current_exception(), "Fatal error: protocol.getBuffer() call failed.");
                return;
            }
            if (lent.empty()) {
                fatal(std::make_exception_ptr(RuntimeError("getBuffer() returned an empty buffer")),
                      "Fatal error: protocol.getBuffer() call failed.");
                return;
            }
            buffer = lent.data();
            capacity = qsizetype(lent.size());
        }
        const int n = SSL_read(m_ssl, buffer, int(std::min<qsizetype>(capacity, 1 << 30)));
        if (n > 0) {
            try {
                if (buffered)
                    buffered->bufferUpdated(n);
                else if (Protocol *plain = m_app->dataProtocol())
                    plain->dataReceived(QByteArrayView(buffer, n));
            } catch (...) {
                fatal(std::current_exception(), "Fatal error: protocol.dataReceived() call failed.");
                return;
            }
            if (!readable() || m_appReadingPaused)
                return;
            continue;
        }
        const int error = SSL_get_error(m_ssl, n);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
            flushOutgoing(); // TLS 1.3 tickets, key updates
            if (m_eofReceived && m_state == State::Wrapped)
                endOfPlainStream();
            return;
        }
        if (error == SSL_ERROR_ZERO_RETURN) {
            peerClosed();
            return;
        }
        if (m_state != State::Wrapped) {
            // A broken record after our close_notify: the connection ends either way.
            ERR_clear_error();
            finishShutdown();
            return;
        }
        fatal(takeSslError(QStringLiteral("TLS read")), "Fatal error on SSL protocol");
        return;
    }
}

// The peer's close_notify: the end of its data.
void SslProtocol::peerClosed()
{
    if (m_state != State::Wrapped) {
        finishShutdown(); // the answer to ours
        return;
    }
    bool keepOpen = false;
    try {
        if (BufferedProtocol *buffered = m_app->bufferedProtocol())
            keepOpen = buffered->eofReceived();
        else if (Protocol *plain = m_app->dataProtocol())
            keepOpen = plain->eofReceived();
    } catch (...) {
        fatal(std::current_exception(), "Error calling eof_received()");
        return;
    }
    m_appEofDelivered = true;
    if (keepOpen)
        qCWarning(lcQaio, "returning true from eofReceived() has no effect when using ssl");
    startShutdown();
}

// The plain transport's end of data without close_notify (a truncation attack, or a peer
// that does not bother): what was decrypted is delivered, then the application's end of
// data; the connection closes.
void SslProtocol::endOfPlainStream()
{
    if (m_appEofDelivered)
        return;
    m_appEofDelivered = true;
    if (m_loop.getDebug())
        qCDebug(lcQaioDebug, "TLS peer closed the connection without close_notify");
    try {
        if (BufferedProtocol *buffered = m_app->bufferedProtocol())
            buffered->eofReceived();
        else if (Protocol *plain = m_app->dataProtocol())
            plain->eofReceived();
    } catch (...) {
        fatal(std::current_exception(), "Error calling eof_received()");
        return;
    }
    if (m_eofDeferred && m_plain) {
        flushOutgoing(); // what the application answered
        m_plain->close();
    }
}

void SslProtocol::appWrite(QByteArrayView data)
{
    if (data.isEmpty())
        return;
    if (m_state == State::DoHandshake || (m_state == State::Unwrapped && !m_started)) {
        m_writeBacklog.append(data.toByteArray());
        m_backlogSize += data.size();
        controlAppWriting();
        return;
    }
    if (m_state != State::Wrapped) {
        // The peer's close_notify came, or the connection is gone (asyncio's message).
        if (m_writesAfterClose++ >= kLogThresholdForConnLostWrites)
            qCWarning(lcQaio, "SSL connection is closed");
        return;
    }
    // Records go to the plain transport in slices, so a large write is never held twice
    // (plaintext here, ciphertext in the BIO) in full.
    constexpr qsizetype kSlice = 256 * 1024;
    m_inAppWrite = true;
    while (!data.isEmpty() && m_state == State::Wrapped) {
        const QByteArrayView slice = data.first(std::min(data.size(), kSlice));
        size_t written = 0;
        if (SSL_write_ex(m_ssl, slice.data(), size_t(slice.size()), &written) != 1) {
            m_inAppWrite = false;
            fatal(takeSslError(QStringLiteral("TLS write")), "Fatal error on SSL protocol");
            return;
        }
        data = data.sliced(qsizetype(written));
        if (!m_batchingWrites)
            flushOutgoing();
    }
    m_inAppWrite = false;
    controlAppWriting();
}

void SslProtocol::doWrite()
{
    QList<QByteArray> backlog = std::move(m_writeBacklog);
    m_writeBacklog.clear();
    m_backlogSize = 0;
    for (const QByteArray &chunk : backlog)
        appWrite(chunk);
    controlAppWriting();
}

void SslProtocol::flushOutgoing()
{
    char *data = nullptr;
    const long pending = BIO_get_mem_data(m_outgoing, &data);
    if (pending <= 0 || !m_plain)
        return;
    m_plain->write(QByteArrayView(data, qsizetype(pending)));
    (void)BIO_reset(m_outgoing);
}

bool SslProtocol::eofReceived()
{
    m_eofReceived = true;
    switch (m_state) {
    case State::DoHandshake:
        handshakeFinished(std::make_exception_ptr(
            ConnectionResetError(ECONNRESET, QStringLiteral("Connection lost during SSL handshake"))));
        return false;
    case State::Wrapped:
        doRead();
        if (m_state == State::Wrapped && !m_appEofDelivered && m_appReadingPaused) {
            // Records wait for the application: keep the connection until it read them.
            m_eofDeferred = true;
            return true;
        }
        return false;
    case State::Flushing:
    case State::Shutdown:
        finishShutdown(); // no close_notify will come now
        return false;
    case State::Unwrapped:
        break;
    }
    return false; // the plain transport closes
}

void SslProtocol::appClose()
{
    startShutdown();
}

void SslProtocol::startShutdown()
{
    if (m_state == State::Flushing || m_state == State::Shutdown)
        return;
    if (m_state == State::DoHandshake || m_state == State::Unwrapped) {
        appAbort();
        return;
    }
    m_state = State::Flushing;
    m_shutdownTimer = m_loop.callLater(m_options.shutdownTimeout, [this] {
        qCWarning(lcQaio, "SSL shutdown timed out: the peer did not answer close_notify");
        if (m_plain)
            m_plain->abort();
    });
    doWrite();
    m_state = State::Shutdown;
    doShutdown();
}

void SslProtocol::doShutdown()
{
    const int result = SSL_shutdown(m_ssl); // our close_notify, after every record written
    flushOutgoing();
    if (result == 1 || m_eofReceived) {
        finishShutdown();
        return;
    }
    if (result < 0) {
        const int error = SSL_get_error(m_ssl, result);
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
            ERR_clear_error();
            finishShutdown();
            return;
        }
    }
    // Sent; the peer's data still comes before its close_notify (doRead() ends it).
    doRead();
}

void SslProtocol::finishShutdown()
{
    m_shutdownTimer.cancel();
    flushOutgoing(); // records written in this read, before the plain transport closes
    if (m_plain)
        m_plain->close();
}

void SslProtocol::appAbort()
{
    m_handshakeTimer.cancel();
    m_shutdownTimer.cancel();
    if (m_plain)
        m_plain->abort();
}

void SslProtocol::reportAppError(const char *message)
{
    LoopError report;
    report.message = QString::fromLatin1(message);
    report.exception = std::current_exception();
    report.transport = m_app.get();
    report.protocol = m_app ? m_app->protocol() : nullptr;
    m_loop.reportLoopError(report);
}

void SslProtocol::fatal(std::exception_ptr error, const char *message)
{
    if (!m_fatalError)
        m_fatalError = error;
    if (m_handshakeDone.isValid() && !m_handshakeDone.done()) {
        m_handshakeDone.setException(error);
    } else if (holds<OSError>(error)) {
        // As asyncio: a peer's TLS failure ends the connection and reaches the protocol
        // through connectionLost(); only debug mode logs it.
        if (m_loop.getDebug())
            qCDebug(lcQaioDebug).noquote() << message << describeException(error);
    } else {
        LoopError report;
        report.message = QString::fromLatin1(message);
        report.exception = error;
        report.transport = m_app.get();
        report.protocol = m_app ? m_app->protocol() : nullptr;
        m_loop.reportLoopError(report);
    }
    appAbort();
}

void SslProtocol::connectionLost(std::exception_ptr error)
{
    m_handshakeTimer.cancel();
    m_shutdownTimer.cancel();
    if (!error)
        error = m_fatalError;
    const State before = m_state;
    m_state = State::Unwrapped;
    m_plain = nullptr;
    if (m_writableWaiter)
        std::exchange(m_writableWaiter, nullptr)(
            error ? error : std::make_exception_ptr(ConnectionError(QStringLiteral("Connection closed by peer"))));
    if (m_handshakeDone.isValid() && !m_handshakeDone.done())
        m_handshakeDone.setException(error ? error
                                           : std::make_exception_ptr(ConnectionResetError(
                                                 ECONNRESET, QStringLiteral("Connection lost during SSL handshake"))));
    std::shared_ptr<SslTransport> app = std::move(m_app);
    if (!app)
        return;
    app->detach();
    // startTls()'s protocol was connected before the handshake began.
    const bool appConnected = !m_options.callConnectionMade ||
                              (before != State::DoHandshake && before != State::Unwrapped);
    if (appConnected) {
        // asyncio calls the app's connection_lost() in the next iteration.
        m_loop.callSoon([app, error] {
            if (BaseProtocol *protocol = app->protocol())
                protocol->connectionLost(error);
            app->releasePlain();
        });
    } else {
        app->releasePlain();
    }
}

void SslProtocol::pauseWriting()
{
    if (!m_inAppWrite)
        controlAppWriting();
}

void SslProtocol::resumeWriting()
{
    if (!m_inAppWrite)
        controlAppWriting();
}

// asyncio's _control_app_writing(): the application's marks over everything not sent yet.
void SslProtocol::controlAppWriting()
{
    if (!m_app)
        return;
    const WriteBufferLimits limits = m_app->writeBufferLimits();
    const qsizetype size = appWriteBufferSize();
    if (!m_appWritingPaused && size > limits.high)
        m_appWritingPaused = true;
    else if (m_appWritingPaused && size <= limits.low)
        m_appWritingPaused = false;
    if (!m_appWritingPaused && m_writableWaiter)
        std::exchange(m_writableWaiter, nullptr)(nullptr);
    tellAppWriting();
}

void SslProtocol::tellAppWriting()
{
    if (m_flowSuppressed || !m_app || !m_app->protocol() || m_appToldPaused == m_appWritingPaused)
        return;
    m_appToldPaused = m_appWritingPaused;
    try {
        if (m_appToldPaused)
            m_app->protocol()->pauseWriting();
        else
            m_app->protocol()->resumeWriting();
    } catch (...) {
        reportAppError(m_appToldPaused ? "protocol.pause_writing() failed" : "protocol.resume_writing() failed");
    }
}

void SslProtocol::setFlowCallbacksSuppressed(bool suppressed)
{
    m_flowSuppressed = suppressed;
    tellAppWriting();
}

void SslProtocol::notifyWhenWritable(std::function<void(std::exception_ptr)> done)
{
    if (m_state == State::Unwrapped || m_state == State::Flushing || m_state == State::Shutdown) {
        done(std::make_exception_ptr(ConnectionError(QStringLiteral("Connection closed by peer"))));
        return;
    }
    if (!m_appWritingPaused) {
        done(nullptr);
        return;
    }
    m_writableWaiter = std::move(done);
}

// asyncio's _control_ssl_reading(): records the application has not read yet stop the
// plain transport's reading at the high mark.
void SslProtocol::controlPlainReading()
{
    if (!m_plain)
        return;
    const qsizetype pending = appReadBufferSize();
    if (!m_plainReadingPaused && pending >= kTlsReadHighWater) {
        m_plainReadingPaused = true;
        m_plain->pauseReading();
    } else if (m_plainReadingPaused && pending <= kTlsReadHighWater / 4) {
        m_plainReadingPaused = false;
        m_plain->resumeReading();
    }
}

void SslProtocol::appLimitsChanged()
{
    if (m_plain) {
        const WriteBufferLimits limits = m_app->writeBufferLimits();
        m_plain->setWriteBufferLimits(limits.high, limits.low);
    }
    controlAppWriting();
}

void SslProtocol::appPauseReading()
{
    m_appReadingPaused = true;
}

void SslProtocol::appResumeReading()
{
    if (!m_appReadingPaused)
        return;
    m_appReadingPaused = false;
    m_loop.callSoon([app = m_app, this] {
        if (!app->isAttached() || m_appReadingPaused)
            return;
        doRead();
        controlPlainReading();
    });
}

qsizetype SslProtocol::appWriteBufferSize() const
{
    return m_backlogSize + qsizetype(BIO_ctrl_pending(m_outgoing)) + (m_plain ? m_plain->writeBufferSize() : 0);
}

qsizetype SslProtocol::appReadBufferSize() const
{
    return qsizetype(BIO_ctrl_pending(m_incoming));
}

QVariant SslProtocol::info(const QString &name, const QVariant &defaultValue) const
{
    if (name == QLatin1String("sslcontext"))
        return QVariant::fromValue(static_cast<void *>(m_context.nativeHandle()));
    if (name == QLatin1String("ssl_object"))
        return QVariant::fromValue(static_cast<void *>(m_ssl));
    if (m_state == State::Wrapped || m_state == State::Flushing || m_state == State::Shutdown) {
        if (name == QLatin1String("cipher"))
            return QString::fromLatin1(SSL_get_cipher_name(m_ssl));
        if (name == QLatin1String("version"))
            return QString::fromLatin1(SSL_get_version(m_ssl));
        if (name == QLatin1String("compression"))
            return QVariant();
        if (name == QLatin1String("session_reused"))
            return bool(SSL_session_reused(m_ssl));
        if (name == QLatin1String("peercert")) {
            // The peer's own certificate (Python's getpeercert(binary_form=True), as Qt's).
            X509 *peer = SSL_get1_peer_certificate(m_ssl);
            const QSslCertificate certificate = toQSslCertificate(peer);
            X509_free(peer);
            return certificate.isNull() ? QVariant() : QVariant::fromValue(certificate);
        }
        if (name == QLatin1String("peercert_chain")) {
            // As sent by the peer (a server's includes its own; a client's does not).
            const QList<QSslCertificate> chain = toQSslCertificates(SSL_get_peer_cert_chain(m_ssl));
            return chain.isEmpty() ? QVariant() : QVariant::fromValue(chain);
        }
        if (name == QLatin1String("alpn_protocol")) {
            const unsigned char *alpn = nullptr;
            unsigned int length = 0;
            SSL_get0_alpn_selected(m_ssl, &alpn, &length);
            return length ? QVariant(QByteArray(reinterpret_cast<const char *>(alpn), int(length))) : QVariant();
        }
    }
    return m_plain ? m_plain->extraInfo(name, defaultValue) : defaultValue;
}

// ---- SslTransport ---------------------------------------------------------------------

SslTransport::SslTransport(SslProtocol &tls, LoopCore &loop, std::unique_ptr<BaseProtocol> app)
    : m_tls(&tls), m_loop(loop)
{
    if (app) // startTls() sets the protocol right after
        adopt(std::move(app), "protocolFactory");
}

SslTransport::~SslTransport() = default;

void SslTransport::adopt(std::unique_ptr<BaseProtocol> protocol, const char *operation)
{
    if (!protocol)
        throw ValueError(QStringLiteral("%1: returned a null protocol").arg(QLatin1String(operation)));
    auto *data = dynamic_cast<Protocol *>(protocol.get());
    auto *buffered = data ? nullptr : dynamic_cast<BufferedProtocol *>(protocol.get());
    if (!data && !buffered)
        throw ValueError(QStringLiteral("%1: a TLS transport needs a qaio::Protocol or qaio::BufferedProtocol")
                             .arg(QLatin1String(operation)));
    StreamProtocolBase *stream = data ? static_cast<StreamProtocolBase *>(data) : buffered;
    stream->m_transport = this;
    m_protocol = std::move(protocol);
    m_dataProtocol = data;
    m_bufferedProtocol = buffered;
}

void SslTransport::setProtocol(std::unique_ptr<BaseProtocol> protocol)
{
    std::unique_ptr<BaseProtocol> previous = exchangeProtocol(std::move(protocol));
    // A protocol may replace itself from one of its callbacks: it goes once that returned.
    if (previous)
        m_loop.callSoon([retired = std::shared_ptr<BaseProtocol>(std::move(previous))] {});
}

std::unique_ptr<BaseProtocol> SslTransport::exchangeProtocol(std::unique_ptr<BaseProtocol> protocol)
{
    std::unique_ptr<BaseProtocol> previous = std::move(m_protocol);
    try {
        adopt(std::move(protocol), "exchangeProtocol(): protocol");
    } catch (...) {
        m_protocol = std::move(previous);
        throw;
    }
    return previous;
}

void SslTransport::close()
{
    if (m_closed)
        return;
    m_closed = true;
    if (m_tls)
        m_tls->appClose();
}

void SslTransport::abort()
{
    m_closed = true;
    if (m_tls)
        m_tls->appAbort();
}

QVariant SslTransport::extraInfo(const QString &name, const QVariant &defaultValue) const
{
    return m_tls ? m_tls->info(name, defaultValue) : defaultValue;
}

bool SslTransport::isReading() const
{
    return !m_closed && !m_readingPaused;
}

void SslTransport::pauseReading()
{
    m_readingPaused = true;
    if (m_tls)
        m_tls->appPauseReading();
}

void SslTransport::resumeReading()
{
    m_readingPaused = false;
    if (m_tls)
        m_tls->appResumeReading();
}

void SslTransport::setWriteBufferLimits(std::optional<qsizetype> high, std::optional<qsizetype> low)
{
    m_limits = checkedWriteBufferLimits(high, low, kTlsWriteHighWater);
    if (m_tls)
        m_tls->appLimitsChanged();
}

void SslTransport::setFlowCallbacksSuppressed(bool suppressed)
{
    if (m_tls)
        m_tls->setFlowCallbacksSuppressed(suppressed);
}

void SslTransport::notifyWhenWritable(std::function<void(std::exception_ptr)> done)
{
    if (!m_tls) {
        done(std::make_exception_ptr(ConnectionError(QStringLiteral("Connection closed by peer"))));
        return;
    }
    m_tls->notifyWhenWritable(std::move(done));
}

qsizetype SslTransport::readBufferSize() const
{
    return m_tls ? m_tls->appReadBufferSize() : 0;
}

qsizetype SslTransport::writeBufferSize() const
{
    return m_tls ? m_tls->appWriteBufferSize() : 0;
}

void SslTransport::write(QByteArrayView data)
{
    if (m_closed || !m_tls)
        return;
    m_tls->appWrite(data);
}

void SslTransport::writelines(const QList<QByteArray> &data)
{
    for (const QByteArray &chunk : data)
        write(QByteArrayView(chunk));
}

void SslTransport::writelines(std::span<const QByteArrayView> data)
{
    for (QByteArrayView chunk : data)
        write(chunk);
}

void SslTransport::writeEof()
{
    throw NotImplementedError("writeEof(): TLS transports do not support half-closing (canWriteEof() is false)");
}

} // namespace qaio::detail
