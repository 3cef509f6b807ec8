// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file streamwriter.h
    StreamWriter: writing to a stream connection with flow control, as asyncio's
    StreamWriter (asyncio/streams.py).

    openConnection() and startServer() (streams.h) make the writer of each connection.
    write() never blocks: it hands the bytes to the transport, which sends what it can at
    once and buffers the rest. Await drain() after writing to let the buffer empty when it
    has grown over the transport's high-water mark (64 KiB by default): that is what keeps
    memory bounded when the peer reads slowly.

    Lifetime: the writer holds its transport. Dropping the last reference to a writer
    whose transport is still open closes the transport (asyncio 3.11+ does the same,
    with a ResourceWarning); close it yourself and await waitClosed() to end cleanly.

    \code
    auto [reader, writer] = co_await qaio::openConnection(QStringLiteral("127.0.0.1"), 8888);
    writer->write("Hello World!\n");
    co_await writer->drain();        // waits only if the kernel is not keeping up
    writer->writeEof();              // half-close: the peer sees EOF, we keep reading
    QByteArray reply = co_await reader->read();
    writer->close();
    co_await writer->waitClosed();
    \endcode

    Errors: drain() throws the error that ended the connection (e.g.
    ConnectionResetError), or ConnectionResetError("Connection lost") once the
    connection is closed; waitClosed() throws the error that ended the connection, if
    any. write() and writelines() throw RuntimeError after writeEof().
*/

#include <qaio/tasks/coro.h>
#include <qaio/base/clock.h>
#include <qaio/base/qaioglobal.h>

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QVariant>

#include <memory>
#include <optional>

namespace qaio {

class StreamReader;
class SslContext;
class Transport;

namespace detail {
class FlowControl;
}

/*!
    \class qaio::StreamWriter
    The writing side of a stream connection. Handed out as a std::shared_ptr; use it from
    the loop's thread.
*/
class QAIO_EXPORT StreamWriter
{
public:
    /*! Internal: writers are made by openConnection(), startServer() and friends. */
    StreamWriter(std::shared_ptr<Transport> transport, std::shared_ptr<detail::FlowControl> flowControl,
                 std::shared_ptr<StreamReader> reader);
    /*! Closes the transport if it is still open. */
    ~StreamWriter();
    StreamWriter(const StreamWriter &) = delete;
    StreamWriter &operator=(const StreamWriter &) = delete;

    /*! The underlying transport. */
    const std::shared_ptr<Transport> &transport() const noexcept { return m_transport; }

    /*! Sends \a data (see Transport::write()); follow with drain() when writing a lot. */
    void write(QByteArrayView data);
    void write(const QByteArray &data);
    void write(const char *data) { write(QByteArrayView(data)); }
    /*! Sends every element, with one gathered system call where possible. */
    void writelines(const QList<QByteArray> &data);
    /*! Shuts the writing side once the buffered data is sent; reading goes on. */
    void writeEof();
    /*! Whether writeEof() is supported (true for TCP and Unix sockets). */
    bool canWriteEof() const;
    /*! Closes the connection after the buffered data is sent. Idempotent. */
    void close();
    /*! True once the connection is closing or closed. */
    bool isClosing() const;
    /*! Returns once the connection is closed (its protocol's connectionLost() ran);
        throws the error that ended it, if any. */
    Coro<void> waitClosed();
    /*! Returns when it is fine to write again: at once, unless the transport paused
        writing (its buffer is over the high-water mark), then once it drained to the
        low-water mark. Throws the reader's error if the connection failed, and
        ConnectionResetError("Connection lost") once it is lost. On a closing transport
        it first yields to the loop once, so that a write/drain loop notices the loss. */
    Coro<void> drain();
    /*! Transport::extraInfo(): "peername", "sockname", "socket". */
    QVariant extraInfo(const QString &name, const QVariant &defaultValue = {}) const;
    /*! Upgrades the connection to TLS (asyncio's StreamWriter.start_tls(), for STARTTLS):
        waits for drain(), then runs EventLoop::startTls() on the transport, as the server
        side for a connection startServer() accepted, as the client side otherwise
        (\a serverHostname is then the name sent and checked). Afterwards this writer and
        its reader use the TLS transport. Throws what EventLoop::startTls() throws, and
        RuntimeError for a writer that is not a connection's (a subprocess's stdin).

        \code
        writer->write("STARTTLS\r\n");
        const QByteArray ready = co_await reader->readline();
        co_await writer->startTls(tlsContext, QStringLiteral("mail.example.org"));
        \endcode */
    Coro<void> startTls(std::shared_ptr<SslContext> sslContext, QString serverHostname = {},
                        std::optional<Delay> sslHandshakeTimeout = {}, std::optional<Delay> sslShutdownTimeout = {});

private:
    std::shared_ptr<Transport> m_transport;
    std::shared_ptr<detail::FlowControl> m_flow;
    std::shared_ptr<StreamReader> m_reader;
};

} // namespace qaio
