// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// ProcessProtocol: asyncio's SubprocessStreamProtocol (subprocess.py). It gives the
// child's pipes stream objects once they are connected (a StreamWriter over the stdin
// pipe transport, StreamReaders fed by stdout and stderr), forwards stdin's flow control
// to the writer's FlowControl, and closes the transport once the child has exited and
// every read pipe has ended.

#include <qaio/core/protocols.h>
#include <qaio/streams/detail/flowcontrol_p.h>
#include <qaio/streams/streamreader.h>
#include <qaio/streams/streamwriter.h>

#include <memory>
#include <vector>

namespace qaio {
class EventLoop;
}

namespace qaio::detail {

class ProcessProtocol final : public SubprocessProtocol
{
public:
    ProcessProtocol(EventLoop &loop, qsizetype limit);

    void connectionMade(BaseTransport &transport) override;
    void pipeDataReceived(int fd, QByteArrayView data) override;
    void pipeConnectionLost(int fd, std::exception_ptr error) override;
    void processExited() override;
    void pauseWriting() override;
    void resumeWriting() override;

    std::shared_ptr<StreamWriter> stdIn;
    std::shared_ptr<StreamReader> stdOut;
    std::shared_ptr<StreamReader> stdErr;

private:
    void maybeCloseTransport();

    EventLoop &m_loop;
    qsizetype m_limit;
    std::shared_ptr<FlowControl> m_stdinFlow;
    std::vector<int> m_readPipes; // 1 and/or 2, until each has ended
    bool m_exited = false;
};

} // namespace qaio::detail
