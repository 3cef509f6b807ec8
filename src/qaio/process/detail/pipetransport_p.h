// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/detail/streamtransport_p.h>
#include <qaio/platform/pipeops_p.h>
#include <qaio/tasks/future.h>

#include <memory>
#include <optional>

namespace qaio::detail {

/*!
    The transport of one end of a pipe, FIFO, socket, PTY or character device: asyncio's
    _UnixReadPipeTransport and _UnixWritePipeTransport. Everything a stream transport does
    is StreamTransport's (core/detail/streamtransport_p.h), in one direction
    (StreamTransport::Direction); this adds read()/writev(), the check of the kind of
    file, a terminal's EIO read as end of file, and closing the descriptor, which the
    transport owns.
*/
class PipeTransport final : public StreamTransport
{
public:
    enum class End { Read, Write };

    /*! Takes \a fd (made non-blocking; closed with the transport) and \a protocol.
        Schedules connectionMade(), then the start of reading (or of watching for the
        reader going away), then \a waiter's result (if valid), in one callback. Throws
        ValueError("Pipe transport is for pipes/sockets only.") for a regular file or
        directory, ValueError naming \a fd for a closed descriptor, and ValueError if
        \a protocol is not a Protocol or BufferedProtocol. \a knownKind spares the check
        for a descriptor qaio made itself (a child's pipe). */
    static std::shared_ptr<PipeTransport> create(LoopCore &loop, qintptr fd, End end,
                                                 std::unique_ptr<BaseProtocol> protocol, Future<void> waiter = {},
                                                 std::optional<sys::PipeKind> knownKind = std::nullopt);
    ~PipeTransport() override;

    QVariant extraInfo(const QString &name, const QVariant &defaultValue = {}) const override;
    bool canWriteEof() const override { return m_end == End::Write; }
    /*! A write pipe has one direction: its end of file is its close (asyncio's
        write_eof() on a pipe): the buffer is sent, then the descriptor closed. */
    void writeEof() override;

private:
    PipeTransport(LoopCore &loop, qintptr fd, End end, bool terminal, std::unique_ptr<BaseProtocol> protocol);

    std::ptrdiff_t receiveSome(char *data, std::size_t size, int &error) override;
    std::ptrdiff_t sendSome(const QByteArrayView *parts, std::size_t count, int &error) override;
    int shutdownWrite() override { return 0; }
    void closeDescriptor(bool loopClosing) noexcept override;
    StreamTransport *sendfileTarget() noexcept override { return m_end == End::Write ? this : nullptr; }

    End m_end;
    bool m_terminal;
    bool m_open = true;
};

} // namespace qaio::detail
