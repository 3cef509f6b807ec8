// Copyright (c) qaio authors. Licensed under the MIT license.
// Process, createSubprocessExec(), createSubprocessShell() (asyncio/subprocess.py).
#include <qaio/streams/subprocess.h>

#include <qaio/loop/eventloop.h>
#include <qaio/platform/oserror.h>
#include <qaio/process/detail/childprocesstransport_p.h>
#include <qaio/streams/detail/processprotocol_p.h>

#include <algorithm>

namespace qaio {

namespace detail {

ProcessProtocol::ProcessProtocol(EventLoop &loop, qsizetype limit) : m_loop(loop), m_limit(limit) {}

void ProcessProtocol::connectionMade(BaseTransport &)
{
    SubprocessTransport *child = transport();
    for (int fd : {1, 2}) {
        BaseTransport *pipe = child->pipeTransport(fd);
        if (!pipe)
            continue;
        auto reader = std::make_shared<StreamReader>(m_limit, &m_loop);
        reader->setTransport(std::dynamic_pointer_cast<ReadTransport>(pipe->shared_from_this()));
        (fd == 1 ? stdOut : stdErr) = std::move(reader);
        m_readPipes.push_back(fd);
    }
    if (BaseTransport *pipe = child->pipeTransport(0)) {
        m_stdinFlow = std::make_shared<FlowControl>(m_loop);
        stdIn = std::make_shared<StreamWriter>(std::dynamic_pointer_cast<Transport>(pipe->shared_from_this()),
                                               m_stdinFlow, nullptr);
    }
}

void ProcessProtocol::pipeDataReceived(int fd, QByteArrayView data)
{
    const std::shared_ptr<StreamReader> &reader = fd == 1 ? stdOut : stdErr;
    if (reader)
        reader->feedData(data);
}

void ProcessProtocol::pipeConnectionLost(int fd, std::exception_ptr error)
{
    if (fd == 0) {
        if (m_stdinFlow)
            m_stdinFlow->connectionLost(error);
        return;
    }
    const std::shared_ptr<StreamReader> &reader = fd == 1 ? stdOut : stdErr;
    if (reader) {
        if (error)
            reader->setException(error);
        else
            reader->feedEof();
    }
    std::erase(m_readPipes, fd);
    maybeCloseTransport();
}

void ProcessProtocol::processExited()
{
    m_exited = true;
    maybeCloseTransport();
}

void ProcessProtocol::pauseWriting()
{
    if (m_stdinFlow)
        m_stdinFlow->pauseWriting();
}

void ProcessProtocol::resumeWriting()
{
    if (m_stdinFlow)
        m_stdinFlow->resumeWriting();
}

void ProcessProtocol::maybeCloseTransport()
{
    if (m_readPipes.empty() && m_exited)
        transport()->close();
}

namespace {

ChildProcessTransport &childOf(const std::shared_ptr<SubprocessTransport> &transport)
{
    return static_cast<ChildProcessTransport &>(*transport);
}

Coro<std::shared_ptr<Process>> startProcess(QString program, QStringList arguments, bool shell,
                                            SubprocessOptions options, StreamOptions streamOptions)
{
    EventLoop &loop = getRunningLoop();
    if (streamOptions.limit <= 0)
        throw ValueError(QStringLiteral("limit: must be > 0, got %1").arg(streamOptions.limit));
    const qsizetype limit = streamOptions.limit;
    auto factory = [&loop, limit] { return std::make_unique<ProcessProtocol>(loop, limit); };
    Coro<SubprocessConnection<ProcessProtocol>> starting =
        shell ? loop.subprocessShell(factory, std::move(program), std::move(options))
              : loop.subprocessExec(factory, std::move(program), std::move(arguments), std::move(options));
    SubprocessConnection<ProcessProtocol> made = co_await std::move(starting);
    co_return std::make_shared<Process>(std::move(made.transport), made.protocol);
}

} // namespace
} // namespace detail

Process::Process(std::shared_ptr<SubprocessTransport> transport, detail::ProcessProtocol *protocol)
    : m_transport(std::move(transport)), m_protocol(protocol)
{
}

Process::~Process()
{
    if (m_transport)
        m_transport->close();
}

const std::shared_ptr<StreamWriter> &Process::stdIn() const noexcept
{
    return m_protocol->stdIn;
}

const std::shared_ptr<StreamReader> &Process::stdOut() const noexcept
{
    return m_protocol->stdOut;
}

const std::shared_ptr<StreamReader> &Process::stdErr() const noexcept
{
    return m_protocol->stdErr;
}

qint64 Process::pid() const
{
    return m_transport->pid();
}

std::optional<int> Process::returnCode() const
{
    return m_transport->returnCode();
}

void Process::sendSignal(int signum)
{
    m_transport->sendSignal(signum);
}

void Process::terminate()
{
    m_transport->terminate();
}

void Process::kill()
{
    m_transport->kill();
}

namespace {
/*! What a task in Process::wait() shows the inspector. */
class ProcessExitTarget final : public detail::AwaitTarget
{
public:
    explicit ProcessExitTarget(qint64 pid) : m_pid(pid) {}
    void describeAwait(AwaitEdge &edge) const override
    {
        edge.pid = m_pid;
        edge.detail = QStringLiteral("process %1").arg(m_pid);
    }

private:
    qint64 m_pid;
};
} // namespace

Coro<int> Process::wait()
{
    if (const std::optional<int> code = m_transport->returnCode())
        co_return *code;
    detail::ChildProcessTransport &child = detail::childOf(m_transport);
    Future<int> exited = getRunningLoop().createFuture<int>();
    const ProcessExitTarget target(pid());
    exited.state()->tagAwait(AwaitEdge::Kind::Subprocess, "process exit", &target);
    const int id = child.whenExited([exited](int code) mutable {
        if (!exited.done())
            exited.setResult(code);
    });
    std::exception_ptr failure;
    int code = 0;
    try {
        code = co_await exited;
    } catch (...) {
        failure = std::current_exception();
    }
    exited.state()->awaitTarget = nullptr;
    if (failure) {
        child.forgetWhenExited(id); // cancelled: the child runs on
        std::rethrow_exception(failure);
    }
    co_return code;
}

namespace detail {
namespace {

// The parts of communicate(), run as tasks of their own: they hold what they use, so a
// Process dropped while they finish cancelling leaves them nothing dangling.
Coro<void> feedStdin(std::shared_ptr<StreamWriter> writer, QByteArray input)
{
    if (!input.isEmpty()) {
        writer->write(input);
        try {
            co_await writer->drain();
        } catch (const BrokenPipeError &) {
            // The child closed its stdin or exited before taking everything: not an error
            // (asyncio's _feed_stdin()).
        } catch (const ConnectionResetError &) {
        }
    }
    writer->close();
}

Coro<QByteArray> readStream(std::shared_ptr<StreamReader> reader, std::shared_ptr<SubprocessTransport> transport,
                            int fd)
{
    QByteArray output = co_await reader->read(-1);
    if (BaseTransport *pipe = transport->pipeTransport(fd))
        pipe->close();
    co_return output;
}

} // namespace
} // namespace detail

Coro<std::pair<QByteArray, QByteArray>> Process::communicate(std::optional<QByteArray> input)
{
    EventLoop &loop = getRunningLoop();
    // The three run at once (asyncio gathers them); a failure or a cancellation of this
    // call cancels the others.
    std::optional<Task<void>> feeding;
    std::optional<Task<QByteArray>> readingOut;
    std::optional<Task<QByteArray>> readingErr;
    if (stdIn())
        feeding = loop.createTask(detail::feedStdin(stdIn(), input.value_or(QByteArray())));
    if (stdOut())
        readingOut = loop.createTask(detail::readStream(stdOut(), m_transport, 1));
    if (stdErr())
        readingErr = loop.createTask(detail::readStream(stdErr(), m_transport, 2));
    std::pair<QByteArray, QByteArray> output;
    std::exception_ptr failure;
    try {
        if (feeding)
            co_await *feeding;
        if (readingOut)
            output.first = co_await *readingOut;
        if (readingErr)
            output.second = co_await *readingErr;
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        if (feeding)
            feeding->cancel();
        if (readingOut)
            readingOut->cancel();
        if (readingErr)
            readingErr->cancel();
        std::rethrow_exception(failure);
    }
    co_await wait();
    co_return output;
}

Coro<std::shared_ptr<Process>> createSubprocessExec(QString program, QStringList arguments, SubprocessOptions options,
                                                    StreamOptions streamOptions)
{
    return detail::startProcess(std::move(program), std::move(arguments), false, std::move(options), streamOptions);
}

Coro<std::shared_ptr<Process>> createSubprocessShell(QString command, SubprocessOptions options,
                                                     StreamOptions streamOptions)
{
    return detail::startProcess(std::move(command), QStringList(), true, std::move(options), streamOptions);
}

} // namespace qaio
