// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file streamreader.h
    StreamReader: reading a connection's bytes with coroutines, as asyncio's StreamReader
    (asyncio/streams.py).

    openConnection() and startServer() (streams.h) make the reader of each connection and
    feed it from the transport; you only await its read methods. A reader fed by hand
    (feedData(), feedEof()) works too, e.g. to test a parser.

    The reader buffers incoming data. Flow control, as asyncio: when the buffer grows over
    twice the limit the transport's reading is paused, and resumed once reads bring it
    down to the limit. The limit also bounds readline() and readuntil().

    Only one coroutine may wait for data on a reader at a time; a second one gets
    RuntimeError("read() called while another coroutine is already waiting for incoming
    data"). Cancelling a pending read leaves the reader usable and loses no data: the
    bytes stay in the buffer for the next read.

    \code
    auto [reader, writer] = co_await qaio::openConnection(QStringLiteral("127.0.0.1"), 8888);
    QByteArray line = co_await reader->readline();           // "...\n", or the rest at EOF
    QByteArray header = co_await reader->readexactly(4);     // IncompleteReadError at EOF
    QByteArray body = co_await reader->readuntil("\r\n\r\n"); // LimitOverrunError if too long
    QByteArray rest = co_await reader->read();                // everything until EOF
    \endcode

    Errors: every read method first rethrows the error set by setException() (for a
    connection: the error that ended it). readline() throws ValueError when the line is
    longer than the limit; readexactly() and readuntil() throw IncompleteReadError at EOF,
    readuntil() LimitOverrunError (streamerrors.h). The constructor throws
    ValueError("Limit cannot be <= 0").
*/

#include <qaio/highlevel/asyncgenerator.h>
#include <qaio/tasks/coro.h>
#include <qaio/tasks/future.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/streams/streamerrors.h>

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>
#include <QtCore/QList>

#include <exception>
#include <memory>

namespace qaio {

class EventLoop;
class ReadTransport;

namespace detail {
class StreamReaderProtocol;
}

/*!
    \class qaio::StreamReader
    The reading side of a stream connection. Handed out as a std::shared_ptr; use it from
    the loop's thread.
*/
class QAIO_EXPORT StreamReader
{
public:
    /*! asyncio's default limit: 64 KiB. */
    static constexpr qsizetype DefaultLimit = 64 * 1024;

    /*! A reader bound to \a loop (nullptr: getEventLoop()) with buffer limit \a limit.
        Throws ValueError("Limit cannot be <= 0"). */
    explicit StreamReader(qsizetype limit = DefaultLimit, EventLoop *loop = nullptr);
    ~StreamReader();
    StreamReader(const StreamReader &) = delete;
    StreamReader &operator=(const StreamReader &) = delete;

    /*! The limit given to the constructor. */
    qsizetype limit() const noexcept { return m_limit; }

    /*! Reads up to \a n bytes, returning as soon as any are available: with \a n = -1,
        everything until EOF; with \a n = 0, an empty array at once. An empty result
        means EOF. */
    Coro<QByteArray> read(qsizetype n = -1);
    /*! Reads a line, up to and including '\n'. At EOF, the partial line (possibly empty).
        When the line exceeds the limit, throws ValueError with LimitOverrunError's
        message; the buffer is then consumed through the separator if it was found, or
        cleared otherwise (as asyncio does). */
    Coro<QByteArray> readline();
    /*! Reads exactly \a n bytes. Throws IncompleteReadError (partial() holds what was
        read, expected() is \a n) if EOF comes first; ValueError("readexactly size can not
        be less than zero") for a negative \a n. */
    Coro<QByteArray> readexactly(qsizetype n);
    /*! Reads until \a separator is found and returns the data including it. Throws
        ValueError("Separator should be at least one-byte string") for an empty separator,
        IncompleteReadError at EOF (partial() holds the buffer, which is emptied), and
        LimitOverrunError when the limit is reached first (the data stays buffered). */
    Coro<QByteArray> readuntil(QByteArray separator = QByteArrayLiteral("\n"));
    /*! As above with several separators (Python 3.13): stops at the one whose match ends
        first. Throws ValueError("Separator should contain at least one element") for an
        empty list and ValueError("Separator should be at least one-byte string") if one
        of them is empty. */
    Coro<QByteArray> readuntil(QList<QByteArray> separators);

    /*! The lines of the stream, one readline() each, until EOF (asyncio's
        \c{async for line in reader}); the last one lacks '\n' if the stream did not end
        with one. readline()'s errors propagate out of next(). The reader must outlive the
        generator.

        \code
        qaio::AsyncGenerator<QByteArray> lines = reader->lines();
        for (;;) {
            std::optional<QByteArray> line = co_await lines.next();
            if (!line)
                break;                      // EOF
            qDebug() << *line;
        }
        \endcode */
    AsyncGenerator<QByteArray> lines();

    /*! True once EOF was fed and the buffer is empty. */
    bool atEof() const noexcept { return m_eof && m_buffer.isEmpty(); }
    /*! Bytes buffered and not read yet. */
    qsizetype bufferedSize() const noexcept { return m_buffer.size(); }

    /*! Appends \a data to the buffer and wakes the waiting read; pauses the transport's
        reading when the buffer exceeds twice the limit. Throws RuntimeError after
        feedEof(). */
    void feedData(QByteArrayView data);
    /*! Marks the end of the stream and wakes the waiting read. */
    void feedEof();
    /*! Makes every read throw \a error from now on (a waiting read at once). */
    void setException(std::exception_ptr error);
    /*! The error set by setException(), or null. */
    std::exception_ptr exception() const noexcept { return m_exception; }

    /*! The transport whose reading this reader pauses and resumes (kept as a weak
        reference). Throws RuntimeError("Transport already set") the second time. */
    void setTransport(const std::shared_ptr<ReadTransport> &transport);

private:
    friend class detail::StreamReaderProtocol;
    /*! StreamWriter::startTls(): the TLS transport takes over (paused if this was). */
    void replaceTransport(const std::shared_ptr<ReadTransport> &transport);
    Coro<void> waitForData(const char *functionName);
    void wakeupWaiter();
    void maybeResumeTransport();
    QByteArray take(qsizetype n);
    void rethrowException() const;
    static void checkSeparators(const QList<QByteArray> &separators);

    EventLoop *m_loop;
    qsizetype m_limit;
    QByteArray m_buffer;
    bool m_eof = false;
    bool m_paused = false;
    bool m_hasTransport = false;
    std::weak_ptr<ReadTransport> m_transport;
    Future<void> m_waiter;
    std::exception_ptr m_exception;
};

} // namespace qaio
