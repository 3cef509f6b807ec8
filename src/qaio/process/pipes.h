// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file pipes.h
    What EventLoop::connectReadPipe() and connectWritePipe() return (asyncio's
    connect_read_pipe() and connect_write_pipe()): a transport over one end of a pipe,
    FIFO, socket, PTY or character device, and the protocol made for it.

    The transport takes the descriptor over: it makes it non-blocking and closes it when
    the transport is done (asyncio closes the pipe object it was given). If the call
    throws, the descriptor is left open and still yours.

    A read pipe transport delivers data to a qaio::Protocol (or BufferedProtocol) in
    asyncio's order: connectionMade(), dataReceived()*, eofReceived() once the writer has
    closed (its answer is ignored: a read pipe always closes then), connectionLost(). On a
    PTY's master side, the EIO read after the other side closed is that end of file.

    A write pipe transport writes with the flow control of every transport
    (pauseWriting() over 64 KiB buffered, resumeWriting() at 16 KiB); when the reader of a
    pipe, FIFO or socket goes away, connectionLost() is called at once: with a null error
    if everything written had been taken, BrokenPipeError if data was still buffered.
    writeEof() and close() both send what is buffered, then close the descriptor. The
    first write pipe made sets SIGPIPE to "ignore" if it still has its default action
    (as QProcess does), so a vanished reader gives BrokenPipeError, not a killed process.
    A SIGPIPE handler your application installed is left alone: it runs on such a write,
    which fails with BrokenPipeError all the same.

    \code
    auto [readEnd, writeEnd] = makePipe();   // e.g. pipe2() or a QProcess channel
    auto readerFactory = [] { return std::make_unique<LineCollector>(); };
    auto opening = loop.connectReadPipe(readerFactory, readEnd);
    auto [reader, collector] = co_await std::move(opening);

    auto writerFactory = [] { return std::make_unique<qaio::Protocol>(); };
    auto openingWriter = loop.connectWritePipe(writerFactory, writeEnd);
    auto [writer, unused] = co_await std::move(openingWriter);
    writer->write("hello\n");
    writer->close();                          // flushes, then closes writeEnd
    \endcode

    With g++ 12, make the call a statement of its own, as above (docs/toolchains.md).
*/

#include <qaio/core/transports.h>

#include <memory>

namespace qaio {

/*! A read pipe transport and its protocol (owned by the transport). */
template <class P>
struct ReadPipeConnection
{
    std::shared_ptr<ReadTransport> transport;
    P *protocol = nullptr;
};

/*! A write pipe transport and its protocol (owned by the transport). */
template <class P>
struct WritePipeConnection
{
    std::shared_ptr<WriteTransport> transport;
    P *protocol = nullptr;
};

} // namespace qaio
