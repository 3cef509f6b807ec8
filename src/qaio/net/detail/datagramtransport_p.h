// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/detail/transportbase_p.h>
#include <qaio/core/loopcore.h>
#include <qaio/core/protocols.h>
#include <qaio/core/transports.h>
#include <qaio/net/socket.h>
#include <qaio/tasks/future.h>

#include <QtCore/QByteArray>

#include <deque>
#include <exception>
#include <memory>
#include <vector>

namespace qaio::detail {

struct ThreadReadBuffer;
struct DatagramBatchBuffer;

/*!
    The transport of a datagram socket (UDP, Unix datagram): asyncio's
    _SelectorDatagramTransport. Datagrams are not a byte stream, so this does not stand on
    the stream transport base; it shares the write-flow rules (core/detail/writeflow_p.h),
    the thread's read buffer (core/detail/readbuffer_p.h) and the lifetime model of every
    transport (transports.h).

    State:

    \code
              close()              buffered datagrams sent
      Open ─────────────▶ Closing ─────────────────────────┐
        │                    │                             ▼
        │ abort()            │ abort()               LostPending ──connectionLost()──▶ Closed
        └────────────────────┴─────────────────────────────▲  (scheduled with           returned,
                                                               callSoon)               socket closed
      the loop closes, in any state ───────────────────────────────────────────────────▶ Closed
    \endcode

    Reading: up to kDatagramsPerWakeup datagrams per readiness notification, each handed
    to datagramReceived() as a view, the sender's address written in place by the kernel;
    a level-triggered reactor reports the socket again if more are queued. A UDP socket
    (datagrams of at most 64 KiB) is read with recvmmsg() into the thread's batch buffer
    (16 slots of 64 KiB, pages touched only as used): one system call for all that is
    queued, and none to learn that the queue is empty. A Unix datagram socket (datagrams
    up to asyncio's 256 KiB max_size) reads one datagram per call into the thread's read
    buffer. A datagram received in a batch after the protocol closed the transport is
    dropped, as the network could have dropped it. Errors go to errorReceived() and never end the
    endpoint; exceptions from the protocol go to the loop's exception handler.

    Writing: sendto() sends at once while nothing is buffered; a datagram the kernel
    refuses with EAGAIN is queued (shared if it is a QByteArray, copied otherwise) with its
    address, and the queue is flushed in order on writability.
*/
class DatagramSocketTransport final : public DatagramTransport, public TransportBase
{
public:
    /*! Wraps the datagram socket \a sock. \a remote is where sendto() without an address
        goes (asyncio's r_addr; invalid: none), \a connected whether \a sock is connected to
        it (then send() is used, and replies from elsewhere are filtered by the kernel).
        Schedules connectionMade(), then the start of reading, then \a waiter's result (if
        valid), in one callback. Throws ValueError if \a protocol is not a DatagramProtocol. */
    static std::shared_ptr<DatagramSocketTransport> create(LoopCore &loop, Socket sock,
                                                           std::unique_ptr<BaseProtocol> protocol,
                                                           SocketAddress remote, bool connected,
                                                           Future<void> waiter = {});
    ~DatagramSocketTransport() override;

    // BaseTransport
    void close() override;
    bool isClosing() const override { return m_state != State::Open; }
    QVariant extraInfo(const QString &name, const QVariant &defaultValue = {}) const override;
    void setProtocol(std::unique_ptr<BaseProtocol> protocol) override;
    BaseProtocol *protocol() const override { return m_protocol.get(); }

    // DatagramTransport
    using DatagramTransport::sendto;
    void sendto(QByteArrayView data, const SocketAddress &address = {}) override;
    void sendto(const QByteArray &data, const SocketAddress &address = {}) override;
    void abort() override;
    qsizetype writeBufferSize() const override { return m_bufferSize; }
    void setWriteBufferLimits(std::optional<qsizetype> high = std::nullopt,
                              std::optional<qsizetype> low = std::nullopt) override;
    WriteBufferLimits writeBufferLimits() const override { return {m_lowWater, m_highWater}; }

private:
    enum class State { Open, Closing, LostPending, Closed };

    struct PendingDatagram
    {
        QByteArray data;
        SocketAddress address; // invalid on a connected socket
    };

    DatagramSocketTransport(LoopCore &loop, Socket sock, std::unique_ptr<BaseProtocol> protocol, SocketAddress remote,
                            bool connected);

    void loopClosing() noexcept override;
    void adoptProtocol(std::unique_ptr<BaseProtocol> protocol, const char *operation);

    const SocketAddress &destinationFor(const SocketAddress &address) const;
    void sendImpl(QByteArrayView data, const QByteArray *shared, const SocketAddress &address);
    /*! One datagram to the kernel: bytes sent or -1 with \a error. */
    std::ptrdiff_t sendNow(QByteArrayView data, const SocketAddress &to, int &error) const;
    void sendFailed(int error);
    void onReadable() override;
    /*! One batch read (recvmmsg) after another, into the thread's batch buffer. */
    void readBatches();
    /*! One datagram per call, into the thread's read buffer. */
    void readOneByOne();
    void deliver(QByteArrayView data, const SocketAddress &sender, bool truncated, qsizetype limit);
    void receiveFailed(int error);
    void onWritable() override;
    void maybePauseProtocol();
    void maybeResumeProtocol();

    void forceClose();
    void scheduleConnectionLost();
    void callConnectionLost();

    Socket m_socket;
    SocketAddress m_remote;
    SocketAddress m_local;
    bool m_connected;
    std::shared_ptr<DatagramSocketTransport> m_self;
    ThreadReadBuffer *m_readBuffer; // the loop thread's (core/detail/readbuffer_p.h)
    DatagramBatchBuffer *m_batchBuffer; // the loop thread's; UDP endpoints only read in batches
    bool m_batched;

    std::deque<PendingDatagram> m_buffer;
    qsizetype m_bufferSize = 0;
    qsizetype m_highWater;
    qsizetype m_lowWater;

    int m_droppedWrites = 0;
    State m_state = State::Open;
    bool m_protocolPaused = false;
    bool m_madeCalled = false;
    bool m_droppedWriteWarned = false;
    bool m_truncationLogged = false;
};

} // namespace qaio::detail
