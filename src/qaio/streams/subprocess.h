// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file subprocess.h
    asyncio's high-level subprocess layer (asyncio/subprocess.py): createSubprocessExec()
    and createSubprocessShell() start a child and give a Process whose standard streams
    are a StreamWriter (stdIn()) and StreamReaders (stdOut(), stdErr()).

    \code
    auto starting = qaio::createSubprocessExec(QStringLiteral("git"), {QStringLiteral("log"), QStringLiteral("-1")});
    std::shared_ptr<qaio::Process> git = co_await std::move(starting);
    auto [out, err] = co_await git->communicate();
    qDebug() << "git exited with" << *git->returnCode() << out;

    // Streaming, line by line:
    auto startingPing = qaio::createSubprocessExec(QStringLiteral("ping"), {QStringLiteral("-c3"), QStringLiteral("::1")});
    std::shared_ptr<qaio::Process> ping = co_await std::move(startingPing);
    for (;;) {
        const QByteArray line = co_await ping->stdOut()->readline();
        if (line.isEmpty())
            break;
        qDebug() << line;
    }
    const int code = co_await ping->wait();
    \endcode

    Options are SubprocessOptions (process/subprocessoptions.h): a QProcess-style program
    and argument list, a QProcessEnvironment, cwd, sessions and process groups. Unlike
    asyncio (whose high-level functions inherit the parent's streams unless told), the
    three streams are pipes unless told otherwise, as with QProcess.

    Errors: as EventLoop::subprocessExec(): FileNotFoundError, PermissionError, ValueError.
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/process/subprocessoptions.h>
#include <qaio/streams/streamreader.h>
#include <qaio/streams/streams.h>
#include <qaio/streams/streamwriter.h>
#include <qaio/tasks/coro.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <memory>
#include <optional>
#include <utility>

namespace qaio {

class SubprocessTransport;

namespace detail {
class ProcessProtocol;
}

/*!
    \class qaio::Process
    A running (or finished) child process with stream access to its standard streams
    (asyncio.subprocess.Process). Made by createSubprocessExec() / createSubprocessShell();
    use it from the loop's thread. Dropping the last pointer closes the transport, which
    kills a child still running (asyncio's transport does so when collected).
*/
class QAIO_EXPORT Process
{
public:
    Process(std::shared_ptr<SubprocessTransport> transport, detail::ProcessProtocol *protocol);
    ~Process();
    Process(const Process &) = delete;
    Process &operator=(const Process &) = delete;

    /*! The writer of the child's stdin, or null if stdIn was not a pipe. */
    const std::shared_ptr<StreamWriter> &stdIn() const noexcept;
    /*! The reader of the child's stdout, or null if stdOut was not a pipe. */
    const std::shared_ptr<StreamReader> &stdOut() const noexcept;
    /*! The reader of the child's stderr, or null if stdErr was not a pipe. */
    const std::shared_ptr<StreamReader> &stdErr() const noexcept;

    qint64 pid() const;
    /*! The exit status once the child has exited (minus the signal number that killed it). */
    std::optional<int> returnCode() const;
    /*! Waits for the child to exit and returns its return code. Does not wait for the
        pipes: a child that left a grandchild holding them returns all the same. Read the
        output first (or use communicate()): a child blocked on a full stdout pipe never
        exits. Cancelling the wait leaves the child running. */
    Coro<int> wait();
    /*! Sends \a input (if given) to stdin and closes it, reads stdout and stderr to their
        end, and waits for the exit (asyncio's communicate()): the output of the streams
        that are pipes. A child that exits or closes its stdin before taking all of
        \a input is not an error (BrokenPipeError and ConnectionResetError are swallowed,
        as asyncio does). */
    Coro<std::pair<QByteArray, QByteArray>> communicate(std::optional<QByteArray> input = std::nullopt);
    /*! As SubprocessTransport: throw ProcessLookupError once the child has exited. */
    void sendSignal(int signum);
    void terminate();
    void kill();

    /*! The underlying transport. */
    const std::shared_ptr<SubprocessTransport> &transport() const noexcept { return m_transport; }

private:
    std::shared_ptr<SubprocessTransport> m_transport;
    detail::ProcessProtocol *m_protocol; // owned by m_transport
};

/*! Starts \a program with \a arguments (asyncio.create_subprocess_exec()) on the running
    loop; \a streamOptions gives the readers' limit. */
QAIO_EXPORT Coro<std::shared_ptr<Process>> createSubprocessExec(QString program, QStringList arguments = {},
                                                                 SubprocessOptions options = {},
                                                                 StreamOptions streamOptions = {});
/*! Runs \a command with /bin/sh -c (asyncio.create_subprocess_shell()). */
QAIO_EXPORT Coro<std::shared_ptr<Process>> createSubprocessShell(QString command, SubprocessOptions options = {},
                                                                  StreamOptions streamOptions = {});

} // namespace qaio
