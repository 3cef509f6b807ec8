// Copyright (c) qaio authors. Licensed under the MIT license.
// The subprocess transport (asyncio's base_subprocess.BaseSubprocessTransport and
// unix_events._UnixSubprocessTransport), reaping its child by its pid once told of its exit
// (platform/spawn_p.h: a pidfd, or SIGCHLD).
#include <qaio/process/detail/childprocesstransport_p.h>

#include <qaio/base/errors.h>
#include <qaio/platform/oserror.h>
#include <qaio/platform/pipeops_p.h>

#include <algorithm>

namespace qaio::detail {

namespace {

// The protocol of each pipe to the child: hands everything to the subprocess transport.
class PipeRelay final : public Protocol
{
public:
    PipeRelay(ChildProcessTransport &owner, int fd) : m_owner(owner), m_fd(fd) {}
    void dataReceived(QByteArrayView data) override { m_owner.pipeData(m_fd, data); }
    void connectionLost(std::exception_ptr error) override { m_owner.pipeLost(m_fd, error); }
    void pauseWriting() override { m_owner.pipeFlow(true); }
    void resumeWriting() override { m_owner.pipeFlow(false); }

private:
    ChildProcessTransport &m_owner;
    int m_fd;
};

// How children are watched: pidfds where the system has them, else SIGCHLD;
// QAIO_CHILD_WATCHER=sigchld forces the fallback (the test suites run both).
sys::ChildWatch childWatch(bool debug)
{
    static const sys::ChildWatch how = [debug] {
        const QByteArray wanted = qgetenv("QAIO_CHILD_WATCHER").trimmed().toLower();
        const bool handles = sys::processHandlesAvailable();
        sys::ChildWatch chosen = handles ? sys::ChildWatch::ProcessHandle : sys::ChildWatch::ChildSignal;
        if (wanted == "sigchld")
            chosen = sys::ChildWatch::ChildSignal;
        else if (wanted == "pidfd" && !handles)
            qCWarning(lcQaio, "QAIO_CHILD_WATCHER=pidfd: pidfd_open() is not available here; using SIGCHLD");
        else if (!wanted.isEmpty() && wanted != "default" && wanted != "pidfd")
            qCWarning(lcQaio, "QAIO_CHILD_WATCHER=%s: not a child watcher (pidfd, sigchld); using the default",
                      wanted.constData());
        if (debug)
            qCDebug(lcQaioDebug, "child processes are watched with %s",
                    chosen == sys::ChildWatch::ProcessHandle ? "pidfds" : "SIGCHLD");
        return chosen;
    }();
    return how;
}

// Descriptors opened for the spawn, closed whatever happens.
struct OpenedDescriptors
{
    std::vector<qintptr> fds;
    ~OpenedDescriptors()
    {
        for (qintptr fd : fds)
            sys::closeDescriptor(fd);
    }
    qintptr keep(qintptr fd)
    {
        fds.push_back(fd);
        return fd;
    }
};

} // namespace

std::shared_ptr<ChildProcessTransport> ChildProcessTransport::spawn(LoopCore &loop, sys::SpawnRequest request,
                                                                    const SubprocessOptions &options,
                                                                    std::unique_ptr<BaseProtocol> protocol,
                                                                    Future<void> waiter)
{
    requireUsableLoop(loop);
    if (!protocol)
        throw ValueError("protocolFactory: returned a null protocol");
    if (!dynamic_cast<SubprocessProtocol *>(protocol.get()))
        throw ValueError("protocolFactory: a subprocess transport needs a qaio::SubprocessProtocol");

    OpenedDescriptors childSide; // closed in the parent once the child has them
    OpenedDescriptors ourSide;   // handed to the pipe transports (released below), or closed
    qintptr ours[3] = {-1, -1, -1};
    const Stdio streams[3] = {options.stdIn, options.stdOut, options.stdErr};
    for (int fd = 0; fd < 3; ++fd) {
        const Stdio &stdio = streams[fd];
        switch (stdio.kind()) {
        case Stdio::Kind::Pipe: {
            qintptr ends[2];
            if (const int error = sys::openPipe(ends, false))
                throwOSError(error, QStringLiteral("pipe"));
            // The child's end stays blocking (it shares the open file); ours is made
            // non-blocking by its pipe transport.
            const qintptr theirs = fd == 0 ? ends[0] : ends[1];
            ours[fd] = ourSide.keep(fd == 0 ? ends[1] : ends[0]);
            request.descriptors.push_back({fd, childSide.keep(theirs)});
            break;
        }
        case Stdio::Kind::DevNull: {
            int error = 0;
            const qintptr null = sys::openNullDevice(error);
            if (null < 0)
                throwOSError(error, QStringLiteral("open /dev/null"));
            request.descriptors.push_back({fd, childSide.keep(null)});
            break;
        }
        case Stdio::Kind::Stdout: {
            const auto out = std::find_if(request.descriptors.begin(), request.descriptors.end(),
                                          [](const sys::ChildDescriptor &d) { return d.child == 1; });
            request.descriptors.push_back({fd, out != request.descriptors.end() ? out->parent : qintptr(1)});
            break;
        }
        case Stdio::Kind::Descriptor:
            request.descriptors.push_back({fd, stdio.fd()});
            break;
        case Stdio::Kind::Inherit:
            break;
        }
    }
    for (qintptr fd : options.passFds)
        request.descriptors.push_back({int(fd), fd});

    qint64 pid = -1;
    if (const int error = sys::spawnProcess(request, pid))
        throwOSError(error, QStringLiteral("spawn '%1'").arg(QString::fromLocal8Bit(request.program)));
    // The child has its ends: childSide closes ours of them when this function returns.
    int error = 0;
    const qintptr exitNotifier = sys::openExitNotifier(pid, childWatch(loop.getDebug()), error);
    if (exitNotifier < 0) {
        // Short of running out of descriptors, cannot happen: do not leave the child
        // unwatched.
        sys::signalProcess(pid, sys::killSignal());
        int returnCode = 0;
        int ignored = 0;
        sys::reapProcess(pid, returnCode, ignored, true);
        throwOSError(error, QStringLiteral("watch child process %1").arg(pid));
    }
    std::shared_ptr<ChildProcessTransport> t(new ChildProcessTransport(loop, exitNotifier, pid));
    t->adoptProtocol(std::move(protocol), "protocolFactory");
    t->m_self = t;
    ourSide.fds.clear(); // the pipe transports own them from here
    for (int fd = 0; fd < 3; ++fd) {
        if (ours[fd] < 0)
            continue;
        t->m_pipes[std::size_t(fd)] =
            PipeTransport::create(loop, ours[fd], fd == 0 ? PipeTransport::End::Write : PipeTransport::End::Read,
                                  std::make_unique<PipeRelay>(*t, fd), {}, sys::PipeKind::Fifo);
        t->m_pipeOpen[std::size_t(fd)] = true;
    }
    t->watchReadable(true);
    // asyncio's _connect_pipes(): connection_made once the pipes are connected, then what
    // the pipes reported meanwhile, then the waiter.
    loop.callSoon([self = t, waiter = std::move(waiter)]() mutable {
        self->m_madeCalled = true;
        self->callProtocol("Exception in protocol.connectionMade()",
                           [&self](BaseProtocol &p) { p.connectionMade(*self); });
        std::vector<std::function<void()>> pending = std::move(self->m_pending);
        for (std::function<void()> &call : pending)
            call();
        if (waiter.isValid() && !waiter.done())
            waiter.setResult();
        self->tryFinish();
    });
    return t;
}

ChildProcessTransport::ChildProcessTransport(LoopCore &loop, qintptr exitNotifier, qint64 pid)
    : TransportBase(loop, exitNotifier, *this), m_pid(pid)
{
}

ChildProcessTransport::~ChildProcessTransport()
{
    destroyProtocols();
    releaseChild(false);
}

void ChildProcessTransport::adoptProtocol(std::unique_ptr<BaseProtocol> protocol, const char *operation)
{
    if (!protocol)
        throw ValueError(QStringLiteral("%1: returned a null protocol").arg(QLatin1String(operation)));
    auto *subprocess = dynamic_cast<SubprocessProtocol *>(protocol.get());
    if (!subprocess)
        throw ValueError(QStringLiteral("%1: a subprocess transport needs a qaio::SubprocessProtocol")
                             .arg(QLatin1String(operation)));
    subprocess->m_transport = this;
    replaceProtocol(std::move(protocol));
}

void ChildProcessTransport::setProtocol(std::unique_ptr<BaseProtocol> protocol)
{
    if (!protocol)
        throw ValueError("setProtocol(): protocol is null");
    adoptProtocol(std::move(protocol), "setProtocol(): protocol");
}

QVariant ChildProcessTransport::extraInfo(const QString &name, const QVariant &defaultValue) const
{
    if (name == QLatin1String("subprocess"))
        return QVariant::fromValue(m_pid);
    return defaultValue;
}

BaseTransport *ChildProcessTransport::pipeTransport(int fd) const
{
    if (fd < 0 || fd > 2)
        return nullptr;
    return m_pipes[std::size_t(fd)].get();
}

// ---- the pipes ------------------------------------------------------------------------

void ChildProcessTransport::pipeData(int fd, QByteArrayView data)
{
    if (!m_madeCalled) {
        m_pending.push_back([this, fd, copy = data.toByteArray()] {
            callProtocol("Exception in protocol.pipeDataReceived()", [fd, &copy](BaseProtocol &p) {
                static_cast<SubprocessProtocol &>(p).pipeDataReceived(fd, QByteArrayView(copy));
            });
        });
        return;
    }
    callProtocol("Exception in protocol.pipeDataReceived()", [fd, &data](BaseProtocol &p) {
        static_cast<SubprocessProtocol &>(p).pipeDataReceived(fd, data);
    });
}

void ChildProcessTransport::pipeLost(int fd, std::exception_ptr error)
{
    m_pipeOpen[std::size_t(fd)] = false;
    auto report = [this, fd, error] {
        callProtocol("Exception in protocol.pipeConnectionLost()", [fd, &error](BaseProtocol &p) {
            static_cast<SubprocessProtocol &>(p).pipeConnectionLost(fd, error);
        });
    };
    if (!m_madeCalled)
        m_pending.push_back(std::move(report));
    else
        m_loop.callSoon([self = m_self, report = std::move(report)] { report(); });
    tryFinish();
}

void ChildProcessTransport::pipeFlow(bool pause)
{
    if (pause)
        callProtocol("protocol.pauseWriting() failed", [](BaseProtocol &p) { p.pauseWriting(); });
    else
        callProtocol("protocol.resumeWriting() failed", [](BaseProtocol &p) { p.resumeWriting(); });
}

// ---- the child ------------------------------------------------------------------------

void ChildProcessTransport::onReadable() // the child's exit notifier
{
    int returnCode = 0;
    int error = 0;
    if (sys::reapProcess(m_pid, returnCode, error)) {
        exited(returnCode);
    } else if (error) {
        // Someone reaped our child behind our back (a waitpid(-1) elsewhere in the
        // process): asyncio reports 255 then.
        qCWarning(lcQaio, "Unknown child process pid %lld, will report returncode 255", qlonglong(m_pid));
        exited(255);
    } else {
        sys::clearExitNotifier(m_fd); // woken for another child's exit
    }
}

void ChildProcessTransport::exited(int returnCode)
{
    if (m_loop.getDebug())
        qCDebug(lcQaioDebug) << "child process" << m_pid << "exited with return code" << returnCode;
    m_returnCode = returnCode;
    releaseChild(false);
    std::vector<std::pair<int, std::function<void(int)>>> waiters = std::move(m_exitWaiters);
    for (auto &waiter : waiters)
        waiter.second(returnCode);
    tryFinish();
}

void ChildProcessTransport::releaseChild(bool loopClosing) noexcept
{
    if (m_childReleased)
        return;
    m_childReleased = true;
    if (loopClosing)
        forgetWatches();
    else
        watchReadable(false);
    releaseDescriptor();
    sys::closeExitNotifier(m_fd);
    if (!m_returnCode) {
        // Not reaped yet (the loop closes, or the transport dies early): no zombie left.
        sys::signalProcess(m_pid, sys::killSignal());
        int returnCode = 0;
        int error = 0;
        if (sys::reapProcess(m_pid, returnCode, error, true))
            m_returnCode = returnCode;
    }
}

void ChildProcessTransport::tryFinish()
{
    if (!m_returnCode || !m_madeCalled || m_finished)
        return;
    if (std::any_of(m_pipeOpen.begin(), m_pipeOpen.end(), [](bool open) { return open; }))
        return;
    m_finished = true;
    m_loop.callSoon([self = m_self] {
        self->callProtocol("Exception in protocol.processExited()",
                           [](BaseProtocol &p) { static_cast<SubprocessProtocol &>(p).processExited(); });
    });
    m_loop.callSoon([self = m_self] {
        self->callProtocol("Exception in protocol.connectionLost()", [](BaseProtocol &p) { p.connectionLost(nullptr); });
        self->unlinkFromLoop();
        self->m_pipes = {};
        self->m_self.reset(); // `self` still holds this object until the callback returns
    });
}

int ChildProcessTransport::whenExited(std::function<void(int)> done)
{
    if (m_returnCode) {
        done(*m_returnCode);
        return 0;
    }
    const int id = m_nextWaiterId++;
    m_exitWaiters.emplace_back(id, std::move(done));
    return id;
}

void ChildProcessTransport::forgetWhenExited(int id) noexcept
{
    std::erase_if(m_exitWaiters, [id](const auto &waiter) { return waiter.first == id; });
}

void ChildProcessTransport::requireRunning(const char *operation) const
{
    if (m_returnCode || m_childReleased)
        throwOSError(sys::noSuchProcessError(),
                     QStringLiteral("%1(): the child process %2 has exited").arg(QLatin1String(operation)).arg(m_pid));
}

void ChildProcessTransport::sendSignal(int signum)
{
    requireRunning("sendSignal");
    if (const int error = sys::signalProcess(m_pid, signum))
        throwOSError(error, QStringLiteral("sendSignal(%1) to %2").arg(signum).arg(m_pid));
}

void ChildProcessTransport::terminate()
{
    requireRunning("terminate");
    if (const int error = sys::signalProcess(m_pid, sys::terminateSignal()))
        throwOSError(error, QStringLiteral("terminate %1").arg(m_pid));
}

void ChildProcessTransport::kill()
{
    requireRunning("kill");
    if (const int error = sys::signalProcess(m_pid, sys::killSignal()))
        throwOSError(error, QStringLiteral("kill %1").arg(m_pid));
}

// ---- closing --------------------------------------------------------------------------

void ChildProcessTransport::close()
{
    if (m_closed)
        return;
    m_closed = true;
    for (const std::shared_ptr<PipeTransport> &pipe : m_pipes)
        if (pipe)
            pipe->close();
    if (!m_returnCode && !m_childReleased) {
        if (m_loop.getDebug())
            qCDebug(lcQaioDebug) << "close running child process" << m_pid << ": kill";
        sys::signalProcess(m_pid, sys::killSignal()); // reaped when its exit notifier says so
    }
}

void ChildProcessTransport::loopClosing() noexcept
{
    m_closed = true;
    releaseChild(true); // kills and reaps a child still running
    m_pipes = {};       // the loop closes their descriptors itself
    std::shared_ptr<ChildProcessTransport> self = std::move(m_self);
}

} // namespace qaio::detail
