// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::connectReadPipe() / connectWritePipe() (asyncio's base_events
// connect_read_pipe() / connect_write_pipe()). The transport is process/detail/pipetransport.cpp.
#include <qaio/loop/eventloop.h>

#include <qaio/process/detail/pipetransport_p.h>

namespace qaio {

Coro<EventLoop::ErasedConnection> EventLoop::connectPipeImpl(ProtocolFactory factory, qintptr fd, bool write)
{
    const char *function = write ? "connectWritePipe" : "connectReadPipe";
    if (!factory)
        throw ValueError(QStringLiteral("%1(): protocolFactory is empty").arg(QLatin1String(function)));
    if (fd < 0)
        throw ValueError(QStringLiteral("%1(): pipe: invalid file descriptor %2").arg(QLatin1String(function)).arg(fd));
    std::unique_ptr<BaseProtocol> protocol = factory();
    BaseProtocol *made = protocol.get();
    Future<void> waiter = createFuture<void>();
    waiter.state()->tagAwait(AwaitEdge::Kind::Connection, "connectionMade");
    std::shared_ptr<detail::PipeTransport> transport = detail::PipeTransport::create(
        *this, fd, write ? detail::PipeTransport::End::Write : detail::PipeTransport::End::Read, std::move(protocol),
        waiter);
    try {
        co_await waiter;
    } catch (...) {
        transport->close();
        throw;
    }
    if (getDebug())
        qCDebug(lcQaioDebug).noquote() << QStringLiteral("%1 fd %2 connected").arg(QLatin1String(function)).arg(fd);
    BaseProtocol *current = transport->protocol() == made ? made : nullptr;
    co_return ErasedConnection{std::move(transport), current};
}

} // namespace qaio
