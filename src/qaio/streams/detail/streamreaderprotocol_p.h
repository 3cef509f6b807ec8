// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// StreamReaderProtocol: asyncio's StreamReaderProtocol (streams.py), the Protocol under
// every stream connection. It feeds the StreamReader, forwards write flow control to the
// shared FlowControl state (read by StreamWriter::drain()), and for servers creates the
// StreamWriter and runs the client-connected callback.
//
// Ownership: the transport owns this protocol. The protocol holds the reader strongly
// (asyncio keeps a weak one for clients, but a C++ reader nobody holds has no reader to
// feed anyway), and for server connections the writer until the connection is lost, so a
// plain callback that keeps neither still has a live connection (asyncio does the same
// with _stream_writer). The writer holds the transport, so that reference is a cycle
// broken in connectionLost(), or in loopClosing() when EventLoop::close() releases the
// transport without calling its protocol.

#include <qaio/streams/detail/flowcontrol_p.h>
#include <qaio/core/detail/loopresource_p.h>

#include <qaio/tasks/coro.h>
#include <qaio/core/protocols.h>
#include <qaio/streams/streams.h>

#include <functional>
#include <memory>
#include <optional>

namespace qaio {
class EventLoop;
class Transport;
} // namespace qaio

namespace qaio::detail {

class StreamReaderProtocol final : public Protocol, private LoopResource
{
public:
    StreamReaderProtocol(EventLoop &loop, std::shared_ptr<StreamReader> reader, ClientConnectedPtr clientConnected = {});
    ~StreamReaderProtocol() override;

    void connectionMade(BaseTransport &transport) override;
    void connectionLost(std::exception_ptr error) override;
    void dataReceived(QByteArrayView data) override;
    bool eofReceived() override;
    void pauseWriting() override;
    void resumeWriting() override;

    const std::shared_ptr<FlowControl> &flowControl() const noexcept { return m_flow; }
    /*! A server's connection (made for startServer()'s callback): TLS takes its server side. */
    bool isServerSide() const noexcept { return bool(m_clientConnected); }
    /*! StreamWriter::startTls(): the reader pauses and resumes the TLS transport now. */
    void replaceTransport(const std::shared_ptr<Transport> &transport);
    const std::shared_ptr<StreamReader> &reader() const noexcept { return m_reader; }

private:
    void loopClosing() noexcept override;
    void startClientTask(Coro<void> coro, const std::shared_ptr<Transport> &transport);

    EventLoop &m_loop;
    std::shared_ptr<StreamReader> m_reader;
    std::shared_ptr<FlowControl> m_flow;
    ClientConnectedPtr m_clientConnected;
    // Server connections only, until lost. The client-connected task is not kept: the
    // loop keeps pending tasks alive.
    std::shared_ptr<StreamWriter> m_writer;
    bool m_overTls = false; // TLS cannot half-close: its end of data closes the connection
};

} // namespace qaio::detail
