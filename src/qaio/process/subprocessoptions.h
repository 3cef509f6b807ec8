// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file subprocessoptions.h
    Options of EventLoop::subprocessExec() and subprocessShell() (asyncio's keyword
    arguments of subprocess_exec()/subprocess_shell() and Python's subprocess.Popen), and
    what they return.

    Each standard stream of the child is one of (asyncio's constants):
    \list
    \li Stdio::pipe() (subprocess.PIPE, the default): a pipe to the parent, served by a
        pipe transport (SubprocessTransport::pipeTransport()).
    \li Stdio::devNull() (subprocess.DEVNULL): /dev/null.
    \li Stdio::toStdout() (subprocess.STDOUT, for stdErr only): where stdout goes.
    \li Stdio::descriptor(fd): the parent's descriptor \a fd (not taken over).
    \li Stdio::inherit() (None): the parent's own stream.
    \endlist

    \code
    qaio::SubprocessOptions options{.stdIn = qaio::Stdio::devNull(), .stdErr = qaio::Stdio::toStdout(),
                                    .cwd = QStringLiteral("/tmp")};
    auto starting = loop.subprocessExec(factory, "ls", {"-l"}, std::move(options));
    auto [transport, protocol] = co_await std::move(starting);
    \endcode

    Nothing else reaches the child: descriptors above the ones it is given are closed in
    it, those below carry close-on-exec (everything qaio and Qt open does); passFds
    keeps chosen ones (at the same numbers). Errors: a program that does not exist throws
    FileNotFoundError, one that cannot be executed PermissionError, from the awaiting
    call (never an exit code 127); ValueError for Stdio::toStdout() outside stdErr, a
    negative descriptor or an empty program.
*/

#include <qaio/base/qaioglobal.h>

#include <QtCore/QProcessEnvironment>
#include <QtCore/QString>

#include <memory>
#include <optional>
#include <vector>

namespace qaio {

class SubprocessTransport;

/*! Where one standard stream of a child goes. */
class Stdio
{
public:
    enum class Kind { Pipe, DevNull, Stdout, Descriptor, Inherit };

    static constexpr Stdio pipe() noexcept { return Stdio(Kind::Pipe); }
    static constexpr Stdio devNull() noexcept { return Stdio(Kind::DevNull); }
    static constexpr Stdio toStdout() noexcept { return Stdio(Kind::Stdout); }
    static constexpr Stdio inherit() noexcept { return Stdio(Kind::Inherit); }
    static constexpr Stdio descriptor(qintptr fd) noexcept { return Stdio(Kind::Descriptor, fd); }

    constexpr Kind kind() const noexcept { return m_kind; }
    constexpr qintptr fd() const noexcept { return m_fd; }

private:
    constexpr explicit Stdio(Kind kind, qintptr fd = -1) noexcept : m_kind(kind), m_fd(fd) {}
    Kind m_kind;
    qintptr m_fd;
};

/*!
    Options of EventLoop::subprocessExec() and subprocessShell().
*/
struct SubprocessOptions
{
    Stdio stdIn = Stdio::pipe();
    Stdio stdOut = Stdio::pipe();
    Stdio stdErr = Stdio::pipe();
    /*! The child's working directory (unset: ours). */
    std::optional<QString> cwd{};
    /*! The child's whole environment (unset: ours), e.g. from
        QProcessEnvironment::systemEnvironment() with changes. */
    std::optional<QProcessEnvironment> env{};
    /*! setsid() in the child: a new session, away from our terminal and its signals. */
    bool startNewSession = false;
    /*! setpgid() in the child: join this process group, 0 for a new one. */
    std::optional<qint64> processGroup{};
    /*! Descriptors the child keeps, at the same numbers (Python's pass_fds). */
    std::vector<qintptr> passFds{};
};

/*! What subprocessExec() and subprocessShell() return: the transport, and the protocol
    the factory made (owned by the transport). */
template <class P>
struct SubprocessConnection
{
    std::shared_ptr<SubprocessTransport> transport;
    P *protocol = nullptr;
};

} // namespace qaio
