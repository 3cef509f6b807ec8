// Copyright (c) qaio authors. Licensed under the MIT license.
// The stream transport base (asyncio's _SelectorTransport and _FlowControlMixin).
#include <qaio/core/detail/streamtransport_p.h>

#include <qaio/base/errors.h>
#include <qaio/core/detail/fdwatcher_p.h>
#include <qaio/core/detail/readbuffer_p.h>
#include <qaio/core/detail/writeflow_p.h>
#include <qaio/platform/oserror.h>
#include <qaio/platform/pipeops_p.h>
#include <qaio/platform/socketops_p.h>

#include <algorithm>

namespace qaio::detail {

namespace {

// Parts gathered into one sendSome(); sys::sendVector() takes at most this many.
constexpr std::size_t kMaxWriteParts = 64;
// A buffered copy smaller than this takes later small writes too (fewer parts to send).
constexpr qsizetype kCoalesceLimit = 16 * 1024;

} // namespace

// ---- creation and destruction ---------------------------------------------------------

StreamTransport::StreamTransport(LoopCore &loop, qintptr fd, std::unique_ptr<BaseProtocol> protocol, Names names,
                                 Direction direction)
    : TransportBase(loop, fd, *this), m_names(names), m_direction(direction),
      m_readBuffer(&threadReadBuffer()) // made on the loop's thread, where all reads happen
{
    adoptProtocol(std::move(protocol), "protocolFactory");
}

StreamTransport::~StreamTransport()
{
    // The protocol goes first, while every member it might still look at is alive.
    destroyProtocols();
    if (m_state != State::Closed && isLinked()) {
        watchReadable(false);
        watchWritable(false);
        releaseDescriptor();
    }
}

void StreamTransport::start(std::shared_ptr<StreamTransport> self, std::function<void()> started)
{
    m_self = std::move(self);
    // asyncio schedules connection_made, then _add_reader, then the waiter's result; one
    // callback does the three in that order.
    m_loop.callSoon([self = m_self, started = std::move(started)] {
        self->m_madeCalled = true;
        self->callProtocol("Exception in protocol.connectionMade()",
                           [&self](BaseProtocol &p) { p.connectionMade(*self); });
        if (self->m_direction == Direction::WriteOnly ? self->m_watchesReaderGone && self->isOpen()
                                                      : self->isReading() && !self->m_eofReceived)
            self->watchReadable(true);
        if (started)
            started();
    });
}

void StreamTransport::loopClosing() noexcept
{
    // The loop drops its watchers itself; only the descriptor and the self-reference remain.
    m_state = State::Closed;
    forgetWatches();
    clearBuffer();
    releaseDescriptor();
    closeDescriptor(true);
    std::shared_ptr<StreamTransport> self = std::move(m_self);
    // `self` may be the last reference: this object ends with this scope.
}

// ---- the protocol ---------------------------------------------------------------------

std::unique_ptr<BaseProtocol> StreamTransport::exchangeProtocol(std::unique_ptr<BaseProtocol> protocol)
{
    std::unique_ptr<BaseProtocol> previous = TransportBase::exchangeProtocol(nullptr);
    try {
        adoptProtocol(std::move(protocol), "exchangeProtocol(): protocol");
    } catch (...) {
        TransportBase::exchangeProtocol(std::move(previous));
        throw;
    }
    return previous;
}

void StreamTransport::adoptProtocol(std::unique_ptr<BaseProtocol> protocol, const char *operation)
{
    if (!protocol)
        throw ValueError(QStringLiteral("%1: returned a null protocol").arg(QLatin1String(operation)));
    auto *data = dynamic_cast<Protocol *>(protocol.get());
    auto *buffered = data ? nullptr : dynamic_cast<BufferedProtocol *>(protocol.get());
    if (!data && !buffered)
        throw ValueError(QStringLiteral("%1: a stream transport needs a qaio::Protocol or qaio::BufferedProtocol")
                             .arg(QLatin1String(operation)));
    StreamProtocolBase *stream = data ? static_cast<StreamProtocolBase *>(data) : buffered;
    stream->m_transport = this;
    replaceProtocol(std::move(protocol));
    m_dataProtocol = data;
    m_bufferedProtocol = buffered;
}

void StreamTransport::setProtocol(std::unique_ptr<BaseProtocol> protocol)
{
    if (!protocol)
        throw ValueError("setProtocol(): protocol is null");
    adoptProtocol(std::move(protocol), "setProtocol(): protocol");
}

// ---- reading --------------------------------------------------------------------------

void StreamTransport::describeResource(ResourceInfo &info) const
{
    TransportBase::describeResource(info);
    info.kind = QStringLiteral("%1 transport").arg(QLatin1String(m_names.transport));
    info.writeBufferSize = std::size_t(m_bufferSize);
    info.readingPaused = m_readingPaused;
    info.writingPaused = m_protocolPaused;
#if QAIO_INTROSPECTION
    info.bytesIn = std::int64_t(m_bytesReceived);
    info.bytesOut = std::int64_t(m_bytesSent);
#endif
}

void StreamTransport::onReadable()
{
    if (m_direction == Direction::WriteOnly) {
        onReaderGone();
        return;
    }
    if (m_state != State::Open || m_readingPaused)
        return;
    CallbackScope scope(*this);
    if (m_bufferedProtocol)
        readIntoBuffer();
    else
        readData();
}

void StreamTransport::readFailed(int error)
{
    fatalError(makeOSError(error, QString::fromLatin1(m_names.receive)),
               QStringLiteral("Fatal read error on %1 transport").arg(QLatin1String(m_names.transport)));
}

qsizetype StreamTransport::receiveInto(char *data, std::size_t size)
{
    int error = 0;
    const std::ptrdiff_t n = receiveSome(data, size, error);
    if (n > 0) {
#if QAIO_INTROSPECTION
        m_bytesReceived += std::uint64_t(n);
#endif
        return qsizetype(n);
    }
    if (n == 0)
        onEof();
    else if (!sys::isWouldBlock(error))
        readFailed(error);
    return 0;
}

void StreamTransport::readData()
{
    ReadBufferLease buffer(*m_readBuffer);
    const qsizetype n = receiveInto(buffer.data(), std::size_t(kMaxReadSize));
    if (n == 0)
        return;
    try {
        m_dataProtocol->dataReceived(QByteArrayView(buffer.data(), n));
    } catch (...) {
        fatalError(std::current_exception(), QStringLiteral("Fatal error: protocol.dataReceived() call failed."));
    }
}

void StreamTransport::readIntoBuffer()
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
    const qsizetype n = receiveInto(target.data(), target.size());
    if (n == 0)
        return;
    try {
        m_bufferedProtocol->bufferUpdated(n);
    } catch (...) {
        fatalError(std::current_exception(), QStringLiteral("Fatal error: protocol.bufferUpdated() call failed."));
    }
}

void StreamTransport::onEof()
{
    if (m_loop.getDebug())
        qCDebug(lcQaioDebug) << m_names.transport << "transport" << m_fd << "received EOF";
    m_eofReceived = true;
    bool keepOpen = false;
    try {
        keepOpen = m_dataProtocol ? m_dataProtocol->eofReceived() : m_bufferedProtocol->eofReceived();
    } catch (...) {
        fatalError(std::current_exception(), QStringLiteral("Fatal error: protocol.eofReceived() call failed."));
        return;
    }
    if (keepOpen && m_direction == Direction::Both) {
        // Still writable, but nothing more can be received: stop watching for reading.
        if (m_state == State::Open)
            watchReadable(false);
    } else {
        close();
    }
}

void StreamTransport::onReaderGone()
{
    if (m_state != State::Open && m_state != State::Closing)
        return;
    if (m_loop.getDebug())
        qCDebug(lcQaioDebug) << m_names.transport << "transport" << m_fd << "lost its reader";
    // asyncio's _UnixWritePipeTransport._read_ready(): data still buffered is lost.
    forceClose(m_bufferSize > 0 ? makeOSError(sys::brokenPipeError(), QString::fromLatin1(m_names.send)) : nullptr);
}

void StreamTransport::pauseReading()
{
    if (!isReading())
        return;
    m_readingPaused = true;
    watchReadable(false);
}

void StreamTransport::resumeReading()
{
    if (m_state != State::Open || !m_readingPaused)
        return;
    m_readingPaused = false;
    // A transport that already saw EOF would only read EOF again.
    if (m_madeCalled && !m_eofReceived)
        watchReadable(true);
}

// ---- writing --------------------------------------------------------------------------

void StreamTransport::refuseWrite(const char *operation) const
{
    if (m_direction == Direction::ReadOnly)
        throw RuntimeError(QStringLiteral("%1(): the %2 transport is read-only")
                               .arg(QLatin1String(operation), QLatin1String(m_names.transport)));
    if (m_eofRequested)
        throw RuntimeError(QStringLiteral("Cannot call %1() after writeEof()").arg(QLatin1String(operation)));
    throw RuntimeError(QStringLiteral("unable to %1; sendfile is in progress").arg(QLatin1String(operation)));
}

void StreamTransport::write(QByteArrayView data)
{
    requireWritable("write");
    writeImpl(data, nullptr);
}

void StreamTransport::write(const QByteArray &data)
{
    requireWritable("write");
    writeImpl(QByteArrayView(data), &data);
}

void StreamTransport::dropWrite()
{
    if (m_droppedWrites >= kLogThresholdForConnLostWrites && !m_droppedWriteWarned) {
        // asyncio warns on every write past the threshold; once per transport is enough to
        // find the bug without flooding the log.
        m_droppedWriteWarned = true;
        qCWarning(lcQaio, "%s.send() raised exception.", m_names.transport);
    }
    ++m_droppedWrites;
}

void StreamTransport::writeFailed(int error)
{
    fatalError(makeOSError(error, QString::fromLatin1(m_names.send)),
               QStringLiteral("Fatal write error on %1 transport").arg(QLatin1String(m_names.transport)));
}

void StreamTransport::writeImpl(QByteArrayView data, const QByteArray *shared)
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
        const std::ptrdiff_t n = sendSome(&data, 1, error);
        qsizetype sent = 0;
        if (n >= 0) {
            sent = qsizetype(n);
#if QAIO_INTROSPECTION
            m_bytesSent += std::uint64_t(n);
#endif
            if (sent == data.size())
                return;
        } else if (!sys::isWouldBlock(error)) {
            writeFailed(error);
            return;
        }
        appendToBuffer(data, shared, sent);
        watchWritable(true);
    } else {
        appendToBuffer(data, shared, 0);
    }
    maybePauseProtocol();
}
void StreamTransport::appendToBuffer(QByteArrayView data, const QByteArray *shared, qsizetype alreadySent)
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

void StreamTransport::consumeBuffer(qsizetype n)
{
#if QAIO_INTROSPECTION
    m_bytesSent += std::uint64_t(n);
#endif
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

void StreamTransport::clearBuffer()
{
    m_chunks.clear();
    m_head = 0;
    m_headOffset = 0;
    m_bufferSize = 0;
}


bool StreamTransport::flushBuffer()
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
        const std::ptrdiff_t n = sendSome(parts, count, error);
        if (n < 0) {
            if (sys::isWouldBlock(error))
                return true;
            watchWritable(false);
            clearBuffer();
            const std::exception_ptr failure = makeOSError(error, QString::fromLatin1(m_names.send));
            failWaiter(failure);
            fatalError(failure, QStringLiteral("Fatal write error on %1 transport").arg(QLatin1String(m_names.transport)));
            return false;
        }
        consumeBuffer(qsizetype(n));
        if (qsizetype(n) < offered)
            return true; // the kernel is full; wait for the next writability
    }
    return true;
}

void StreamTransport::onWritable()
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
        shutdownWrite();
    }
}

void StreamTransport::writelines(const QList<QByteArray> &data)
{
    requireWritable("writelines");
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

void StreamTransport::writelines(std::span<const QByteArrayView> data)
{
    requireWritable("writelines");
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
        const std::ptrdiff_t n = sendSome(parts, count, error);
        if (n < 0) {
            if (sys::isWouldBlock(error))
                break;
            writeFailed(error);
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

void StreamTransport::writeEof()
{
    if (m_state != State::Open || m_eofRequested)
        return;
    m_eofRequested = true;
    if (m_bufferSize == 0) {
        if (const int error = shutdownWrite())
            throwOSError(error, QStringLiteral("shutdown"));
    }
}

// ---- flow control ---------------------------------------------------------------------

void StreamTransport::setWriteBufferLimits(std::optional<qsizetype> high, std::optional<qsizetype> low)
{
    const WriteBufferLimits limits = checkedWriteBufferLimits(high, low);
    m_highWater = limits.high;
    m_lowWater = limits.low;
    maybePauseProtocol();
}

void StreamTransport::maybePauseProtocol()
{
    if (m_bufferSize <= m_highWater || m_writePaused)
        return;
    m_writePaused = true;
    if (!m_flowCallbacksSuppressed)
        notifyPauseWriting();
}

void StreamTransport::maybeResumeProtocol()
{
    if (!m_writePaused || m_bufferSize > m_lowWater)
        return;
    m_writePaused = false;
    wake(WaitFor::Drained);
    if (!m_flowCallbacksSuppressed)
        notifyResumeWriting();
}

void StreamTransport::notifyPauseWriting()
{
    if (m_protocolPaused || m_state == State::LostPending || m_state == State::Closed)
        return;
    m_protocolPaused = true;
    callProtocol("protocol.pauseWriting() failed", [](BaseProtocol &p) { p.pauseWriting(); });
}

void StreamTransport::notifyResumeWriting()
{
    if (!m_protocolPaused || m_state == State::LostPending || m_state == State::Closed)
        return;
    m_protocolPaused = false;
    callProtocol("protocol.resumeWriting() failed", [](BaseProtocol &p) { p.resumeWriting(); });
}

void StreamTransport::setFlowCallbacksSuppressed(bool suppressed)
{
    m_flowCallbacksSuppressed = suppressed;
    if (suppressed || m_writePaused == m_protocolPaused)
        return;
    if (m_writePaused)
        notifyPauseWriting();
    else
        notifyResumeWriting();
}

// ---- closing --------------------------------------------------------------------------

void StreamTransport::close()
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

void StreamTransport::abort()
{
    forceClose(nullptr);
}

void StreamTransport::forceClose(std::exception_ptr error)
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

void StreamTransport::scheduleConnectionLost(std::exception_ptr error)
{
    failWaiter(error ? error : std::make_exception_ptr(ConnectionError(QStringLiteral("Connection closed by peer"))));
    m_loop.callSoon([self = m_self, error] { self->callConnectionLost(error); });
}

void StreamTransport::callConnectionLost(std::exception_ptr error)
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    if (m_madeCalled)
        callProtocol("Exception in protocol.connectionLost()", [&error](BaseProtocol &p) { p.connectionLost(error); });
    watchReadable(false);
    watchWritable(false);
    releaseDescriptor();
    closeDescriptor(false);
    unlinkFromLoop();
    std::shared_ptr<StreamTransport> self = std::move(m_self);
    // The callback running this holds another reference: `this` outlives the call.
}

void StreamTransport::fatalError(std::exception_ptr error, const QString &message)
{
    // asyncio logs OSErrors (a reset peer, ...) only in debug mode: they end the
    // connection and reach the protocol through connectionLost(). Anything else is a bug
    // worth the exception handler.
    if (holds<OSError>(error)) {
        if (m_loop.getDebug())
            qCDebug(lcQaioDebug).noquote() << message << describeException(error);
    } else {
        reportCallbackError(message, error);
    }
    forceClose(error);
}

// ---- waits for sendfile ---------------------------------------------------------------

void StreamTransport::notifyWhen(WaitFor what, std::function<void(std::exception_ptr)> done)
{
    const bool reached = (what == WaitFor::EmptyBuffer && m_bufferSize == 0) ||
                         (what == WaitFor::Drained && !m_writePaused);
    if (reached) {
        done(nullptr);
        return;
    }
    if (m_state != State::Open)
        throw ConnectionError(QStringLiteral("Connection closed by peer"));
    m_waitDone = std::move(done);
    m_waitingFor = what;
    if (what == WaitFor::Writable)
        m_loop.watcherFor(m_fd, "addWriter").setWriter([this] { wake(WaitFor::Writable); });
}

void StreamTransport::cancelNotify() noexcept
{
    if (m_waitingFor == WaitFor::Writable && m_state == State::Open)
        m_loop.removeWatcher(m_fd, false);
    m_waitingFor = WaitFor::Nothing;
    m_waitDone = nullptr;
}

void StreamTransport::wake(WaitFor reached)
{
    if (m_waitingFor != reached)
        return;
    if (reached == WaitFor::Writable)
        m_loop.removeWatcher(m_fd, false);
    m_waitingFor = WaitFor::Nothing;
    std::function<void(std::exception_ptr)> done = std::exchange(m_waitDone, nullptr);
    done(nullptr);
}

void StreamTransport::failWaiter(std::exception_ptr error)
{
    if (m_waitingFor == WaitFor::Nothing)
        return;
    if (m_waitingFor == WaitFor::Writable && m_state != State::Closed)
        m_loop.removeWatcher(m_fd, false);
    m_waitingFor = WaitFor::Nothing;
    std::function<void(std::exception_ptr)> done = std::exchange(m_waitDone, nullptr);
    done(error);
}

} // namespace qaio::detail
