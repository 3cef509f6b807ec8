// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/streams/streamwriter.h>

#include <qaio/streams/detail/flowcontrol_p.h>
#include <qaio/streams/detail/streamreaderprotocol_p.h>
#include <qaio/base/errors.h>
#include <qaio/loop/eventloop.h>
#include <qaio/tasks/sleep.h>
#include <qaio/streams/streamreader.h>
#include <qaio/core/transports.h>

namespace qaio {

StreamWriter::StreamWriter(std::shared_ptr<Transport> transport, std::shared_ptr<detail::FlowControl> flowControl,
                           std::shared_ptr<StreamReader> reader)
    : m_transport(std::move(transport)), m_flow(std::move(flowControl)), m_reader(std::move(reader))
{
    if (!m_transport)
        throw ValueError("StreamWriter: transport is null");
    if (!m_flow)
        throw ValueError("StreamWriter: flowControl is null");
}

StreamWriter::~StreamWriter()
{
    // The loop keeps open transports alive: without this, a dropped writer would leave
    // its connection open for ever. A closed transport (also every transport once the
    // loop closed) is checked first: the loop may be gone by then. While the loop is
    // closing, its transports are being released without callbacks; leave them be.
    if (!m_transport->isClosing() && !m_flow->loop().isClosed()) {
        try {
            m_transport->close();
        } catch (...) {
            // A destructor must not throw; the loop's teardown closes the socket anyway.
        }
    }
}

void StreamWriter::write(QByteArrayView data)
{
    m_transport->write(data);
}

void StreamWriter::write(const QByteArray &data)
{
    m_transport->write(data);
}

void StreamWriter::writelines(const QList<QByteArray> &data)
{
    m_transport->writelines(data);
}

void StreamWriter::writeEof()
{
    m_transport->writeEof();
}

bool StreamWriter::canWriteEof() const
{
    return m_transport->canWriteEof();
}

void StreamWriter::close()
{
    m_transport->close();
}

bool StreamWriter::isClosing() const
{
    return m_transport->isClosing();
}

QVariant StreamWriter::extraInfo(const QString &name, const QVariant &defaultValue) const
{
    return m_transport->extraInfo(name, defaultValue);
}

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<void> StreamWriter::waitClosed()
{
    // Keep the state alive across the wait even if the writer goes away meanwhile.
    std::shared_ptr<detail::FlowControl> flow = m_flow;
    Future<void> closed = flow->closed();
    co_await closed;
}

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<void> StreamWriter::drain()
{
    std::shared_ptr<detail::FlowControl> flow = m_flow;
    if (m_reader) {
        if (std::exception_ptr error = m_reader->exception())
            std::rethrow_exception(error);
    }
    if (m_transport->isClosing()) {
        // Let connectionLost() run first: a write()/drain() loop on a closed connection
        // must end with the error instead of spinning (asyncio yields here too).
        co_await sleep(0);
    }
    co_await flow->drainHelper();
}

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<void> StreamWriter::startTls(std::shared_ptr<SslContext> sslContext,
                                                                 QString serverHostname,
                                                                 std::optional<Delay> sslHandshakeTimeout,
                                                                 std::optional<Delay> sslShutdownTimeout)
{
    const auto *protocol = dynamic_cast<const detail::StreamReaderProtocol *>(m_transport->protocol());
    if (!protocol)
        throw RuntimeError("startTls(): this writer's transport is not a stream connection's");
    StartTlsOptions options;
    options.serverSide = protocol->isServerSide();
    options.serverHostname = std::move(serverHostname);
    options.sslHandshakeTimeout = sslHandshakeTimeout;
    options.sslShutdownTimeout = sslShutdownTimeout;
    co_await drain();
    EventLoop &loop = m_flow->loop();
    Coro<std::shared_ptr<Transport>> upgrading = loop.startTls(m_transport, std::move(sslContext), std::move(options));
    std::shared_ptr<Transport> tls = co_await std::move(upgrading);
    m_transport = tls;
    if (auto *upgraded = dynamic_cast<detail::StreamReaderProtocol *>(tls->protocol()))
        upgraded->replaceTransport(tls);
}

} // namespace qaio
