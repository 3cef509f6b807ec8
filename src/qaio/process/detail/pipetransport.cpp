// Copyright (c) qaio authors. Licensed under the MIT license.
// Pipe transports (asyncio's unix_events._UnixReadPipeTransport / _UnixWritePipeTransport):
// the pipe's part over StreamTransport.
#include <qaio/process/detail/pipetransport_p.h>

#include <qaio/base/errors.h>
#include <qaio/platform/pipeops_p.h>
#include <qaio/platform/socketops_p.h>

namespace qaio::detail {

std::shared_ptr<PipeTransport> PipeTransport::create(LoopCore &loop, qintptr fd, End end,
                                                     std::unique_ptr<BaseProtocol> protocol, Future<void> waiter,
                                                     std::optional<sys::PipeKind> knownKind)
{
    requireUsableLoop(loop);
    const sys::PipeKind kind = knownKind ? *knownKind : sys::describePipe(fd);
    if (kind == sys::PipeKind::Invalid)
        throw ValueError(QStringLiteral("pipe: %1 is not an open file descriptor").arg(fd));
    if (kind == sys::PipeKind::Other)
        throw ValueError("Pipe transport is for pipes/sockets only.");
    if (!protocol)
        throw ValueError("protocolFactory: returned a null protocol");
    if (end == End::Write)
        sys::ignoreBrokenPipeSignal(); // EPIPE instead of a killed process
    std::shared_ptr<PipeTransport> t(
        new PipeTransport(loop, fd, end, kind == sys::PipeKind::Terminal, std::move(protocol)));
    // asyncio watches a write pipe for its reader going away only where the kernel tells:
    // a FIFO's or a socket's EOF. A terminal or another device never says so.
    t->setWatchesReaderGone(kind == sys::PipeKind::Fifo || kind == sys::PipeKind::Socket);
    t->start(t, [waiter = std::move(waiter)]() mutable {
        if (waiter.isValid() && !waiter.done())
            waiter.setResult();
    });
    return t;
}

PipeTransport::PipeTransport(LoopCore &loop, qintptr fd, End end, bool terminal, std::unique_ptr<BaseProtocol> protocol)
    : StreamTransport(loop, fd, std::move(protocol), Names{"pipe", "read", "write"},
                      end == End::Read ? Direction::ReadOnly : Direction::WriteOnly),
      m_end(end), m_terminal(terminal)
{
    sys::setNonBlocking(fd, true); // a no-op (one F_GETFL) when it is already
}

PipeTransport::~PipeTransport()
{
    // Normally closed when connectionLost() has run or the loop closed; a transport
    // destroyed before either still owns its descriptor.
    if (m_open)
        sys::closeDescriptor(descriptor());
}

std::ptrdiff_t PipeTransport::receiveSome(char *data, std::size_t size, int &error)
{
    const std::ptrdiff_t n = sys::readSome(descriptor(), data, size, error);
    // A PTY's master reads EIO once the other side has closed: that is its end of file.
    if (n < 0 && m_terminal && sys::isTerminalHangup(error))
        return 0;
    return n;
}

std::ptrdiff_t PipeTransport::sendSome(const QByteArrayView *parts, std::size_t count, int &error)
{
    return sys::writeVector(descriptor(), parts, count, error);
}

void PipeTransport::writeEof()
{
    close();
}

void PipeTransport::closeDescriptor(bool) noexcept
{
    if (!m_open)
        return;
    m_open = false;
    sys::closeDescriptor(descriptor());
}

QVariant PipeTransport::extraInfo(const QString &name, const QVariant &defaultValue) const
{
    if (name == QLatin1String("pipe"))
        return m_open ? QVariant::fromValue(descriptor()) : defaultValue;
    return defaultValue;
}

} // namespace qaio::detail
