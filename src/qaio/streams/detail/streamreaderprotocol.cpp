// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/streams/detail/streamreaderprotocol_p.h>

#include <qaio/loop/eventloop.h>
#include <qaio/tasks/exceptioncontext.h>
#include <qaio/streams/streamreader.h>
#include <qaio/streams/streamwriter.h>
#include <qaio/core/transports.h>

namespace qaio::detail {

StreamReaderProtocol::StreamReaderProtocol(EventLoop &loop, std::shared_ptr<StreamReader> reader,
                                           ClientConnectedPtr clientConnected)
    : LoopResource(&loop),
      m_loop(loop),
      m_reader(std::move(reader)),
      m_flow(std::make_shared<FlowControl>(loop)),
      m_clientConnected(std::move(clientConnected))
{
}

StreamReaderProtocol::~StreamReaderProtocol() = default;

void StreamReaderProtocol::connectionMade(BaseTransport &)
{
    // The transport owns this protocol; the streams share it with the transport's owner.
    Transport *made = transport();
    std::shared_ptr<Transport> stream(made->shared_from_this(), made);
    m_overTls = made->extraInfo(QStringLiteral("sslcontext")).isValid();
    if (m_reader)
        m_reader->setTransport(stream);
    if (!m_clientConnected || !*m_clientConnected || !stream)
        return;

    m_writer = std::make_shared<StreamWriter>(stream, m_flow, m_reader);
    std::optional<Coro<void>> coro = (*m_clientConnected)(m_reader, m_writer);
    if (coro)
        startClientTask(std::move(*coro), stream);
}

void StreamReaderProtocol::replaceTransport(const std::shared_ptr<Transport> &transport)
{
    m_overTls = transport->extraInfo(QStringLiteral("sslcontext")).isValid();
    if (m_reader)
        m_reader->replaceTransport(transport);
}

void StreamReaderProtocol::startClientTask(Coro<void> coro, const std::shared_ptr<Transport> &transport)
{
    Task<void> task = m_loop.createTask(std::move(coro));
    std::weak_ptr<Transport> weakTransport = transport;
    // `callable` keeps the user's callable alive until its task is done (see ClientConnectedPtr).
    task.addDoneCallback([weakTransport, callable = m_clientConnected](const FutureBase &done) {
        Q_UNUSED(callable);
        std::shared_ptr<Transport> transport = weakTransport.lock();
        if (done.cancelled()) {
            if (transport)
                transport->close();
            return;
        }
        std::exception_ptr error = done.exception();
        if (!error)
            return;
        ExceptionContext context;
        context.message = QStringLiteral("Unhandled exception in client_connected_cb");
        context.exception = error;
        context.transport = transport.get();
        done.getLoop().callExceptionHandler(context);
        if (transport)
            transport->close();
    });
}

void StreamReaderProtocol::connectionLost(std::exception_ptr error)
{
    if (m_reader) {
        if (error)
            m_reader->setException(error);
        else
            m_reader->feedEof();
    }
    m_flow->connectionLost(error);
    // Breaks the cycle transport -> protocol -> writer -> transport. The loop holds the
    // transport until this callback returns, so this cannot free it under our feet.
    m_writer.reset();
}

void StreamReaderProtocol::loopClosing() noexcept
{
    // The writer may hold the last reference to the transport, which owns this protocol:
    // dropping it can destroy `this`, so nothing may touch a member afterwards.
    std::shared_ptr<StreamWriter> writer = std::move(m_writer);
}

void StreamReaderProtocol::dataReceived(QByteArrayView data)
{
    if (m_reader)
        m_reader->feedData(data);
}

bool StreamReaderProtocol::eofReceived()
{
    if (m_reader)
        m_reader->feedEof();
    // Keep the transport open for writing: the application decides when to close
    // (asyncio returns False only over TLS, which cannot half-close).
    return !m_overTls;
}

void StreamReaderProtocol::pauseWriting()
{
    m_flow->pauseWriting();
}

void StreamReaderProtocol::resumeWriting()
{
    m_flow->resumeWriting();
}

} // namespace qaio::detail
