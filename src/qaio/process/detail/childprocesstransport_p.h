// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/detail/transportbase_p.h>
#include <qaio/core/protocols.h>
#include <qaio/core/transports.h>
#include <qaio/platform/spawn_p.h>
#include <qaio/process/detail/pipetransport_p.h>
#include <qaio/process/subprocessoptions.h>
#include <qaio/tasks/future.h>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace qaio::detail {

/*!
    A child process with pipe transports for its standard streams: asyncio's
    BaseSubprocessTransport (base_subprocess.py) and its _UnixSubprocessTransport.

    Its descriptor (TransportBase) is the child's exit notifier (a pidfd, or a pipe woken
    by SIGCHLD: platform/spawn_p.h), readable once the child has exited, which is when
    this transport reaps it, by its pid alone.

    Events, in asyncio's order:
    \\list
    \\li the pipe transports are made first; connectionMade() follows in a later callback,
        then whatever the pipes reported before it (queued), then the awaiting call's result;
    \\li pipe data is handed to pipeDataReceived() at once (a view, no copy) once
        connectionMade() has run; each pipe's end reaches pipeConnectionLost() through
        callSoon();
    \\li when the child has exited and every pipe is lost: processExited(), then
        connectionLost() (each through callSoon()). The exit itself wakes whenExited()
        at once, so a child whose pipes a grandchild keeps open does not hang a wait.
    \\endlist
*/
class ChildProcessTransport final : public SubprocessTransport, public TransportBase
{
public:
    /*! Spawns the child of \\a request with the standard streams of \\a options (the
        request's descriptors are filled in here) and serves it with \\a protocol (a
        SubprocessProtocol, else ValueError). Throws the OSError of a failed spawn
        (FileNotFoundError, PermissionError, ...). */
    static std::shared_ptr<ChildProcessTransport> spawn(LoopCore &loop, sys::SpawnRequest request,
                                                        const SubprocessOptions &options,
                                                        std::unique_ptr<BaseProtocol> protocol, Future<void> waiter);
    ~ChildProcessTransport() override;

    // BaseTransport
    void close() override;
    bool isClosing() const override { return m_closed || m_finished; }
    QVariant extraInfo(const QString &name, const QVariant &defaultValue = {}) const override;
    void setProtocol(std::unique_ptr<BaseProtocol> protocol) override;
    BaseProtocol *protocol() const override { return m_protocol.get(); }

    // SubprocessTransport
    qint64 pid() const override { return m_pid; }
    BaseTransport *pipeTransport(int fd) const override;
    std::optional<int> returnCode() const override { return m_returnCode; }
    void sendSignal(int signum) override;
    void terminate() override;
    void kill() override;

    /*! Calls \\a done with the return code once the child has exited (at once if it has);
        the returned id cancels it (forgetWhenExited()). */
    int whenExited(std::function<void(int)> done);
    void forgetWhenExited(int id) noexcept;

    // From the pipe protocols.
    void pipeData(int fd, QByteArrayView data);
    void pipeLost(int fd, std::exception_ptr error);
    void pipeFlow(bool pause);

private:
    ChildProcessTransport(LoopCore &loop, qintptr exitNotifier, qint64 pid);

    void adoptProtocol(std::unique_ptr<BaseProtocol> protocol, const char *operation);
    void onReadable() override; // the exit notifier: the child has exited
    void onWritable() override {}
    void loopClosing() noexcept override;
    void exited(int returnCode);
    void tryFinish();
    void releaseChild(bool loopClosing) noexcept;
    void requireRunning(const char *operation) const;

    qint64 m_pid;
    std::shared_ptr<ChildProcessTransport> m_self;
    std::array<std::shared_ptr<PipeTransport>, 3> m_pipes;
    std::array<bool, 3> m_pipeOpen{false, false, false};
    std::vector<std::function<void()>> m_pending; // pipe events before connectionMade()
    std::vector<std::pair<int, std::function<void(int)>>> m_exitWaiters;
    int m_nextWaiterId = 1;
    std::optional<int> m_returnCode;
    bool m_madeCalled = false;
    bool m_closed = false;
    bool m_finished = false;
    bool m_childReleased = false;
};

} // namespace qaio::detail
