// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::subprocessExec() / subprocessShell() (asyncio's base_events subprocess_exec()
// and subprocess_shell()). The transport is process/detail/childprocesstransport.cpp.
#include <qaio/loop/eventloop.h>

#include <qaio/process/detail/childprocesstransport_p.h>

#include <QtCore/QFile>

namespace qaio {

namespace {

void checkStdio(const Stdio &stdio, const char *name, bool stdoutAllowed)
{
    if (stdio.kind() == Stdio::Kind::Stdout && !stdoutAllowed)
        throw ValueError(QStringLiteral("%1: Stdio::toStdout() is only for stdErr").arg(QLatin1String(name)));
    if (stdio.kind() == Stdio::Kind::Descriptor && stdio.fd() < 0)
        throw ValueError(QStringLiteral("%1: invalid file descriptor %2").arg(QLatin1String(name)).arg(stdio.fd()));
}

} // namespace

Coro<SubprocessConnection<BaseProtocol>> EventLoop::subprocessImpl(ProtocolFactory factory, QString program,
                                                                  QStringList arguments, bool shell,
                                                                  SubprocessOptions options)
{
    const char *function = shell ? "subprocessShell" : "subprocessExec";
    if (!factory)
        throw ValueError(QStringLiteral("%1(): protocolFactory is empty").arg(QLatin1String(function)));
    if (program.isEmpty())
        throw ValueError(shell ? QStringLiteral("subprocessShell(): cmd must be a non-empty string")
                               : QStringLiteral("subprocessExec(): program must be a non-empty string"));
    checkStdio(options.stdIn, "stdIn", false);
    checkStdio(options.stdOut, "stdOut", false);
    checkStdio(options.stdErr, "stdErr", true);
    for (qintptr fd : options.passFds)
        if (fd < 0)
            throw ValueError(QStringLiteral("passFds: invalid file descriptor %1").arg(fd));

    detail::sys::SpawnRequest request;
    if (shell) {
        request.program = QByteArrayLiteral("/bin/sh");
        request.arguments = {request.program, QByteArrayLiteral("-c"), program.toLocal8Bit()};
    } else {
        request.program = QFile::encodeName(program);
        request.arguments.push_back(request.program);
        for (const QString &argument : arguments)
            request.arguments.push_back(argument.toLocal8Bit());
    }
    if (options.cwd)
        request.workingDirectory = QFile::encodeName(*options.cwd);
    if (options.env) {
        QList<QByteArray> environment;
        for (const QString &entry : options.env->toStringList())
            environment.push_back(entry.toLocal8Bit());
        request.environment = std::move(environment);
    }
    request.newSession = options.startNewSession;
    request.processGroup = options.processGroup;

    std::unique_ptr<BaseProtocol> protocol = factory();
    BaseProtocol *made = protocol.get();
    Future<void> waiter = createFuture<void>();
    waiter.state()->tagAwait(AwaitEdge::Kind::Connection, "connectionMade");
    std::shared_ptr<detail::ChildProcessTransport> transport =
        detail::ChildProcessTransport::spawn(*this, std::move(request), options, std::move(protocol), waiter);
    if (getDebug())
        qCDebug(lcQaioDebug).noquote() << QStringLiteral("%1(): started %2 as pid %3")
                                              .arg(QLatin1String(function), program)
                                              .arg(transport->pid());
    try {
        co_await waiter;
    } catch (...) {
        transport->close(); // kills the child; the transport still reaps it
        throw;
    }
    BaseProtocol *current = transport->protocol() == made ? made : nullptr;
    co_return SubprocessConnection<BaseProtocol>{std::move(transport), current};
}

} // namespace qaio
