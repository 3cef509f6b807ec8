// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/detail/transportbase_p.h>

#include <qaio/platform/socketaddress.h>

#include <string_view>

#include <qaio/core/detail/fdwatcher_p.h>

#include <utility>

namespace qaio::detail {

TransportBase::TransportBase(LoopCore &loop, qintptr fd, const BaseTransport &transport)
    : LoopResource(&loop), m_loop(loop), m_fd(fd), m_transport(transport), m_claimed(fd >= 0)
{
    if (m_claimed)
        m_loop.claimTransportFd(m_fd, &m_transport);
}

TransportBase::~TransportBase()
{
    releaseDescriptor();
}

void TransportBase::reportCallbackError(const QString &message, std::exception_ptr error)
{
    LoopError report;
    report.message = message;
    report.exception = std::move(error);
    report.transport = const_cast<BaseTransport *>(&m_transport);
    report.protocol = m_protocol.get();
    report.socket = m_fd;
    m_loop.reportLoopError(report);
}

void TransportBase::replaceProtocol(std::unique_ptr<BaseProtocol> protocol)
{
    std::unique_ptr<BaseProtocol> old = std::exchange(m_protocol, std::move(protocol));
    if (old && m_callbackDepth > 0)
        m_retired.push_back(std::move(old));
}

void TransportBase::destroyProtocols() noexcept
{
    m_retired.clear();
    m_protocol.reset();
}

void TransportBase::watchReadable(bool on)
{
    if (on == m_readerWatched)
        return;
    m_readerWatched = on;
    if (on)
        m_loop.watcherFor(m_fd, "addReader").setReader([this] { onReadable(); });
    else
        m_loop.removeWatcher(m_fd, true);
}

void TransportBase::watchWritable(bool on)
{
    if (on == m_writerWatched)
        return;
    m_writerWatched = on;
    if (on)
        m_loop.watcherFor(m_fd, "addWriter").setWriter([this] { onWritable(); });
    else
        m_loop.removeWatcher(m_fd, false);
}

void TransportBase::releaseDescriptor() noexcept
{
    if (!m_claimed)
        return;
    m_claimed = false;
    m_loop.releaseTransportFd(m_fd, &m_transport);
}

void TransportBase::describeResource(ResourceInfo &info) const
{
    info.kind = QStringLiteral("transport");
    info.fd = m_fd;
    info.closing = m_transport.isClosing();
    for (const char *key : {"peername", "sockname"}) {
        const QVariant address = m_transport.extraInfo(QLatin1String(key));
        if (address.canConvert<SocketAddress>()) {
            info.description = QStringLiteral("%1 %2").arg(QLatin1String(key == std::string_view("peername") ? "peer" : "local"),
                                                           address.value<SocketAddress>().toString());
            return;
        }
    }
}

} // namespace qaio::detail
