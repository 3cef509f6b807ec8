// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file transports.h
    Transports: the loop's side of a connection, as asyncio's BaseTransport,
    ReadTransport, WriteTransport and Transport (asyncio/transports.py).

    A transport moves bytes between a socket and a protocol (protocols.h). The loop makes
    them: EventLoop::createConnection(), createUnixConnection(), connectAcceptedSocket()
    and the servers of createServer() / createUnixServer(). Stream sockets (TCP and Unix)
    get a Transport; datagram sockets (UDP and Unix datagram) made by
    EventLoop::createDatagramEndpoint() get a DatagramTransport; a child process started by
    EventLoop::subprocessExec() / subprocessShell() gets a SubprocessTransport.

    \section1 Ownership

    \list
    \li A transport is handed out as \c{std::shared_ptr<Transport>}. The loop keeps every
        open transport alive by itself, until its protocol's connectionLost() has
        returned: dropping your pointer does not close the connection (as in asyncio,
        where the selector references the transport). End a connection with close() or
        abort().
    \li After connectionLost() the object lives as long as someone holds a shared_ptr to
        it; every method is then harmless: isClosing() is true, write() drops the data
        (with one warning after repeated writes), close() and abort() do nothing.
    \li The transport owns its protocol (created by your factory, a std::unique_ptr).
        A protocol may keep a raw pointer or reference to its transport: it stays valid for
        the protocol's whole life. The protocol pointer createConnection() returns is
        valid as long as you hold the transport (and until setProtocol() replaces it).
    \li Re-entrancy is safe: a protocol may call close(), abort() or setProtocol() from
        any of its callbacks; nothing it or its transport owns is freed before the
        callback returns.
    \li EventLoop::close() closes the sockets of transports still open, without calling
        their protocols, and releases them.
    \endlist

    \section1 Writing and flow control

    write() tries to send at once and buffers only what the kernel refused: a QByteArray is
    kept by implicit sharing (no copy), a QByteArrayView is copied only if it could not be
    sent whole. When the buffer grows over the high-water mark (64 KiB by default) the
    protocol's pauseWriting() is called; once it drains to the low-water mark (16 KiB),
    resumeWriting(). Data accepted by write() is never dropped while the connection lives:
    close() sends it all before closing; abort() drops it.

    \code
    auto factory = [] { return std::make_unique<MyProtocol>(); };
    auto [transport, protocol] = co_await loop.createConnection(factory, "example.org", 80);
    transport->write("GET / HTTP/1.0\r\n\r\n");
    qDebug() << qaio::peerAddress(*transport).toString();
    transport->close();   // after the request has been sent
    \endcode

    Errors: writing after writeEof() throws RuntimeError; setWriteBufferLimits() throws
    ValueError unless high >= low >= 0.
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/platform/socketaddress.h>

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QVariant>

#include <memory>
#include <optional>
#include <span>

namespace qaio {

class BaseProtocol;
class EventLoop;

namespace detail {
class StreamTransport;
}

/*! The write buffer's flow-control marks (asyncio's get_write_buffer_limits()). */
struct WriteBufferLimits
{
    qsizetype low = 0;
    qsizetype high = 0;
};

/*!
    \class qaio::BaseTransport
    What every transport has.
*/
class QAIO_EXPORT BaseTransport : public std::enable_shared_from_this<BaseTransport>
{
public:
    BaseTransport(const BaseTransport &) = delete;
    BaseTransport &operator=(const BaseTransport &) = delete;
    virtual ~BaseTransport();

    /*! Closes the transport: no more data is received; buffered data is sent first, then
        the protocol's connectionLost() is called with a null error. Idempotent. */
    virtual void close() = 0;
    /*! True once the transport is closing or closed. */
    virtual bool isClosing() const = 0;
    /*! Optional information about the transport (asyncio's get_extra_info()). Socket
        transports answer \c "peername" and \c "sockname" (a SocketAddress) and
        \c "socket" (the descriptor, a qintptr), also readable with peerAddress(),
        localAddress() and socketDescriptor() (net/transportsocket.h); anything else gives
        \a defaultValue. */
    virtual QVariant extraInfo(const QString &name, const QVariant &defaultValue = {}) const;
    /*! Makes \a protocol receive the transport's callbacks from now on; the transport owns
        it. The previous protocol is destroyed once the callback running now (if any) has
        returned, so a protocol may replace itself. connectionMade() is not called on the
        new protocol (asyncio's set_protocol()). Throws ValueError for a null protocol or
        one of a kind the transport cannot drive. */
    virtual void setProtocol(std::unique_ptr<BaseProtocol> protocol) = 0;
    /*! The current protocol (owned by the transport). */
    virtual BaseProtocol *protocol() const = 0;

protected:
    BaseTransport() = default;
};

/*!
    \class qaio::ReadTransport
    The reading side: pausing and resuming the delivery of data.
*/
class QAIO_EXPORT ReadTransport : public virtual BaseTransport
{
public:
    /*! True while data is delivered to the protocol (not paused, not closing). */
    virtual bool isReading() const = 0;
    /*! Stops delivering data until resumeReading(). Idempotent. */
    virtual void pauseReading() = 0;
    /*! Delivers data again. Idempotent. */
    virtual void resumeReading() = 0;
};

/*!
    \class qaio::WriteTransport
    The writing side: buffered writes with flow control.
*/
class QAIO_EXPORT WriteTransport : public virtual BaseTransport
{
public:
    /*! Sets the flow-control marks. With neither given, high is 64 KiB; with only one,
        the other follows (low = high / 4, high = 4 * low). pauseWriting() is called when
        the buffer exceeds \a high, resumeWriting() when it drains to \a low. Throws
        ValueError("high (x) must be >= low (y) must be >= 0"). */
    virtual void setWriteBufferLimits(std::optional<qsizetype> high = std::nullopt,
                                      std::optional<qsizetype> low = std::nullopt) = 0;
    virtual WriteBufferLimits writeBufferLimits() const = 0;
    /*! Bytes accepted by write() and not yet taken by the kernel. */
    virtual qsizetype writeBufferSize() const = 0;

    /*! Sends \a data; what the kernel does not take at once is copied into the buffer.
        After close() or connection loss the data is dropped (one warning is logged after
        repeated writes). Throws RuntimeError after writeEof(). */
    virtual void write(QByteArrayView data) = 0;
    /*! As above; a buffered QByteArray is shared, not copied. */
    virtual void write(const QByteArray &data) = 0;
    void write(const char *data) { write(QByteArrayView(data)); }
    /*! Sends every element with one gathered system call (writev/sendmsg) where possible. */
    virtual void writelines(const QList<QByteArray> &data) = 0;
    virtual void writelines(std::span<const QByteArrayView> data) = 0;

    /*! Whether writeEof() is supported (true for TCP and Unix stream sockets). */
    virtual bool canWriteEof() const = 0;
    /*! Shuts the writing side once the buffered data is sent (shutdown(SHUT_WR)); the
        transport keeps receiving. */
    virtual void writeEof() = 0;
    /*! Closes at once, dropping buffered data; connectionLost() follows with a null error. */
    virtual void abort() = 0;
};

/*!
    \class qaio::Transport
    A bidirectional stream transport (TCP or Unix socket).
*/
class QAIO_EXPORT Transport : public ReadTransport, public WriteTransport
{
protected:
    Transport() = default;

private:
    friend class EventLoop;
    /*! The stream machinery EventLoop::sendfile() drives, or nullptr when this transport
        cannot send files (asyncio's _sendfile_compatible). */
    virtual detail::StreamTransport *sendfileTarget() noexcept { return nullptr; }
};

/*!
    \class qaio::DatagramTransport
    A datagram endpoint: a UDP or Unix datagram socket, as asyncio's DatagramTransport.

    Datagrams keep their boundaries: each sendto() is one datagram, each
    DatagramProtocol::datagramReceived() one received datagram. sendto() sends at once and
    buffers the datagram (with its address) only when the kernel's send buffer is full;
    buffered datagrams go out in order when the socket is writable again. The buffer counts
    each datagram's size plus 8 bytes (asyncio's estimate of its header) against the same
    flow-control marks as a stream transport (high 64 KiB, low 16 KiB): pauseWriting() and
    resumeWriting() on the protocol.

    A socket error while sending or receiving (ICMP port unreachable reported as
    ConnectionRefusedError, a datagram too large for the path, ...) is handed to
    DatagramProtocol::errorReceived() and the endpoint carries on; the datagram whose
    sending failed is dropped, as the network could have dropped it. Nothing ends the
    endpoint but close(), abort() or the loop closing.

    \code
    auto factory = [] { return std::make_unique<PingProtocol>(); };
    auto opening = loop.createDatagramEndpoint(factory, {.remoteAddr = qaio::HostAndPort{"127.0.0.1", 9999}});
    auto [transport, protocol] = co_await std::move(opening);
    transport->sendto("ping");            // to the remote address
    transport->close();                   // after buffered datagrams are sent
    \endcode

    Errors: sendto() throws ValueError("Invalid address: must be None or <remote>") when an
    endpoint with a remote address is given another one, and ValueError when an endpoint
    without one is given no address; setWriteBufferLimits() throws ValueError unless
    high >= low >= 0.
*/
class QAIO_EXPORT DatagramTransport : public virtual BaseTransport
{
public:
    /*! Sends \a data as one datagram to \a address, or to the endpoint's remote address
        when \a address is invalid (asyncio's addr=None). An empty \a data is an empty
        datagram. The data is copied only if the datagram has to be buffered. After close()
        the datagram is dropped (a warning is logged after repeated drops). */
    virtual void sendto(QByteArrayView data, const SocketAddress &address = {}) = 0;
    /*! As above; a buffered QByteArray is shared, not copied. */
    virtual void sendto(const QByteArray &data, const SocketAddress &address = {}) = 0;
    void sendto(const char *data, const SocketAddress &address = {}) { sendto(QByteArrayView(data), address); }
    /*! Closes at once, dropping buffered datagrams; connectionLost() follows with a null
        error. */
    virtual void abort() = 0;

    /*! Bytes of the buffered datagrams, each counted with 8 bytes of header (asyncio's
        get_write_buffer_size()). */
    virtual qsizetype writeBufferSize() const = 0;
    /*! As WriteTransport::setWriteBufferLimits(). */
    virtual void setWriteBufferLimits(std::optional<qsizetype> high = std::nullopt,
                                      std::optional<qsizetype> low = std::nullopt) = 0;
    virtual WriteBufferLimits writeBufferLimits() const = 0;
};

/*!
    \class qaio::SubprocessTransport
    A child process and its standard streams (asyncio's SubprocessTransport), made by
    EventLoop::subprocessExec() and subprocessShell().

    Each standard stream given as a pipe has a pipe transport of its own
    (pipeTransport(0) writes to the child's stdin; 1 and 2 read its stdout and stderr
    into SubprocessProtocol::pipeDataReceived()). The child is reaped by its own pid
    once the loop learns of its exit (a Linux pidfd; elsewhere a SIGCHLD handler that
    chains to the one installed before it); never waitpid(-1), so QProcess in the same
    application keeps its children.

    close() closes the pipes and kills the child if it is still running (SIGKILL), as
    asyncio does; the transport still reaps it. Signals to a child that has exited (or
    after close()) throw ProcessLookupError, as asyncio does for a finished process.

    \code
    auto factory = [] { return std::make_unique<Collector>(); };
    auto starting = loop.subprocessExec(factory, "git", {"status", "--short"});
    auto [transport, collector] = co_await std::move(starting);
    qDebug() << "pid" << transport->pid();
    \endcode
*/
class QAIO_EXPORT SubprocessTransport : public virtual BaseTransport
{
public:
    /*! The child's process id. */
    virtual qint64 pid() const = 0;
    /*! The transport of the child's standard stream \a fd (0, 1 or 2) when it is a pipe,
        else nullptr: a WriteTransport for 0, a ReadTransport for 1 and 2. Valid while the
        subprocess transport lives. */
    virtual BaseTransport *pipeTransport(int fd) const = 0;
    /*! The child's exit status once it has exited (minus the signal number if a signal
        killed it), else nothing. */
    virtual std::optional<int> returnCode() const = 0;
    /*! Sends \a signum to the child. Throws ProcessLookupError once it has exited. */
    virtual void sendSignal(int signum) = 0;
    /*! SIGTERM (Windows: TerminateProcess()). Throws ProcessLookupError once it has exited. */
    virtual void terminate() = 0;
    /*! SIGKILL (Windows: TerminateProcess()). Throws ProcessLookupError once it has exited. */
    virtual void kill() = 0;
};

} // namespace qaio
