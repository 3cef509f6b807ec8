// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file protocols.h
    Protocols: the callbacks a transport drives, as asyncio's BaseProtocol, Protocol and
    BufferedProtocol (asyncio/protocols.py).

    A protocol is a user subclass that overrides the callbacks it cares about. The loop
    creates it through the protocol factory given to EventLoop::createConnection(),
    createServer() and friends, and hands it to the new transport, which owns it from then
    on (see transports.h for the ownership model).

    Call order, guaranteed by every qaio transport:
    \list
    \li connectionMade() exactly once, first;
    \li then dataReceived() (or getBuffer()/bufferUpdated()) any number of times;
    \li then eofReceived() at most once, when the peer shut its writing side;
    \li pauseWriting()/resumeWriting() in strict alternation, any time in between;
    \li connectionLost() exactly once, last, and never without connectionMade() before it.
    \endlist

    Every callback runs on the loop's thread, directly from the readiness notification
    (no extra hop through the ready queue). A callback may call anything on its transport,
    including close() and abort(); the transport and the protocol stay valid until the
    callback returns.

    Errors: an exception thrown by dataReceived(), eofReceived(), getBuffer() or
    bufferUpdated() goes to the loop's exception handler (with the transport and the
    protocol in the context, message "Fatal error: protocol.dataReceived() call failed."
    and so on) and aborts the connection: connectionLost() follows with that exception,
    as asyncio's _fatal_error() does. An exception from connectionMade(),
    connectionLost(), pauseWriting() or resumeWriting() is reported to the handler and the
    connection carries on (asyncio does the same).

    \code
    class EchoServer : public qaio::Protocol
    {
    public:
        void dataReceived(QByteArrayView data) override
        {
            transport()->write(data);   // copied only if the kernel does not take it all
        }
    };
    \endcode
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/platform/socketaddress.h>

#include <QtCore/QByteArrayView>

#include <exception>
#include <span>

namespace qaio {

class BaseTransport;
class DatagramTransport;
class SubprocessTransport;
class Transport;

namespace detail {
class StreamTransport;
class SslTransport;
class DatagramSocketTransport;
class ChildProcessTransport;
}

/*!
    \class qaio::BaseProtocol
    The callbacks every protocol has. All defaults do nothing.
*/
class QAIO_EXPORT BaseProtocol
{
public:
    BaseProtocol() = default;
    BaseProtocol(const BaseProtocol &) = delete;
    BaseProtocol &operator=(const BaseProtocol &) = delete;
    virtual ~BaseProtocol();

    /*! The connection is established. \a transport owns this protocol: a reference or raw
        pointer to it stays valid as long as this protocol exists. Do not keep a
        std::shared_ptr to it in the protocol (that would be a reference cycle). */
    virtual void connectionMade(BaseTransport &transport);
    /*! The connection is closed. \a error is null for a normal close (EOF, close(),
        abort()), or the error that ended it (e.g. ConnectionResetError). Called once. */
    virtual void connectionLost(std::exception_ptr error);
    /*! The transport's write buffer went over its high-water mark: stop writing until
        resumeWriting(). Writing on anyway is allowed; the data is buffered. */
    virtual void pauseWriting();
    /*! The write buffer drained to its low-water mark. */
    virtual void resumeWriting();
};

/*!
    \class qaio::StreamProtocolBase
    What Protocol and BufferedProtocol share: the stream transport that drives them.
*/
class QAIO_EXPORT StreamProtocolBase : public BaseProtocol
{
public:
    /*! The stream transport driving this protocol, set before connectionMade() (and by
        Transport::setProtocol()); null before. It owns the protocol, so the pointer is
        valid for the protocol's whole life. */
    Transport *transport() const noexcept { return m_transport; }

private:
    friend class detail::StreamTransport;
    friend class detail::SslTransport; // TLS over a stream transport (tls/detail)
    Transport *m_transport = nullptr;
};

/*!
    \class qaio::Protocol
    A stream protocol receiving data as views into the transport's read buffer.
*/
class QAIO_EXPORT Protocol : public StreamProtocolBase
{
public:
    /*! Some bytes arrived. \a data points into a buffer reused for the next read: it is
        valid only during this call (copy what you keep, e.g. QByteArray(data)). */
    virtual void dataReceived(QByteArrayView data);
    /*! The peer will send no more data. Return true to keep the transport open for
        writing (half-close); the default, false, closes it. */
    virtual bool eofReceived();
};

/*!
    \class qaio::BufferedProtocol
    A stream protocol that supplies the buffer the transport reads into, saving the copy
    a Protocol makes when it keeps the data (asyncio's BufferedProtocol).
*/
class QAIO_EXPORT BufferedProtocol : public StreamProtocolBase
{
public:
    /*! Returns where the next read may write. \a sizeHint is the size the transport
        would like (-1: any size). An empty span is an error that aborts the connection. */
    virtual std::span<char> getBuffer(qsizetype sizeHint) = 0;
    /*! \a nbytes were written at the start of the last buffer returned by getBuffer(). */
    virtual void bufferUpdated(qsizetype nbytes) = 0;
    /*! As Protocol::eofReceived(). */
    virtual bool eofReceived();
};

/*!
    \class qaio::DatagramProtocol
    The callbacks of a datagram endpoint (asyncio's DatagramProtocol), made by the factory
    given to EventLoop::createDatagramEndpoint().

    Call order: connectionMade() once, then datagramReceived() and errorReceived() any
    number of times (and pauseWriting()/resumeWriting() in alternation), then
    connectionLost() once, after close(), abort() or the loop closing.

    Unlike a stream protocol, an exception thrown by datagramReceived() or errorReceived()
    does not end the endpoint: it goes to the loop's exception handler and the next datagram
    is delivered (asyncio's behaviour: the read callback's exception reaches the handler).

    \code
    class EchoServer : public qaio::DatagramProtocol
    {
    public:
        void datagramReceived(QByteArrayView data, const qaio::SocketAddress &from) override
        {
            transport()->sendto(data, from);
        }
    };
    \endcode
*/
class QAIO_EXPORT DatagramProtocol : public BaseProtocol
{
public:
    /*! The datagram transport driving this protocol, set before connectionMade(); null
        before. It owns the protocol, so the pointer is valid for the protocol's whole life. */
    DatagramTransport *transport() const noexcept { return m_transport; }

    /*! One datagram arrived from \a address. \a data points into a buffer reused for the
        next datagram: it is valid only during this call. A datagram larger than 256 KiB
        (asyncio's max_size) is delivered cut to that size, as asyncio does. \a address is
        invalid for a datagram from an unbound Unix datagram socket. */
    virtual void datagramReceived(QByteArrayView data, const SocketAddress &address);
    /*! A send or receive failed with \a error (an OSError: ConnectionRefusedError after an
        ICMP port unreachable, ...). The endpoint stays open. */
    virtual void errorReceived(std::exception_ptr error);

private:
    friend class detail::DatagramSocketTransport;
    DatagramTransport *m_transport = nullptr;
};

/*!
    \class qaio::SubprocessProtocol
    The callbacks of a child process (asyncio's SubprocessProtocol), made by the factory
    given to EventLoop::subprocessExec() or subprocessShell().

    Call order: connectionMade() once, after every pipe to the child is connected; then
    pipeDataReceived() for stdout (fd 1) and stderr (fd 2) any number of times,
    pipeConnectionLost() once per pipe, pauseWriting()/resumeWriting() for a full stdin
    pipe; processExited() once the child has exited and every pipe is lost (so every byte
    the child wrote has been delivered first); connectionLost() last.

    Exceptions thrown by these callbacks go to the loop's exception handler.

    \code
    class Collector : public qaio::SubprocessProtocol
    {
    public:
        void pipeDataReceived(int fd, QByteArrayView data) override { (fd == 1 ? out : err) += data; }
        void processExited() override { qDebug() << "exit code" << *transport()->returnCode(); }
        QByteArray out, err;
    };
    \endcode
*/
class QAIO_EXPORT SubprocessProtocol : public BaseProtocol
{
public:
    /*! The transport driving this protocol, set before connectionMade(). */
    SubprocessTransport *transport() const noexcept { return m_transport; }

    /*! The child wrote \a data to its stdout (\a fd 1) or stderr (2). \a data is valid
        only during the call. */
    virtual void pipeDataReceived(int fd, QByteArrayView data);
    /*! The pipe of the child's stream \a fd is closed; \a error is null for a normal end
        of file. */
    virtual void pipeConnectionLost(int fd, std::exception_ptr error);
    /*! The child has exited; transport()->returnCode() holds its status. */
    virtual void processExited();

private:
    friend class detail::ChildProcessTransport;
    SubprocessTransport *m_transport = nullptr;
};

} // namespace qaio
