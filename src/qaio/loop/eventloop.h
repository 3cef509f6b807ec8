// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file eventloop.h
    EventLoop: asyncio's event loop, running on the Qt event dispatcher of its thread.

    An EventLoop belongs to the thread that created it. Its callbacks, timers and tasks
    run whenever that thread's Qt event loop runs: under \c{app.exec()}, inside nested
    loops such as \c{QDialog::exec()}, or inside runForever() / runUntilComplete(), which
    spin a QEventLoop the way asyncio users expect.

    Scheduling is asyncio's: callbacks run in FIFO order, in ticks; a tick runs exactly
    the callbacks that were ready when it began. Timers live in one heap behind a single
    precise Qt timer. Many ticks may run per Qt event, within a time slice, so a storm of
    callbacks never starves Qt's own events, timers and socket notifiers. That scheduler
    is EventLoop's base class, LoopCore (core/loopcore.h): callSoon(), callLater(),
    addReader(), createTask(), runForever() and their kin are documented there.

    Errors: every scheduling call throws RuntimeError("Event loop is closed") after close(),
    and RuntimeError when called from another thread (use callSoonThreadsafe()).
    Exceptions thrown by callbacks and tasks never reach Qt: they go to the exception
    handler (setExceptionHandler(), default: logged on the \c qaio category).

    \code
    int main(int argc, char **argv)
    {
        QCoreApplication app(argc, argv);
        qaio::EventLoop &loop = qaio::getEventLoop();
        loop.callLater(std::chrono::milliseconds(100), [] { qDebug() << "tick"; });
        int answer = loop.runUntilComplete(compute());   // compute() returns qaio::Coro<int>
        return answer == 42 ? 0 : 1;
    }
    \endcode
*/

#include <qaio/base/clock.h>
#include <qaio/base/errors.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/core/executor.h>
#include <qaio/core/handle.h>
#include <qaio/core/loopcore.h>
#include <qaio/core/protocols.h>
#include <qaio/inspect/inspector.h>
#include <qaio/inspect/remoteinspector.h>
#include <qaio/net/connectionoptions.h>
#include <qaio/net/datagramoptions.h>
#include <qaio/net/server.h>
#include <qaio/process/pipes.h>
#include <qaio/process/subprocessoptions.h>
#include <qaio/tasks/coro.h>
#include <qaio/tasks/exceptioncontext.h>
#include <qaio/tasks/future.h>
#include <qaio/tasks/task.h>

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

QT_FORWARD_DECLARE_CLASS(QObject)
QT_FORWARD_DECLARE_CLASS(QFile)

namespace qaio {

class EventLoop;

class Socket;
class SocketAddress;
struct AddrInfo;
struct AddrInfoHints;
struct NameInfo;

namespace detail {
template <class R>
struct ExecutorSlot
{
    std::optional<typename StoredValue<R>::type> value;
    std::exception_ptr error;
};
} // namespace detail


class QAIO_EXPORT EventLoop : public LoopCore
{
public:
    /*! Creates a loop owned by the calling thread. Debug mode is on if QAIO_DEBUG=1.
        Descriptors are watched by the platform's fastest reactor (epoll on Linux), or the
        one the environment variable QAIO_REACTOR names (core/reactor.h). */
    EventLoop();
    /*! Creates a loop watching descriptors with \a reactor (ReactorBackend::Qt: one
        QSocketNotifier per descriptor, as on Windows). Throws RuntimeError if \a reactor
        does not exist on this platform, OSError if the kernel refuses to create its set. */
    explicit EventLoop(ReactorBackend reactor);
    /*! Closes the loop. Tasks still pending are reported ("Task was destroyed but it is
        pending!") and their coroutine frames destroyed. */
    ~EventLoop();
    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;

    // ---- Lifecycle -------------------------------------------------------------------
    // runForever(), stop(), isRunning(), isClosed(), runOnce(): see LoopCore.
    /*! Runs until \a future is done and returns its result (or throws its exception).
        Throws RuntimeError("Event loop stopped before Future completed.") if stop() ends
        the run first; the future then stays pending. */
    template <class T>
    T runUntilComplete(Future<T> future);
    /*! Wraps \a coro in a task and runs until it is done. */
    template <class T>
    T runUntilComplete(Coro<T> coro, SourceLocation where = SourceLocation::current());
    /*! Drops every scheduled callback and shuts the default executor down (without
        waiting). Closing twice is fine. Throws RuntimeError if the loop is running. */
    void close();
    /*! Closes every AsyncGenerator started on this loop and not finished yet, all
        concurrently (one task each, see AsyncGenerator::aclose()); errors go to the
        exception handler (asyncio's shutdown_asyncgens()). Defined in eventloop_asyncgens.cpp. */
    Coro<void> shutdownAsyncgens();
    /*! Shuts the default executor down, waiting for its jobs without blocking the loop.
        With a \a timeout, a warning is logged if they take longer, and the wait ends. */
    Coro<void> shutdownDefaultExecutor(std::optional<Delay> timeout = std::nullopt);

    // Debugging, scheduling callbacks, the clock and watching file descriptors: see LoopCore.

    // ---- Thread pool ------------------------------------------------------------------
    /*! Runs \a fn() on \a executor (nullptr: the default executor) and returns a future of
        its result, completed on the loop's thread. Cancelling the future does not stop
        a job that already started. */
    template <class F>
    auto runInExecutor(Executor *executor, F fn) -> Future<std::invoke_result_t<F &>>;
    template <class F>
    auto runInExecutor(F fn) -> Future<std::invoke_result_t<F &>>
    {
        return runInExecutor(nullptr, std::move(fn));
    }
    /*! Replaces the default executor (the loop takes ownership). */
    void setDefaultExecutor(std::unique_ptr<Executor> executor);
    Executor &defaultExecutor();

    // ---- Tasks (createTask(), createFuture(), the task factory: see LoopCore) -----------
    /*! Pending tasks of this loop, oldest first (asyncio's all_tasks()). */
    std::vector<TaskBase> allTasks() const;
    /*! A snapshot of every pending task for inspection. */
    std::vector<TaskInfo> taskInfos() const;

    // ---- Introspection (inspect/inspector.h, inspect/remoteinspector.h) ------------
    /*! The loop's own Inspector, attached on first use and kept until the loop goes.
        Throws RuntimeError if another Inspector is attached to this loop. */
    Inspector &inspector();
    /*! Serves inspector() to other processes of this user under \a name (qaio-inspect,
        the QML inspector), replacing an earlier serving; what QAIO_INSPECT=NAME does for
        the first loop of a program (and QAIO_TRACE=file.json records a trace of it,
        written to that file when the loop is destroyed). Throws as RemoteInspector(). */
    RemoteInspector &serveInspector(const QString &name, const RemoteInspectorOptions &options = {});
    /*! Stops serving (no-op if not serving). */
    void stopServingInspector() noexcept;

    // ---- Sockets (asyncio's sock_*() coroutines; see socket.h) ------------------------
    // Each tries the system call at once and waits for readiness only if it would block.
    // The socket must be non-blocking (ValueError otherwise) and must outlive the call.
    // Cancelling one leaves the socket usable and nothing registered on its fd.
    // System errors throw OSError subclasses (oserror.h).
    /*! Receives up to \a maxSize bytes; an empty result means the peer closed. */
    Coro<QByteArray> sockRecv(Socket &sock, qsizetype maxSize);
    /*! Receives into \a buffer; returns the number of bytes received. */
    Coro<qsizetype> sockRecvInto(Socket &sock, std::span<char> buffer);
    /*! Receives a datagram of up to \a maxSize bytes and its sender. */
    Coro<std::pair<QByteArray, SocketAddress>> sockRecvfrom(Socket &sock, qsizetype maxSize);
    /*! Receives a datagram into \a buffer (at most \a maxSize bytes; 0 = whole buffer). */
    Coro<std::pair<qsizetype, SocketAddress>> sockRecvfromInto(Socket &sock, std::span<char> buffer,
                                                                qsizetype maxSize = 0);
    /*! Sends all of \a data, waiting for the socket to drain as often as needed. */
    Coro<void> sockSendall(Socket &sock, QByteArray data);
    /*! Sends a datagram to \a address; returns the bytes sent. */
    Coro<qsizetype> sockSendto(Socket &sock, QByteArray data, SocketAddress address);
    /*! Connects to \a address (throws e.g. ConnectionRefusedError). */
    Coro<void> sockConnect(Socket &sock, SocketAddress address);
    /*! Resolves \a host (without blocking) and connects to the first address. */
    Coro<void> sockConnect(Socket &sock, QString host, quint16 port);
    /*! Accepts a connection: the new (non-blocking) socket and the peer's address. */
    Coro<std::pair<Socket, SocketAddress>> sockAccept(Socket &sock);
    /*! Sends \a count bytes (all if unset) of \a file from \a offset with sendfile(2), or
        by reading and sending when zero-copy is unavailable (a file without a system
        descriptor, such as a Qt resource, always is) and \a fallback is true
        (NotImplementedError otherwise). Returns the bytes sent; when some were sent, the
        file position ends after them, also on error or cancellation. \a file must be an
        open regular file and \a sock a stream socket (ValueError otherwise). */
    Coro<qint64> sockSendfile(Socket &sock, QFile &file, qint64 offset = 0, std::optional<qint64> count = {},
                              bool fallback = true);

    // ---- DNS (see dns.h) --------------------------------------------------------------
    /*! Resolves \a host and \a service on the default executor (asyncio's getaddrinfo()).
        Throws GaiError on failure. */
    Coro<std::vector<AddrInfo>> getaddrinfo(QString host, QString service, AddrInfoHints hints);
    /*! Reverse-resolves \a address (asyncio's getnameinfo()); \a flags are NameInfoFlag values. */
    Coro<NameInfo> getnameinfo(SocketAddress address, int flags = 0);

    // ---- Connections and servers (see connectionoptions.h, server.h, transports.h) ----
    // The protocol factory is any callable returning std::unique_ptr<P>, P a qaio::Protocol
    // or qaio::BufferedProtocol; the connection functions return the transport and the P*
    // the factory made (owned by the transport). Implemented in eventloop_connections.cpp, eventloop_servers.cpp.
    // With g++ 12, make these calls statements of their own (docs/toolchains.md).
    /*! Opens a stream connection to \a host : \a port (asyncio's create_connection()).
        The host is resolved without blocking; every address is tried in turn (or raced,
        see ConnectionOptions::happyEyeballsDelay) and every failed socket closed. When all
        fail, the one error is thrown, or OSError("Multiple exceptions: ...") naming each
        (an ExceptionGroup with \c allErrors). Cancelling closes everything opened so far.
        Throws ValueError("host/port and sock can not be specified at the same time") if
        options.sock is set too. With options.ssl the connection is TLS (see
        net/connectionoptions.h): a failed handshake throws SslError or
        SslCertVerificationError (tls/sslerror.h), its timeout ConnectionAbortedError. */
    template <class Factory>
    Coro<Connection<detail::ProtocolOf<Factory>>> createConnection(Factory protocolFactory, QString host, quint16 port,
                                                                   ConnectionOptions options = {});
    /*! Wraps the connected stream socket options.sock. Throws ValueError("host and port
        was not specified and no sock specified") without one, ValueError("A Stream Socket
        was expected, ...") for another socket type. */
    template <class Factory>
    Coro<Connection<detail::ProtocolOf<Factory>>> createConnection(Factory protocolFactory, ConnectionOptions options);
    /*! Connects to the Unix socket at \a path (a path starting with a NUL character is a
        Linux abstract name, as in Python). Throws ValueError("path and sock can not be
        specified at the same time") if options.sock is set too. */
    template <class Factory>
    Coro<Connection<detail::ProtocolOf<Factory>>> createUnixConnection(Factory protocolFactory, QString path,
                                                                       UnixConnectionOptions options = {});
    /*! Connects to a Unix socket address (SocketAddress::fromUnixPath() or
        fromAbstractName()). */
    template <class Factory>
    Coro<Connection<detail::ProtocolOf<Factory>>> createUnixConnection(Factory protocolFactory, SocketAddress address,
                                                                       UnixConnectionOptions options = {});
    /*! Wraps the connected AF_UNIX stream socket options.sock. Throws ValueError("no path
        and sock were specified") without one. */
    template <class Factory>
    Coro<Connection<detail::ProtocolOf<Factory>>> createUnixConnection(Factory protocolFactory,
                                                                       UnixConnectionOptions options);
    /*! Wraps a socket accepted elsewhere (asyncio's connect_accepted_socket()). */
    template <class Factory>
    Coro<Connection<detail::ProtocolOf<Factory>>> connectAcceptedSocket(Factory protocolFactory, Socket sock,
                                                                        AcceptedSocketOptions options = {});
    /*! Listens on \a port of every address of \a hosts (empty: all interfaces; port 0: an
        ephemeral port, chosen per socket) and serves each connection with a protocol from
        \a protocolFactory (asyncio's create_server()). IPv6 sockets are IPV6_V6ONLY.
        Throws ValueError("host/port and sock can not be specified at the same time") with
        options.sock, OSError when no address could be bound. */
    Coro<std::shared_ptr<Server>> createServer(ProtocolFactory protocolFactory, QStringList hosts, quint16 port,
                                               ServerOptions options = {});
    /*! Serves on the bound stream socket options.sock. Throws ValueError("Neither
        host/port nor sock were specified") without one. */
    Coro<std::shared_ptr<Server>> createServer(ProtocolFactory protocolFactory, ServerOptions options);
    /*! Listens on the Unix socket \a path (a leading NUL character makes it a Linux
        abstract name). A stale socket file at \a path is removed first; any other file
        there makes it fail with OSError("Address '...' is already in use"). */
    Coro<std::shared_ptr<Server>> createUnixServer(ProtocolFactory protocolFactory, QString path,
                                                   UnixServerOptions options = {});
    /*! Serves on the bound AF_UNIX stream socket options.sock. Throws ValueError("path was
        not specified, and no sock specified") without one. */
    Coro<std::shared_ptr<Server>> createUnixServer(ProtocolFactory protocolFactory, UnixServerOptions options);
    /*! Opens a datagram endpoint (asyncio's create_datagram_endpoint()): a UDP socket, or
        a Unix datagram socket for AddressFamily::Unix or Unix addresses, bound to
        options.localAddr and connected to options.remoteAddr if given, served by a
        qaio::DatagramProtocol from \a protocolFactory. Host names are resolved without
        blocking; each (family, protocol) the addresses resolve to is tried in turn until a
        socket can be made, bound and connected. Implemented in eventloop_datagrams.cpp.
        Throws ValueError("unexpected address family") with no address and no family,
        ValueError("can not get address information") when the local and remote addresses
        have no family in common, ValueError("A datagram socket was expected, got ...") for
        a stream options.sock, ValueError("socket modifier keyword arguments can not be used
        when sock is specified. (...)") when options.sock comes with other fields, and the
        first OSError when no socket could be set up. */
    template <class Factory>
    Coro<DatagramEndpoint<detail::ProtocolOf<Factory>>> createDatagramEndpoint(Factory protocolFactory,
                                                                               DatagramEndpointOptions options = {});
    /*! Serves the read end \a fd of a pipe, FIFO, socket, PTY or character device with
        a protocol from \a protocolFactory (asyncio's connect_read_pipe(); see
        process/pipes.h: the transport takes \a fd over). Returns once connectionMade()
        has run. Throws ValueError("Pipe transport is for pipes/sockets only.") for a
        regular file or directory, ValueError for a descriptor that is not open.
        Implemented in eventloop_pipes.cpp. */
    template <class Factory>
    Coro<ReadPipeConnection<detail::ProtocolOf<Factory>>> connectReadPipe(Factory protocolFactory, qintptr fd);
    /*! The writing counterpart (asyncio's connect_write_pipe()), same rules. */
    template <class Factory>
    Coro<WritePipeConnection<detail::ProtocolOf<Factory>>> connectWritePipe(Factory protocolFactory, qintptr fd);
    /*! Runs \a program with \a arguments (argv[0] is \a program; a name without '/'
        is looked up in the PATH of the child's environment) and serves it with a
        qaio::SubprocessProtocol from \a protocolFactory (asyncio's subprocess_exec(); see
        process/subprocessoptions.h and SubprocessTransport). Returns once the pipes are
        connected and connectionMade() has run. Throws FileNotFoundError /
        PermissionError (and other OSErrors) when the program cannot be started,
        ValueError for bad options. Implemented in eventloop_subprocess.cpp. */
    template <class Factory>
    Coro<SubprocessConnection<detail::ProtocolOf<Factory>>>
    subprocessExec(Factory protocolFactory, QString program, QStringList arguments = {}, SubprocessOptions options = {});
    /*! Runs \a command with the shell (/bin/sh -c; asyncio's subprocess_shell()).
        Quoting is yours: use subprocessExec() for arguments from elsewhere. */
    template <class Factory>
    Coro<SubprocessConnection<detail::ProtocolOf<Factory>>> subprocessShell(Factory protocolFactory, QString command,
                                                                            SubprocessOptions options = {});
    /*! Sends \a count bytes (all if unset) of \a file from \a offset over \a transport
        (asyncio's loop.sendfile()): zero-copy with sendfile(2) once the transport's write
        buffer has drained (reading is paused meanwhile and other writes throw
        RuntimeError), or by reading the file and writing it with flow control when
        zero-copy is not possible and \a fallback is true. Returns the bytes sent; the
        file position ends after them. Throws RuntimeError("Transport is closing") for a
        closing transport. A TLS transport always takes the fallback (RuntimeError with
        \a fallback false). Implemented in eventloop_sendfile.cpp. */
    Coro<qint64> sendfile(Transport &transport, QFile &file, qint64 offset = 0, std::optional<qint64> count = {},
                          bool fallback = true);
    /*! Upgrades the connection of \a transport to TLS (asyncio's start_tls(): STARTTLS in
        SMTP, IMAP, LDAP, PostgreSQL). The transport's protocol becomes the protocol of the
        TLS transport returned once the handshake is done (its connectionMade() is not
        called again; its transport() is the TLS one). Do not use \a transport afterwards.

        \code
        transport->write("STARTTLS\r\n");
        // ... once the server said it is ready:
        auto upgrading = loop.startTls(transport, tlsContext, {.serverHostname = "mail.example.org"});
        std::shared_ptr<qaio::Transport> tls = co_await std::move(upgrading);
        \endcode

        Throws ValueError for a null context, a transport that is not a socket's stream
        transport, or bad options (as createConnection()'s TLS options),
        RuntimeError("startTls(): transport is closing"); the handshake's SslError,
        SslCertVerificationError or ConnectionAbortedError (timeout). A failed or cancelled
        handshake closes the connection. Implemented in eventloop_tls.cpp. */
    Coro<std::shared_ptr<Transport>> startTls(std::shared_ptr<Transport> transport,
                                              std::shared_ptr<SslContext> sslContext, StartTlsOptions options = {});

    // ---- Error handling ---------------------------------------------------------------
    // callExceptionHandler(): see LoopCore.
    void setExceptionHandler(ExceptionHandler handler) { m_exceptionHandler = std::move(handler); }
    const ExceptionHandler &getExceptionHandler() const noexcept { return m_exceptionHandler; }
    /*! Logs \a context on the \c qaio category (critical level). */
    void defaultExceptionHandler(const ExceptionContext &context) noexcept;

private:
    void reportException(const ExceptionContext &context) noexcept override;
    void reportLoopError(const detail::LoopError &error) noexcept override;

    using ErasedConnection = Connection<BaseProtocol>;
    Coro<ErasedConnection> createConnectionImpl(ProtocolFactory factory, std::optional<HostAndPort> address,
                                                ConnectionOptions options);
    Coro<ErasedConnection> createUnixConnectionImpl(ProtocolFactory factory, std::optional<SocketAddress> address,
                                                    UnixConnectionOptions options);
    Coro<ErasedConnection> connectAcceptedSocketImpl(ProtocolFactory factory, Socket sock,
                                                     AcceptedSocketOptions options);
    Coro<DatagramEndpoint<BaseProtocol>> createDatagramEndpointImpl(ProtocolFactory factory,
                                                                    DatagramEndpointOptions options);
    Coro<ErasedConnection> connectPipeImpl(ProtocolFactory factory, qintptr fd, bool write);
    Coro<SubprocessConnection<BaseProtocol>> subprocessImpl(ProtocolFactory factory, QString program,
                                                            QStringList arguments, bool shell,
                                                            SubprocessOptions options);
    void serveInspectorFromEnvironment() noexcept;
    void dropInspector() noexcept;

    std::unique_ptr<Executor> m_defaultExecutor;
    std::unique_ptr<Inspector> m_inspector;
    std::unique_ptr<RemoteInspector> m_remoteInspector;
    QString m_traceFile; // QAIO_TRACE: written when the loop goes
    ExceptionHandler m_exceptionHandler;
    bool m_inHandler = false;
    bool m_executorShutdown = false;
};

/*! The loop running on this thread. Throws RuntimeError("no running event loop"). */
QAIO_EXPORT EventLoop &getRunningLoop();
/*! The running loop, or nullptr. */
QAIO_EXPORT EventLoop *runningLoopOrNull() noexcept;

// ---- template definitions -------------------------------------------------------------

template <class T>
T EventLoop::runUntilComplete(Future<T> future)
{
    requireRunnable();
    if (!future.isValid())
        throw ValueError("runUntilComplete(): future is invalid");
    if (&future.getLoop() != this)
        throw ValueError("runUntilComplete(): the future belongs to a different loop");
    const DoneCallbackId stopper = future.addDoneCallback([](const FutureBase &f) { f.getLoop().stop(); });
    try {
        runForever();
    } catch (...) {
        future.removeDoneCallback(stopper);
        throw;
    }
    future.removeDoneCallback(stopper);
    if (!future.done())
        throw RuntimeError("Event loop stopped before Future completed.");
    if constexpr (std::is_void_v<T>) {
        future.result();
    } else {
        [[maybe_unused]] const T &value = future.result();
        // As co_await does: copy only while another handle can see the value, so that
        // move-only results (std::unique_ptr) can be returned at all.
        if constexpr (std::is_copy_constructible_v<T>) {
            if (!future.state()->soleOwner())
                return value;
        }
        return std::move(*future.typedState()->value);
    }
}

template <class T>
T EventLoop::runUntilComplete(Coro<T> coro, SourceLocation where)
{
    requireRunnable(); // before the task exists: a refused call leaves nothing scheduled
    return runUntilComplete(Future<T>(createTask(std::move(coro), QString(), where)));
}

template <class F>
auto EventLoop::runInExecutor(Executor *executor, F fn) -> Future<std::invoke_result_t<F &>>
{
    using R = std::invoke_result_t<F &>;
    Executor &target = executor ? *executor : defaultExecutor();
    Future<R> future = createFuture<R>();
    auto slot = std::make_shared<detail::ExecutorSlot<R>>();
    // The delivery handle is created (and later destroyed) on the loop's thread; the worker
    // only passes its address back through the inbox, so no loop object is touched there.
    auto *deliver = new detail::CallbackHandle<std::function<void()>>(this, SourceLocation::current(),
                                                                       [future, slot]() mutable {
        if (future.done())
            return;
        if (slot->error) {
            future.setException(slot->error);
        } else if constexpr (std::is_void_v<R>) {
            future.setResult();
        } else {
            future.setResult(std::move(*slot->value));
        }
    });
    parkHandle(deliver);
    std::shared_ptr<detail::ThreadsafeInbox> box = inbox();
    auto job = [fn = std::move(fn), slot, box, deliver]() mutable {
        try {
            if constexpr (std::is_void_v<R>) {
                fn();
                slot->value.emplace();
            } else {
                slot->value.emplace(fn());
            }
        } catch (...) {
            slot->error = std::current_exception();
        }
        detail::releaseParked(box, deliver);
    };
    try {
        target.submit(std::move(job));
    } catch (...) {
        unparkAndDrop(deliver);
        throw;
    }
    return future;
}

namespace detail {
// Gives the type-erased connection back its protocol type. Each public connection template
// below only builds the erased call (a lazy coroutine, so nothing runs yet) and hands it
// here: no co_await inside an expression with temporaries (docs/toolchains.md).
template <class P>
QAIO_CORO_NO_SANITIZE_FUNCTION Coro<Connection<P>> typedConnection(Coro<Connection<BaseProtocol>> inner)
{
    static_assert(isStreamProtocol<P>, "the protocol factory must make a qaio::Protocol or qaio::BufferedProtocol");
    auto made = co_await std::move(inner);
    co_return Connection<P>{std::move(made.transport), static_cast<P *>(made.protocol)};
}
} // namespace detail

template <class Factory>
Coro<Connection<detail::ProtocolOf<Factory>>>
EventLoop::createConnection(Factory protocolFactory, QString host, quint16 port, ConnectionOptions options)
{
    return detail::typedConnection<detail::ProtocolOf<Factory>>(createConnectionImpl(
        ProtocolFactory(std::move(protocolFactory)), HostAndPort{std::move(host), port}, std::move(options)));
}

template <class Factory>
Coro<Connection<detail::ProtocolOf<Factory>>>
EventLoop::createConnection(Factory protocolFactory, ConnectionOptions options)
{
    return detail::typedConnection<detail::ProtocolOf<Factory>>(
        createConnectionImpl(ProtocolFactory(std::move(protocolFactory)), std::nullopt, std::move(options)));
}

template <class Factory>
Coro<Connection<detail::ProtocolOf<Factory>>>
EventLoop::createUnixConnection(Factory protocolFactory, QString path, UnixConnectionOptions options)
{
    const SocketAddress address = path.startsWith(QChar(0)) ? SocketAddress::fromAbstractName(path.mid(1).toUtf8())
                                                            : SocketAddress::fromUnixPath(path);
    return createUnixConnection(std::move(protocolFactory), address, std::move(options));
}

template <class Factory>
Coro<Connection<detail::ProtocolOf<Factory>>>
EventLoop::createUnixConnection(Factory protocolFactory, SocketAddress address, UnixConnectionOptions options)
{
    return detail::typedConnection<detail::ProtocolOf<Factory>>(
        createUnixConnectionImpl(ProtocolFactory(std::move(protocolFactory)), address, std::move(options)));
}

template <class Factory>
Coro<Connection<detail::ProtocolOf<Factory>>>
EventLoop::createUnixConnection(Factory protocolFactory, UnixConnectionOptions options)
{
    return detail::typedConnection<detail::ProtocolOf<Factory>>(
        createUnixConnectionImpl(ProtocolFactory(std::move(protocolFactory)), std::nullopt, std::move(options)));
}

template <class Factory>
Coro<Connection<detail::ProtocolOf<Factory>>>
EventLoop::connectAcceptedSocket(Factory protocolFactory, Socket sock, AcceptedSocketOptions options)
{
    return detail::typedConnection<detail::ProtocolOf<Factory>>(
        connectAcceptedSocketImpl(ProtocolFactory(std::move(protocolFactory)), std::move(sock), std::move(options)));
}

namespace detail {
template <class P>
QAIO_CORO_NO_SANITIZE_FUNCTION Coro<DatagramEndpoint<P>> typedDatagramEndpoint(Coro<DatagramEndpoint<BaseProtocol>> inner)
{
    // A type-erased ProtocolFactory (P = BaseProtocol) is checked when the transport adopts
    // the protocol (ValueError); a typed factory here.
    static_assert(std::is_base_of_v<DatagramProtocol, P> || std::is_same_v<P, BaseProtocol>,
                  "the protocol factory must make a qaio::DatagramProtocol");
    auto made = co_await std::move(inner);
    co_return DatagramEndpoint<P>{std::move(made.transport), static_cast<P *>(made.protocol)};
}
} // namespace detail

template <class Factory>
Coro<DatagramEndpoint<detail::ProtocolOf<Factory>>>
EventLoop::createDatagramEndpoint(Factory protocolFactory, DatagramEndpointOptions options)
{
    return detail::typedDatagramEndpoint<detail::ProtocolOf<Factory>>(
        createDatagramEndpointImpl(ProtocolFactory(std::move(protocolFactory)), std::move(options)));
}

namespace detail {
template <class Typed, class P>
QAIO_CORO_NO_SANITIZE_FUNCTION Coro<Typed> typedPipe(Coro<Connection<BaseProtocol>> inner)
{
    static_assert(isStreamProtocol<P> || std::is_same_v<P, BaseProtocol>,
                  "the protocol factory must make a qaio::Protocol or qaio::BufferedProtocol");
    auto made = co_await std::move(inner);
    co_return Typed{std::move(made.transport), static_cast<P *>(made.protocol)};
}
} // namespace detail

template <class Factory>
Coro<ReadPipeConnection<detail::ProtocolOf<Factory>>> EventLoop::connectReadPipe(Factory protocolFactory, qintptr fd)
{
    using P = detail::ProtocolOf<Factory>;
    return detail::typedPipe<ReadPipeConnection<P>, P>(
        connectPipeImpl(ProtocolFactory(std::move(protocolFactory)), fd, false));
}

template <class Factory>
Coro<WritePipeConnection<detail::ProtocolOf<Factory>>> EventLoop::connectWritePipe(Factory protocolFactory, qintptr fd)
{
    using P = detail::ProtocolOf<Factory>;
    return detail::typedPipe<WritePipeConnection<P>, P>(
        connectPipeImpl(ProtocolFactory(std::move(protocolFactory)), fd, true));
}

namespace detail {
template <class P>
QAIO_CORO_NO_SANITIZE_FUNCTION Coro<SubprocessConnection<P>> typedSubprocess(Coro<SubprocessConnection<BaseProtocol>> inner)
{
    static_assert(std::is_base_of_v<SubprocessProtocol, P> || std::is_same_v<P, BaseProtocol>,
                  "the protocol factory must make a qaio::SubprocessProtocol");
    auto made = co_await std::move(inner);
    co_return SubprocessConnection<P>{std::move(made.transport), static_cast<P *>(made.protocol)};
}
} // namespace detail

template <class Factory>
Coro<SubprocessConnection<detail::ProtocolOf<Factory>>>
EventLoop::subprocessExec(Factory protocolFactory, QString program, QStringList arguments, SubprocessOptions options)
{
    return detail::typedSubprocess<detail::ProtocolOf<Factory>>(subprocessImpl(
        ProtocolFactory(std::move(protocolFactory)), std::move(program), std::move(arguments), false, std::move(options)));
}

template <class Factory>
Coro<SubprocessConnection<detail::ProtocolOf<Factory>>>
EventLoop::subprocessShell(Factory protocolFactory, QString command, SubprocessOptions options)
{
    return detail::typedSubprocess<detail::ProtocolOf<Factory>>(subprocessImpl(
        ProtocolFactory(std::move(protocolFactory)), std::move(command), QStringList(), true, std::move(options)));
}

/*! Schedules \a coro as a task on the running loop (asyncio.create_task()). */
template <class T>
Task<T> createTask(Coro<T> coro, const QString &name = {}, SourceLocation where = SourceLocation::current())
{
    return getRunningLoop().createTask(std::move(coro), name, where);
}

} // namespace qaio
