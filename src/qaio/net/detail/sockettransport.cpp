// Copyright (c) qaio authors. Licensed under the MIT license.
// The stream socket transport (asyncio's _SelectorSocketTransport, selector_events.py).
#include <qaio/net/detail/sockettransport_p.h>

#include <qaio/platform/oserror.h>
#include <qaio/core/detail/fdwatcher_p.h>
#include <qaio/net/detail/server_p.h>
#include <qaio/platform/socketops_p.h>
#include <qaio/tasks/exceptioncontext.h>

#include <QtCore/QFile>

#include <algorithm>

namespace qaio::detail {

namespace {

// asyncio's max_size: the most one read takes from the socket.
constexpr qsizetype kMaxReadSize = 256 * 1024;
// asyncio's LOG_THRESHOLD_FOR_CONNLOST_WRITES.
constexpr int kLogThresholdForConnLostWrites = 5;
// Parts gathered into one sendmsg(); sys::sendVector() takes at most this many.
constexpr std::size_t kMaxWriteParts = 64;
// A buffered copy smaller than this takes later small writes too (fewer parts to send).
constexpr qsizetype kCoalesceLimit = 16 * 1024;
// asyncio's SENDFILE_FALLBACK_READBUFFER_SIZE.
constexpr qint64 kSendfileFallbackBlock = 256 * 1024;

} // namespace

// One read buffer per thread, shared by its transports: the data is only lent to
// dataReceived() for the duration of the call. A read nested in that call (a nested Qt
// event loop) gets a buffer of its own.
struct ThreadReadBuffer
{
    std::unique_ptr<char[]> data;
    bool busy = false;
};

namespace {

thread_local ThreadReadBuffer t_readBuffer;

class ReadBufferLease
{
public:
    explicit ReadBufferLease(ThreadReadBuffer &shared)
    {
        if (!shared.busy) {
            if (!shared.data)
                shared.data.reset(new char[kMaxReadSize]);
            shared.busy = true;
            m_shared = &shared;
            m_data = shared.data.get();
        } else {
            m_own.reset(new char[kMaxReadSize]);
            m_data = m_own.get();
        }
    }
    ~ReadBufferLease()
    {
        if (m_shared)
            m_shared->busy = false;
    }
    ReadBufferLease(const ReadBufferLease &) = delete;
    ReadBufferLease &operator=(const ReadBufferLease &) = delete;
    char *data() const noexcept { return m_data; }

private:
    ThreadReadBuffer *m_shared = nullptr;
    std::unique_ptr<char[]> m_own;
    char *m_data = nullptr;
};

} // namespace

// Protocols replaced by setProtocol() during one of their own callbacks are destroyed
// when the outermost callback returns.
class SocketTransport::CallbackScope
{
public:
    explicit CallbackScope(SocketTransport &t) : m_t(t) { ++m_t.m_callbackDepth; }
    ~CallbackScope()
    {
        if (--m_t.m_callbackDepth == 0 && !m_t.m_retired.empty())
            m_t.m_retired.clear();
    }
    CallbackScope(const CallbackScope &) = delete;
    CallbackScope &operator=(const CallbackScope &) = delete;

private:
    SocketTransport &m_t;
};

// ---- creation and destruction ---------------------------------------------------------

std::shared_ptr<SocketTransport> SocketTransport::create(LoopCore &loop, Socket sock,
                                                         std::unique_ptr<BaseProtocol> protocol,
                                                         std::shared_ptr<Server> server, SocketAddress peer,
                                                         Future<void> waiter)
{
    loop.requireOpen();
    loop.requireOwnerThread();
    if (!sock.isValid())
        throw ValueError("sock: the socket is closed");
    if (sock.type() != SocketType::Stream)
        throw ValueError("sock: a stream socket was expected");
    if (!protocol)
        throw ValueError("protocolFactory: returned a null protocol");
    if (!dynamic_cast<Protocol *>(protocol.get()) && !dynamic_cast<BufferedProtocol *>(protocol.get()))
        throw ValueError("protocolFactory: a stream transport needs a qaio::Protocol or qaio::BufferedProtocol");
    std::shared_ptr<SocketTransport> t(new SocketTransport(loop, std::move(sock), std::move(protocol), peer));
    t->m_self = t;
    if (server) {
        t->m_server = std::move(server);
        ServerState::of(*t->m_server).attach(t.get());
    }
    t->start(std::move(waiter));
    return t;
}

SocketTransport::SocketTransport(LoopCore &loop, Socket sock, std::unique_ptr<BaseProtocol> protocol,
                                 SocketAddress peer)
    : LoopResource(&loop), m_loop(loop), m_socket(std::move(sock)), m_fd(m_socket.fileno()), m_peer(peer),
      m_readBuffer(&t_readBuffer) // made on the loop's thread (create() checks), where all reads happen
{
    m_protocol = std::move(protocol);
    m_dataProtocol = dynamic_cast<Protocol *>(m_protocol.get());
    m_bufferedProtocol = m_dataProtocol ? nullptr : dynamic_cast<BufferedProtocol *>(m_protocol.get());
    if (!sys::isNonBlocking(m_fd))
        sys::setNonBlocking(m_fd, true);
    int error = 0;
    m_local = sys::localAddress(m_fd, error);
    if (!m_peer.isValid())
        m_peer = sys::peerAddress(m_fd, error);
    // asyncio sets TCP_NODELAY on every TCP transport: small writes go out at once.
    const AddressFamily family = m_socket.family();
    if ((family == AddressFamily::IPv4 || family == AddressFamily::IPv6) &&
        (m_socket.protocol() == 0 || m_socket.protocol() == 6 /* IPPROTO_TCP */))
        sys::setSocketOption(m_fd, sys::SocketOption::NoDelay, 1);
    m_loop.claimTransportFd(m_fd, this);
}

SocketTransport::~SocketTransport()
{
    // The protocol goes first, while every member it might still look at is alive.
    m_retired.clear();
    m_protocol.reset();
    if (m_state != State::Closed && isLinked()) {
        watchReadable(false);
        watchWritable(false);
        m_loop.releaseTransportFd(m_fd, this);
    }
}

void SocketTransport::start(Future<void> waiter)
{
    // asyncio schedules connection_made, then _add_reader, then the waiter's result; one
    // callback does the three in that order.
    m_loop.callSoon([self = m_self, waiter = std::move(waiter)]() mutable {
        {
            CallbackScope scope(*self);
            self->m_madeCalled = true;
            try {
                self->m_protocol->connectionMade(*self);
            } catch (...) {
                self->reportCallbackError(QStringLiteral("Exception in protocol.connectionMade()"), std::current_exception());
            }
        }
        if (self->isReading() && !self->m_eofReceived)
            self->watchReadable(true);
        if (waiter.isValid() && !waiter.done())
            waiter.setResult();
    });
}

void SocketTransport::loopClosing() noexcept
{
    // The loop drops its watchers itself; only the descriptor and the self-reference remain.
    m_state = State::Closed;
    m_readerWatched = m_writerWatched = false;
    clearBuffer();
    m_loop.releaseTransportFd(m_fd, this);
    m_socket.close();
    if (m_server) {
        ServerState::of(*m_server).forget(this);
        m_server.reset();
    }
    std::shared_ptr<SocketTransport> self = std::move(m_self);
    // `self` may be the last reference: this object ends with this scope.
}

// ---- watching the descriptor ----------------------------------------------------------

void SocketTransport::watchReadable(bool on)
{
    if (on == m_readerWatched)
        return;
    m_readerWatched = on;
    if (on)
        m_loop.watcherFor(m_fd, "addReader").setReader([this] { onReadable(); });
    else
        m_loop.removeWatcher(m_fd, true);
}

void SocketTransport::watchWritable(bool on)
{
    if (on == m_writerWatched)
        return;
    m_writerWatched = on;
    if (on)
        m_loop.watcherFor(m_fd, "addWriter").setWriter([this] { onWritable(); });
    else
        m_loop.removeWatcher(m_fd, false);
}

// ---- reading --------------------------------------------------------------------------

void SocketTransport::onReadable()
{
    if (m_state != State::Open || m_readingPaused)
        return;
    CallbackScope scope(*this);
    if (m_bufferedProtocol)
        readIntoBuffer();
    else
        readData();
}

void SocketTransport::readData()
{
    ReadBufferLease buffer(*m_readBuffer);
    int error = 0;
    const std::ptrdiff_t n = sys::receive(m_fd, buffer.data(), std::size_t(kMaxReadSize), error);
    if (n < 0) {
        if (!sys::isWouldBlock(error))
            fatalError(makeOSError(error, QStringLiteral("recv")), QStringLiteral("Fatal read error on socket transport"));
        return;
    }
    if (n == 0) {
        onEof();
        return;
    }
    try {
        m_dataProtocol->dataReceived(QByteArrayView(buffer.data(), qsizetype(n)));
    } catch (...) {
        fatalError(std::current_exception(), QStringLiteral("Fatal error: protocol.dataReceived() call failed."));
    }
}

void SocketTransport::readIntoBuffer()
{
    std::span<char> target;
    try {
        target = m_bufferedProtocol->getBuffer(-1);
        if (target.empty())
            throw RuntimeError("getBuffer() returned an empty buffer");
    } catch (...) {
        fatalError(std::current_exception(), QStringLiteral("Fatal error: protocol.getBuffer() call failed."));
        return;
    }
    int error = 0;
    const std::ptrdiff_t n = sys::receive(m_fd, target.data(), target.size(), error);
    if (n < 0) {
        if (!sys::isWouldBlock(error))
            fatalError(makeOSError(error, QStringLiteral("recv")), QStringLiteral("Fatal read error on socket transport"));
        return;
    }
    if (n == 0) {
        onEof();
        return;
    }
    try {
        m_bufferedProtocol->bufferUpdated(qsizetype(n));
    } catch (...) {
        fatalError(std::current_exception(), QStringLiteral("Fatal error: protocol.bufferUpdated() call failed."));
    }
}

void SocketTransport::onEof()
{
    if (m_loop.getDebug())
        qCDebug(lcQaioDebug) << "socket transport" << m_fd << "received EOF";
    m_eofReceived = true;
    bool keepOpen = false;
    try {
        keepOpen = m_dataProtocol ? m_dataProtocol->eofReceived() : m_bufferedProtocol->eofReceived();
    } catch (...) {
        fatalError(std::current_exception(), QStringLiteral("Fatal error: protocol.eofReceived() call failed."));
        return;
    }
    if (keepOpen) {
        // Still writable, but nothing more can be received: stop watching for reading.
        if (m_state == State::Open)
            watchReadable(false);
    } else {
        close();
    }
}

void SocketTransport::pauseReading()
{
    if (!isReading())
        return;
    m_readingPaused = true;
    watchReadable(false);
}

void SocketTransport::resumeReading()
{
    if (m_state != State::Open || !m_readingPaused)
        return;
    m_readingPaused = false;
    // A transport that already saw EOF would only read EOF again.
    if (m_madeCalled && !m_eofReceived)
        watchReadable(true);
}

// ---- writing --------------------------------------------------------------------------

void SocketTransport::write(QByteArrayView data)
{
    if (m_eofRequested)
        throw RuntimeError("Cannot call write() after writeEof()");
    if (m_sendfileActive)
        throw RuntimeError("unable to write; sendfile is in progress");
    writeImpl(data, nullptr);
}

void SocketTransport::write(const QByteArray &data)
{
    if (m_eofRequested)
        throw RuntimeError("Cannot call write() after writeEof()");
    if (m_sendfileActive)
        throw RuntimeError("unable to write; sendfile is in progress");
    writeImpl(QByteArrayView(data), &data);
}

void SocketTransport::dropWrite()
{
    if (m_droppedWrites >= kLogThresholdForConnLostWrites && !m_droppedWriteWarned) {
        // asyncio warns on every write past the threshold; once per transport is enough to
        // find the bug without flooding the log.
        m_droppedWriteWarned = true;
        qCWarning(lcQaio, "socket.send() raised exception.");
    }
    ++m_droppedWrites;
}

void SocketTransport::writeImpl(QByteArrayView data, const QByteArray *shared)
{
    if (data.isEmpty())
        return;
    if (m_state != State::Open) {
        dropWrite();
        return;
    }
    if (m_bufferSize == 0) {
        // Nothing queued: try to send right away and keep only what the kernel refused.
        int error = 0;
        const std::ptrdiff_t n = sys::send(m_fd, data.data(), std::size_t(data.size()), error);
        qsizetype sent = 0;
        if (n >= 0) {
            sent = qsizetype(n);
            if (sent == data.size())
                return;
        } else if (!sys::isWouldBlock(error)) {
            fatalError(makeOSError(error, QStringLiteral("send")), QStringLiteral("Fatal write error on socket transport"));
            return;
        }
        appendToBuffer(data, shared, sent);
        watchWritable(true);
    } else {
        appendToBuffer(data, shared, 0);
    }
    maybePauseProtocol();
}

void SocketTransport::appendToBuffer(QByteArrayView data, const QByteArray *shared, qsizetype alreadySent)
{
    const qsizetype remaining = data.size() - alreadySent;
    const bool empty = m_head == m_chunks.size();
    if (shared) {
        m_chunks.push_back(*shared); // implicit sharing: no copy
        if (empty)
            m_headOffset = alreadySent;
        else
            Q_ASSERT(alreadySent == 0);
    } else {
        QByteArrayView rest = data.sliced(alreadySent);
        // Small copies go into the previous copy when it is ours alone and small too.
        if (!empty && m_chunks.back().isDetached() && m_chunks.back().size() + rest.size() <= kCoalesceLimit &&
            !(m_chunks.size() - 1 == m_head && m_headOffset > 0)) {
            m_chunks.back().append(rest);
        } else {
            m_chunks.emplace_back(rest.data(), rest.size());
            if (empty)
                m_headOffset = 0;
        }
    }
    m_bufferSize += remaining;
}

void SocketTransport::consumeBuffer(qsizetype n)
{
    m_bufferSize -= n;
    while (n > 0) {
        QByteArray &front = m_chunks[m_head];
        const qsizetype left = front.size() - m_headOffset;
        if (n < left) {
            m_headOffset += n;
            return;
        }
        n -= left;
        front = QByteArray();
        ++m_head;
        m_headOffset = 0;
    }
    if (m_head == m_chunks.size()) {
        m_chunks.clear();
        m_head = 0;
    } else if (m_head >= 32 && m_head * 2 >= m_chunks.size()) {
        m_chunks.erase(m_chunks.begin(), m_chunks.begin() + std::ptrdiff_t(m_head));
        m_head = 0;
    }
}

void SocketTransport::clearBuffer()
{
    m_chunks.clear();
    m_head = 0;
    m_headOffset = 0;
    m_bufferSize = 0;
}

bool SocketTransport::flushBuffer()
{
    while (m_bufferSize > 0) {
        QByteArrayView parts[kMaxWriteParts];
        std::size_t count = 0;
        qsizetype offered = 0;
        for (std::size_t i = m_head; i < m_chunks.size() && count < kMaxWriteParts; ++i) {
            QByteArrayView part(m_chunks[i]);
            if (i == m_head)
                part = part.sliced(m_headOffset);
            parts[count++] = part;
            offered += part.size();
        }
        int error = 0;
        const std::ptrdiff_t n = count == 1 ? sys::send(m_fd, parts[0].data(), std::size_t(parts[0].size()), error)
                                            : sys::sendVector(m_fd, parts, count, error);
        if (n < 0) {
            if (sys::isWouldBlock(error))
                return true;
            watchWritable(false);
            clearBuffer();
            const std::exception_ptr failure = makeOSError(error, QStringLiteral("send"));
            failWaiter(failure);
            fatalError(failure, QStringLiteral("Fatal write error on socket transport"));
            return false;
        }
        consumeBuffer(qsizetype(n));
        if (qsizetype(n) < offered)
            return true; // the kernel is full; wait for the next writability
    }
    return true;
}

void SocketTransport::onWritable()
{
    if (m_state != State::Open && m_state != State::Closing)
        return;
    CallbackScope scope(*this);
    if (!flushBuffer())
        return;
    maybeResumeProtocol(); // may write more
    if (m_bufferSize > 0 || (m_state != State::Open && m_state != State::Closing))
        return;
    watchWritable(false);
    wake(WaitFor::EmptyBuffer);
    if (m_state == State::Closing) {
        m_state = State::LostPending;
        scheduleConnectionLost(nullptr);
    } else if (m_eofRequested) {
        sys::shutdownSocket(m_fd, false, true);
    }
}

void SocketTransport::writelines(const QList<QByteArray> &data)
{
    if (m_eofRequested)
        throw RuntimeError("Cannot call writelines() after writeEof()");
    if (m_sendfileActive)
        throw RuntimeError("unable to writelines; sendfile is in progress");
    if (data.isEmpty())
        return;
    if (m_state != State::Open) {
        dropWrite();
        return;
    }
    const bool wasEmpty = m_bufferSize == 0;
    for (const QByteArray &part : data) {
        if (!part.isEmpty())
            appendToBuffer(QByteArrayView(part), &part, 0);
    }
    if (wasEmpty && m_bufferSize > 0) {
        // One gathered send for everything (the buffer was empty, so it starts with these).
        if (!flushBuffer())
            return;
        if (m_bufferSize > 0)
            watchWritable(true);
    }
    maybePauseProtocol();
}

void SocketTransport::writelines(std::span<const QByteArrayView> data)
{
    if (m_eofRequested)
        throw RuntimeError("Cannot call writelines() after writeEof()");
    if (m_sendfileActive)
        throw RuntimeError("unable to writelines; sendfile is in progress");
    if (data.empty())
        return;
    if (m_state != State::Open) {
        dropWrite();
        return;
    }
    if (m_bufferSize > 0) {
        for (QByteArrayView part : data)
            if (!part.isEmpty())
                appendToBuffer(part, nullptr, 0);
        maybePauseProtocol();
        return;
    }
    // Send straight from the caller's memory; copy only what the kernel refused.
    std::size_t first = 0;
    qsizetype skip = 0; // bytes of data[first] already sent
    while (first < data.size()) {
        QByteArrayView parts[kMaxWriteParts];
        std::size_t count = 0;
        qsizetype offered = 0;
        for (std::size_t i = first; i < data.size() && count < kMaxWriteParts; ++i) {
            QByteArrayView part = i == first ? data[i].sliced(skip) : data[i];
            parts[count++] = part;
            offered += part.size();
        }
        if (offered == 0)
            break;
        int error = 0;
        const std::ptrdiff_t n = sys::sendVector(m_fd, parts, count, error);
        if (n < 0) {
            if (sys::isWouldBlock(error))
                break;
            fatalError(makeOSError(error, QStringLiteral("send")), QStringLiteral("Fatal write error on socket transport"));
            return;
        }
        qsizetype sent = qsizetype(n);
        while (first < data.size() && sent >= data[first].size() - skip) {
            sent -= data[first].size() - skip;
            ++first;
            skip = 0;
        }
        skip += sent;
        if (qsizetype(n) < offered)
            break;
    }
    if (first == data.size())
        return;
    appendToBuffer(data[first], nullptr, skip);
    for (std::size_t i = first + 1; i < data.size(); ++i)
        if (!data[i].isEmpty())
            appendToBuffer(data[i], nullptr, 0);
    if (m_bufferSize > 0)
        watchWritable(true);
    maybePauseProtocol();
}

void SocketTransport::writeEof()
{
    if (m_state != State::Open || m_eofRequested)
        return;
    m_eofRequested = true;
    if (m_bufferSize == 0) {
        if (const int error = sys::shutdownSocket(m_fd, false, true); error && error != sys::notConnectedError())
            throwOSError(error, QStringLiteral("shutdown"));
    }
}

// ---- flow control ---------------------------------------------------------------------

void SocketTransport::setWriteBufferLimits(std::optional<qsizetype> high, std::optional<qsizetype> low)
{
    qsizetype h, l;
    if (!high)
        h = low ? 4 * *low : 64 * 1024;
    else
        h = *high;
    l = low ? *low : h / 4;
    if (!(h >= l && l >= 0))
        throw ValueError(QStringLiteral("high (%1) must be >= low (%2) must be >= 0").arg(h).arg(l));
    m_highWater = h;
    m_lowWater = l;
    maybePauseProtocol();
}

void SocketTransport::maybePauseProtocol()
{
    if (m_bufferSize <= m_highWater || m_writePaused)
        return;
    m_writePaused = true;
    if (!m_flowCallbacksSuppressed)
        notifyPauseWriting();
}

void SocketTransport::maybeResumeProtocol()
{
    if (!m_writePaused || m_bufferSize > m_lowWater)
        return;
    m_writePaused = false;
    wake(WaitFor::Drained);
    if (!m_flowCallbacksSuppressed)
        notifyResumeWriting();
}

void SocketTransport::notifyPauseWriting()
{
    if (m_protocolPaused || m_state == State::LostPending || m_state == State::Closed)
        return;
    m_protocolPaused = true;
    CallbackScope scope(*this);
    try {
        m_protocol->pauseWriting();
    } catch (...) {
        reportCallbackError(QStringLiteral("protocol.pauseWriting() failed"), std::current_exception());
    }
}

void SocketTransport::notifyResumeWriting()
{
    if (!m_protocolPaused || m_state == State::LostPending || m_state == State::Closed)
        return;
    m_protocolPaused = false;
    CallbackScope scope(*this);
    try {
        m_protocol->resumeWriting();
    } catch (...) {
        reportCallbackError(QStringLiteral("protocol.resumeWriting() failed"), std::current_exception());
    }
}

// ---- closing --------------------------------------------------------------------------

void SocketTransport::close()
{
    if (m_state != State::Open)
        return;
    m_state = State::Closing;
    // Unlike asyncio (which accepts writes after close() while the buffer drains), any
    // write after close() is dropped: the documented contract of close().
    m_droppedWrites = std::max(m_droppedWrites, 1);
    watchReadable(false);
    if (m_bufferSize == 0) {
        m_state = State::LostPending;
        watchWritable(false);
        scheduleConnectionLost(nullptr);
    }
}

void SocketTransport::abort()
{
    forceClose(nullptr);
}

void SocketTransport::forceClose(std::exception_ptr error)
{
    if (m_state == State::LostPending || m_state == State::Closed)
        return;
    if (m_bufferSize > 0)
        clearBuffer();
    watchWritable(false);
    watchReadable(false);
    m_state = State::LostPending;
    m_droppedWrites = std::max(m_droppedWrites, 1);
    scheduleConnectionLost(error);
}

void SocketTransport::scheduleConnectionLost(std::exception_ptr error)
{
    failWaiter(error ? error : std::make_exception_ptr(ConnectionError(QStringLiteral("Connection closed by peer"))));
    m_loop.callSoon([self = m_self, error] { self->callConnectionLost(error); });
}

void SocketTransport::callConnectionLost(std::exception_ptr error)
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    {
        CallbackScope scope(*this);
        if (m_madeCalled) {
            try {
                m_protocol->connectionLost(error);
            } catch (...) {
                reportCallbackError(QStringLiteral("Exception in protocol.connectionLost()"), std::current_exception());
            }
        }
    }
    watchReadable(false);
    watchWritable(false);
    m_loop.releaseTransportFd(m_fd, this);
    m_socket.close();
    if (m_server) {
        std::shared_ptr<Server> server = std::move(m_server);
        ServerState::of(*server).detach(this);
    }
    unlinkFromLoop();
    std::shared_ptr<SocketTransport> self = std::move(m_self);
    // The callback running this holds another reference: `this` outlives the call.
}

void SocketTransport::fatalError(std::exception_ptr error, const QString &message)
{
    // asyncio logs OSErrors (a reset peer, ...) only in debug mode: they end the
    // connection and reach the protocol through connectionLost(). Anything else is a bug
    // worth the exception handler.
    if (holds<OSError>(error)) {
        if (m_loop.getDebug())
            qCDebug(lcQaioDebug).noquote() << message << describeException(error);
    } else {
        ExceptionContext context;
        context.message = message;
        context.exception = error;
        context.transport = this;
        context.protocol = m_protocol.get();
        context.socket = m_fd;
        m_loop.callExceptionHandler(context);
    }
    forceClose(error);
}

void SocketTransport::reportCallbackError(const QString &message, std::exception_ptr error)
{
    ExceptionContext context;
    context.message = message;
    context.exception = std::move(error);
    context.transport = this;
    context.protocol = m_protocol.get();
    context.socket = m_socket.fileno();
    m_loop.callExceptionHandler(context);
}

// ---- protocol and extra info ----------------------------------------------------------

void SocketTransport::setProtocol(std::unique_ptr<BaseProtocol> protocol)
{
    if (!protocol)
        throw ValueError("setProtocol(): protocol is null");
    auto *data = dynamic_cast<Protocol *>(protocol.get());
    auto *buffered = data ? nullptr : dynamic_cast<BufferedProtocol *>(protocol.get());
    if (!data && !buffered)
        throw ValueError("setProtocol(): protocol: a stream transport needs a qaio::Protocol or qaio::BufferedProtocol");
    std::unique_ptr<BaseProtocol> old = std::exchange(m_protocol, std::move(protocol));
    m_dataProtocol = data;
    m_bufferedProtocol = buffered;
    if (old && m_callbackDepth > 0)
        m_retired.push_back(std::move(old));
}

QVariant SocketTransport::extraInfo(const QString &name, const QVariant &defaultValue) const
{
    if (name == QLatin1String("peername"))
        return m_peer.isValid() ? QVariant::fromValue(m_peer) : defaultValue;
    if (name == QLatin1String("sockname"))
        return m_local.isValid() ? QVariant::fromValue(m_local) : defaultValue;
    if (name == QLatin1String("socket"))
        return m_socket.isValid() ? QVariant::fromValue(m_socket.fileno()) : defaultValue;
    return defaultValue;
}

// ---- sendfile -------------------------------------------------------------------------

Coro<void> SocketTransport::waitFor(WaitFor what)
{
    const bool reached = (what == WaitFor::EmptyBuffer && m_bufferSize == 0) ||
                         (what == WaitFor::Drained && !m_writePaused);
    if (reached)
        co_return;
    if (m_state != State::Open)
        throw ConnectionError(QStringLiteral("Connection closed by peer"));
    m_waiter = m_loop.createFuture<void>();
    m_waitingFor = what;
    if (what == WaitFor::Writable)
        m_loop.watcherFor(m_fd, "addWriter").setWriter([this] { wake(WaitFor::Writable); });
    Future<void> waiter = m_waiter;
    try {
        co_await waiter;
    } catch (...) {
        if (m_waitingFor == WaitFor::Writable && m_state == State::Open)
            m_loop.removeWatcher(m_fd, false);
        m_waitingFor = WaitFor::Nothing;
        m_waiter = Future<void>();
        throw;
    }
}

void SocketTransport::wake(WaitFor reached)
{
    if (m_waitingFor != reached)
        return;
    if (reached == WaitFor::Writable)
        m_loop.removeWatcher(m_fd, false);
    m_waitingFor = WaitFor::Nothing;
    Future<void> waiter = std::exchange(m_waiter, Future<void>());
    if (!waiter.done())
        waiter.setResult();
}

void SocketTransport::failWaiter(std::exception_ptr error)
{
    if (m_waitingFor == WaitFor::Nothing)
        return;
    if (m_waitingFor == WaitFor::Writable && m_state != State::Closed)
        m_loop.removeWatcher(m_fd, false);
    m_waitingFor = WaitFor::Nothing;
    Future<void> waiter = std::exchange(m_waiter, Future<void>());
    if (!waiter.done())
        waiter.setException(error);
}

Coro<qint64> SocketTransport::sendfile(QFile &file, qint64 offset, std::optional<qint64> count, bool fallback,
                                       FileBlockReader readBlock)
{
    // Keeps the transport alive even if the connection is lost while the file is sent.
    std::shared_ptr<SocketTransport> self = m_self;
    if (!self || m_state != State::Open)
        throw RuntimeError("Transport is closing");
    if (m_sendfileActive || m_waitingFor != WaitFor::Nothing)
        throw RuntimeError("sendfile(): another sendfile is in progress on this transport");
    if (!file.isOpen() || !file.isReadable())
        throw ValueError("sendfile(): file must be open for reading");
    if (file.isSequential())
        throw ValueError("sendfile(): file must be a regular file");
    if (offset < 0)
        throw ValueError(QStringLiteral("sendfile(): offset must be a non-negative integer, got %1").arg(offset));
    if (count && *count <= 0)
        throw ValueError(QStringLiteral("sendfile(): count must be a positive integer, got %1").arg(*count));
    if (file.handle() >= 0) {
        bool native = true;
        qint64 sent = 0;
        try {
            sent = co_await sendfileNative(file, offset, count);
        } catch (const NotImplementedError &) {
            if (!fallback)
                throw;
            native = false;
        }
        if (native)
            co_return sent;
    } else if (!fallback) {
        throw RuntimeError("fallback is disabled and native sendfile is not supported for this transport");
    }
    co_return co_await sendfileFallback(file, offset, count, std::move(readBlock));
}

Coro<qint64> SocketTransport::sendfileNative(QFile &file, qint64 offset, std::optional<qint64> count)
{
    // asyncio's _sendfile_native: stop reading, let the buffer drain, refuse other
    // writes, then hand the file to the kernel.
    const bool resume = isReading();
    pauseReading();
    m_sendfileActive = true;
    qint64 sent = 0;
    std::exception_ptr failure;
    try {
        co_await waitFor(WaitFor::EmptyBuffer);
        const qint64 end = count ? std::min(file.size(), offset + *count) : file.size();
        while (offset + sent < end) {
            if (m_state != State::Open)
                throw ConnectionError(QStringLiteral("Connection closed by peer"));
            int error = 0;
            const std::size_t chunk = std::size_t(std::min<qint64>(end - offset - sent, qint64(1) << 30));
            const std::ptrdiff_t n = sys::sendFile(m_fd, file.handle(), offset + sent, chunk, error);
            if (n > 0) {
                sent += n;
                continue;
            }
            if (n == 0)
                break; // the file shrank
            if (sys::isWouldBlock(error)) {
                co_await waitFor(WaitFor::Writable);
                continue;
            }
            if (sent == 0 && sys::isSendFileUnsupported(error))
                throw NotImplementedError("os sendfile() is not available for this socket or file");
            std::rethrow_exception(makeOSError(error, QStringLiteral("sendfile")));
        }
    } catch (...) {
        failure = std::current_exception();
    }
    m_sendfileActive = false;
    if (sent > 0)
        file.seek(offset + sent);
    if (resume)
        resumeReading();
    if (failure) {
        // An OSError from sendfile(2) is a connection error like any other write error.
        if (holds<OSError>(failure) && m_state == State::Open)
            forceClose(failure);
        std::rethrow_exception(failure);
    }
    co_return sent;
}

Coro<qint64> SocketTransport::sendfileFallback(QFile &file, qint64 offset, std::optional<qint64> count,
                                               FileBlockReader readBlock)
{
    // asyncio's _sendfile_fallback with its _SendfileFallbackProtocol: reading paused, the
    // protocol's pauseWriting()/resumeWriting() held back while the file is written with
    // flow control, then the protocol told the final state.
    const bool resume = isReading();
    pauseReading();
    m_flowCallbacksSuppressed = true;
    qint64 sent = 0;
    std::exception_ptr failure;
    try {
        const qint64 end = count ? std::min(file.size(), offset + *count) : file.size();
        while (offset + sent < end) {
            if (!file.seek(offset + sent))
                throw OSError(sys::invalidArgumentError(), QStringLiteral("seek in %1").arg(file.fileName()));
            const qint64 block = std::min(kSendfileFallbackBlock, end - offset - sent);
            QByteArray data = co_await readBlock(file, block);
            if (data.isEmpty())
                break;
            co_await waitFor(WaitFor::Drained);
            if (m_state != State::Open)
                throw ConnectionError(QStringLiteral("Connection closed by peer"));
            writeImpl(QByteArrayView(data), &data);
            sent += data.size();
        }
    } catch (...) {
        failure = std::current_exception();
    }
    file.seek(offset + sent);
    m_flowCallbacksSuppressed = false;
    if (m_writePaused != m_protocolPaused) {
        if (m_writePaused)
            notifyPauseWriting();
        else
            notifyResumeWriting();
    }
    if (resume)
        resumeReading();
    if (failure)
        std::rethrow_exception(failure);
    co_return sent;
}

} // namespace qaio::detail
