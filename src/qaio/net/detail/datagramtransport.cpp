// Copyright (c) qaio authors. Licensed under the MIT license.
// The datagram socket transport (asyncio's _SelectorDatagramTransport, selector_events.py).
#include <qaio/net/detail/datagramtransport_p.h>

#include <qaio/base/errors.h>
#include <qaio/core/detail/readbuffer_p.h>
#include <qaio/core/detail/writeflow_p.h>
#include <qaio/platform/oserror.h>
#include <qaio/platform/socketops_p.h>

#include <algorithm>

namespace qaio::detail {

namespace {

// asyncio's _SelectorDatagramTransport._header_size: what a buffered datagram costs
// besides its bytes, in the flow-control count.
constexpr qsizetype kDatagramHeaderSize = 8;
// Datagrams read per readiness notification before the loop runs other work: enough to
// save most wake-ups under load, few enough that one busy endpoint does not starve others.
constexpr int kDatagramsPerWakeup = 16;

// Any UDP datagram fits (at most 65,535 bytes), so a batch never cuts one.
constexpr std::size_t kBatchSlotSize = 64 * 1024;

} // namespace

// The thread's buffer for batch reads: lent to one transport's read at a time; a read
// nested in a protocol callback (a nested Qt event loop) reads one by one instead.
struct DatagramBatchBuffer
{
    std::unique_ptr<char[]> data; // kMaxDatagramBatch slots, made on first use
    bool busy = false;
};

namespace {
thread_local DatagramBatchBuffer t_batchBuffer;
} // namespace

// ---- creation and destruction ---------------------------------------------------------

std::shared_ptr<DatagramSocketTransport> DatagramSocketTransport::create(LoopCore &loop, Socket sock,
                                                                         std::unique_ptr<BaseProtocol> protocol,
                                                                         SocketAddress remote, bool connected,
                                                                         Future<void> waiter)
{
    requireUsableLoop(loop);
    if (!sock.isValid())
        throw ValueError("sock: the socket is closed");
    if (sock.type() != SocketType::Datagram)
        throw ValueError("sock: a datagram socket was expected");
    std::shared_ptr<DatagramSocketTransport> t(
        new DatagramSocketTransport(loop, std::move(sock), std::move(protocol), remote, connected));
    t->m_self = t;
    // asyncio schedules connection_made, then _add_reader, then the waiter's result.
    loop.callSoon([self = t, waiter = std::move(waiter)]() mutable {
        self->m_madeCalled = true;
        self->callProtocol("Exception in protocol.connectionMade()",
                           [&self](BaseProtocol &p) { p.connectionMade(*self); });
        if (self->m_state == State::Open)
            self->watchReadable(true);
        if (waiter.isValid() && !waiter.done())
            waiter.setResult();
    });
    return t;
}

DatagramSocketTransport::DatagramSocketTransport(LoopCore &loop, Socket sock, std::unique_ptr<BaseProtocol> protocol,
                                                 SocketAddress remote, bool connected)
    : TransportBase(loop, sock.fileno(), *this), m_socket(std::move(sock)), m_remote(remote),
      m_connected(connected), m_readBuffer(&threadReadBuffer()), m_batchBuffer(&t_batchBuffer),
      m_batched(m_socket.family() == AddressFamily::IPv4 || m_socket.family() == AddressFamily::IPv6),
      m_highWater(kDefaultHighWater),
      m_lowWater(kDefaultHighWater / 4)
{
    adoptProtocol(std::move(protocol), "protocolFactory");
    if (!sys::isNonBlocking(m_fd))
        sys::setNonBlocking(m_fd, true);
    int error = 0;
    m_local = sys::localAddress(m_fd, error);
    if (m_connected && !m_remote.isValid())
        m_remote = sys::peerAddress(m_fd, error);
}

DatagramSocketTransport::~DatagramSocketTransport()
{
    destroyProtocols();
    if (m_state != State::Closed && isLinked()) {
        watchReadable(false);
        watchWritable(false);
        releaseDescriptor();
    }
}

void DatagramSocketTransport::loopClosing() noexcept
{
    m_state = State::Closed;
    forgetWatches();
    m_buffer.clear();
    m_bufferSize = 0;
    releaseDescriptor();
    m_socket.close();
    std::shared_ptr<DatagramSocketTransport> self = std::move(m_self);
}

// ---- the protocol ---------------------------------------------------------------------

void DatagramSocketTransport::adoptProtocol(std::unique_ptr<BaseProtocol> protocol, const char *operation)
{
    if (!protocol)
        throw ValueError(QStringLiteral("%1: returned a null protocol").arg(QLatin1String(operation)));
    auto *datagram = dynamic_cast<DatagramProtocol *>(protocol.get());
    if (!datagram)
        throw ValueError(QStringLiteral("%1: a datagram transport needs a qaio::DatagramProtocol")
                             .arg(QLatin1String(operation)));
    datagram->m_transport = this;
    replaceProtocol(std::move(protocol));
}

void DatagramSocketTransport::setProtocol(std::unique_ptr<BaseProtocol> protocol)
{
    if (!protocol)
        throw ValueError("setProtocol(): protocol is null");
    adoptProtocol(std::move(protocol), "setProtocol(): protocol");
}

QVariant DatagramSocketTransport::extraInfo(const QString &name, const QVariant &defaultValue) const
{
    if (name == QLatin1String("peername"))
        return m_connected && m_remote.isValid() ? QVariant::fromValue(m_remote) : defaultValue;
    if (name == QLatin1String("sockname"))
        return m_local.isValid() ? QVariant::fromValue(m_local) : defaultValue;
    if (name == QLatin1String("socket"))
        return m_socket.isValid() ? QVariant::fromValue(m_socket.fileno()) : defaultValue;
    return defaultValue;
}

// ---- receiving ------------------------------------------------------------------------

void DatagramSocketTransport::onReadable()
{
    CallbackScope scope(*this);
    if (m_batched && !m_batchBuffer->busy)
        readBatches();
    else
        readOneByOne();
}

void DatagramSocketTransport::readBatches()
{
    DatagramBatchBuffer &batch = *m_batchBuffer;
    if (!batch.data)
        batch.data.reset(new char[kBatchSlotSize * sys::kMaxDatagramBatch]); // not touched: not resident
    batch.busy = true;
    struct Release
    {
        DatagramBatchBuffer &batch;
        ~Release() { batch.busy = false; }
    } release{batch};
    SocketAddress senders[sys::kMaxDatagramBatch];
    std::size_t sizes[sys::kMaxDatagramBatch];
    bool truncated[sys::kMaxDatagramBatch];
    int received = 0;
    while (received < kDatagramsPerWakeup && m_state == State::Open) {
        const std::size_t wanted = std::min<std::size_t>(sys::kMaxDatagramBatch, std::size_t(kDatagramsPerWakeup - received));
        int error = 0;
        const int n = sys::receiveDatagrams(m_fd, batch.data.get(), kBatchSlotSize, wanted, senders, sizes, truncated, error);
        if (n < 0) {
            if (!sys::isWouldBlock(error))
                receiveFailed(error);
            return;
        }
        for (int i = 0; i < n && m_state == State::Open; ++i)
            deliver(QByteArrayView(batch.data.get() + std::size_t(i) * kBatchSlotSize, qsizetype(sizes[i])), senders[i],
                    truncated[i], qsizetype(kBatchSlotSize));
        received += n;
        if (std::size_t(n) < wanted)
            return; // the queue is empty: no call needed to hear EAGAIN
    }
}

void DatagramSocketTransport::readOneByOne()
{
    ReadBufferLease buffer(*m_readBuffer);
    SocketAddress sender; // filled in place by each receive (a nested loop gets its own)
    for (int i = 0; i < kDatagramsPerWakeup && m_state == State::Open; ++i) {
        int error = 0;
        bool truncated = false;
        const std::ptrdiff_t n =
            sys::receiveDatagram(m_fd, buffer.data(), std::size_t(kMaxReadSize), sender, truncated, error);
        if (n < 0) {
            if (!sys::isWouldBlock(error))
                receiveFailed(error);
            return;
        }
        deliver(QByteArrayView(buffer.data(), qsizetype(n)), sender, truncated, kMaxReadSize);
    }
}

void DatagramSocketTransport::receiveFailed(int error)
{
    // ICMP errors (a refused port) and the like: the protocol hears of it, the endpoint
    // carries on (asyncio's error_received()).
    const std::exception_ptr failure = makeOSError(error, QStringLiteral("recvfrom"));
    callProtocol("Exception in protocol.errorReceived()",
                 [&failure](BaseProtocol &p) { static_cast<DatagramProtocol &>(p).errorReceived(failure); });
}

void DatagramSocketTransport::deliver(QByteArrayView data, const SocketAddress &sender, bool truncated,
                                      qsizetype limit)
{
    if (truncated && !m_truncationLogged) {
        // asyncio cuts such datagrams silently; say it once, so the cut is findable.
        m_truncationLogged = true;
        qCWarning(lcQaio, "datagram transport %lld: a datagram larger than %lld bytes was cut to that size",
                  qlonglong(m_fd), qlonglong(limit));
    }
    callProtocol("Exception in protocol.datagramReceived()", [&data, &sender](BaseProtocol &p) {
        static_cast<DatagramProtocol &>(p).datagramReceived(data, sender);
    });
}

// ---- sending --------------------------------------------------------------------------

const SocketAddress &DatagramSocketTransport::destinationFor(const SocketAddress &address) const
{
    if (m_remote.isValid()) {
        if (address.isValid() && !(address == m_remote))
            throw ValueError(QStringLiteral("Invalid address: must be None or %1").arg(m_remote.toString()));
        return m_remote;
    }
    if (!address.isValid())
        throw ValueError("sendto(): address: required, the endpoint has no remote address");
    return address;
}

void DatagramSocketTransport::sendto(QByteArrayView data, const SocketAddress &address)
{
    sendImpl(data, nullptr, destinationFor(address));
}

void DatagramSocketTransport::sendto(const QByteArray &data, const SocketAddress &address)
{
    sendImpl(QByteArrayView(data), &data, destinationFor(address));
}

std::ptrdiff_t DatagramSocketTransport::sendNow(QByteArrayView data, const SocketAddress &to, int &error) const
{
    // A connected socket sends without an address (the kernel has it).
    static const SocketAddress none;
    return sys::sendTo(m_fd, data.data(), std::size_t(data.size()), m_connected ? none : to, error);
}

void DatagramSocketTransport::sendFailed(int error)
{
    const std::exception_ptr failure = makeOSError(error, QStringLiteral("sendto"));
    callProtocol("Exception in protocol.errorReceived()",
                 [&failure](BaseProtocol &p) { static_cast<DatagramProtocol &>(p).errorReceived(failure); });
}

void DatagramSocketTransport::sendImpl(QByteArrayView data, const QByteArray *shared, const SocketAddress &address)
{
    if (m_state != State::Open) {
        if (m_droppedWrites >= kLogThresholdForConnLostWrites && !m_droppedWriteWarned) {
            m_droppedWriteWarned = true;
            qCWarning(lcQaio, "socket.send() raised exception.");
        }
        ++m_droppedWrites;
        return;
    }
    if (m_buffer.empty()) {
        int error = 0;
        if (sendNow(data, address, error) >= 0)
            return;
        if (!sys::isWouldBlock(error)) {
            CallbackScope scope(*this);
            sendFailed(error);
            return;
        }
        watchWritable(true);
    }
    PendingDatagram pending{shared ? *shared : QByteArray(data.data(), data.size()),
                            m_connected ? SocketAddress() : address};
    m_buffer.push_back(std::move(pending));
    m_bufferSize += data.size() + kDatagramHeaderSize;
    maybePauseProtocol();
}

void DatagramSocketTransport::onWritable()
{
    if (m_state != State::Open && m_state != State::Closing)
        return;
    CallbackScope scope(*this);
    while (!m_buffer.empty()) {
        PendingDatagram &front = m_buffer.front();
        int error = 0;
        const std::ptrdiff_t n = sendNow(QByteArrayView(front.data), front.address, error);
        if (n < 0 && sys::isWouldBlock(error))
            break;
        m_bufferSize -= front.data.size() + kDatagramHeaderSize;
        m_buffer.pop_front();
        if (n < 0) {
            // As asyncio: the protocol hears of the failure and the rest waits for the
            // next writability (the datagram that failed is dropped).
            sendFailed(error);
            return;
        }
    }
    maybeResumeProtocol(); // may send more
    if (!m_buffer.empty() || (m_state != State::Open && m_state != State::Closing))
        return;
    watchWritable(false);
    if (m_state == State::Closing) {
        m_state = State::LostPending;
        scheduleConnectionLost();
    }
}

// ---- flow control ---------------------------------------------------------------------

void DatagramSocketTransport::setWriteBufferLimits(std::optional<qsizetype> high, std::optional<qsizetype> low)
{
    const WriteBufferLimits limits = checkedWriteBufferLimits(high, low);
    m_highWater = limits.high;
    m_lowWater = limits.low;
    maybePauseProtocol();
}

void DatagramSocketTransport::maybePauseProtocol()
{
    if (m_bufferSize <= m_highWater || m_protocolPaused || m_state != State::Open)
        return;
    m_protocolPaused = true;
    callProtocol("protocol.pauseWriting() failed", [](BaseProtocol &p) { p.pauseWriting(); });
}

void DatagramSocketTransport::maybeResumeProtocol()
{
    if (!m_protocolPaused || m_bufferSize > m_lowWater)
        return;
    m_protocolPaused = false;
    if (m_state == State::Open || m_state == State::Closing)
        callProtocol("protocol.resumeWriting() failed", [](BaseProtocol &p) { p.resumeWriting(); });
}

// ---- closing --------------------------------------------------------------------------

void DatagramSocketTransport::close()
{
    if (m_state != State::Open)
        return;
    m_state = State::Closing;
    m_droppedWrites = std::max(m_droppedWrites, 1);
    watchReadable(false);
    if (m_buffer.empty()) {
        m_state = State::LostPending;
        scheduleConnectionLost();
    }
}

void DatagramSocketTransport::abort()
{
    forceClose();
}

void DatagramSocketTransport::forceClose()
{
    if (m_state == State::LostPending || m_state == State::Closed)
        return;
    m_buffer.clear();
    m_bufferSize = 0;
    watchWritable(false);
    watchReadable(false);
    m_state = State::LostPending;
    m_droppedWrites = std::max(m_droppedWrites, 1);
    scheduleConnectionLost();
}

void DatagramSocketTransport::scheduleConnectionLost()
{
    m_loop.callSoon([self = m_self] { self->callConnectionLost(); });
}

void DatagramSocketTransport::callConnectionLost()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    if (m_madeCalled)
        callProtocol("Exception in protocol.connectionLost()", [](BaseProtocol &p) { p.connectionLost(nullptr); });
    watchReadable(false);
    watchWritable(false);
    releaseDescriptor();
    m_socket.close();
    unlinkFromLoop();
    std::shared_ptr<DatagramSocketTransport> self = std::move(m_self);
}

} // namespace qaio::detail
