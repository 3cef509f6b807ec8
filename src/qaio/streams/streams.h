// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file streams.h
    Streams: asyncio's high-level network layer (asyncio/streams.py): open a connection,
    or serve one, and get a StreamReader and a StreamWriter instead of writing a protocol.

    \list
    \li openConnection() / openUnixConnection(): connect and return {reader, writer}.
    \li startServer() / startUnixServer(): serve; for every accepted connection the
        \c clientConnected callable is called with the connection's reader and writer.
    \endlist

    They run on the running loop (getRunningLoop(): call them from a task) and take the
    same options as the loop's createConnection(), createServer() and Unix variants
    (connectionoptions.h, server.h), plus StreamOptions (the readers' limit).

    \c clientConnected is any callable taking \c{(std::shared_ptr<StreamReader>,
    std::shared_ptr<StreamWriter>)} and returning either \c{Coro<void>}, which runs as a
    new task per connection, or \c void (it is then called inside the protocol's
    connectionMade()). An exception escaping the task goes to the loop's exception
    handler ("Unhandled exception in client_connected_cb") and the connection is closed;
    cancelling the task closes it too. The callable stays alive as long as one of its
    tasks runs, so a coroutine lambda may use its captures.

    \code
    // A line-echo server and a client for it.
    auto handle = [](std::shared_ptr<qaio::StreamReader> reader,
                     std::shared_ptr<qaio::StreamWriter> writer) -> qaio::Coro<void> {
        for (;;) {
            QByteArray line = co_await reader->readline();
            if (line.isEmpty())
                break;                       // EOF
            writer->write(line);
            co_await writer->drain();
        }
        writer->close();
        co_await writer->waitClosed();
    };
    auto starting = qaio::startServer(handle, QStringLiteral("127.0.0.1"), 8888);
    std::shared_ptr<qaio::Server> server = co_await std::move(starting);

    auto [reader, writer] = co_await qaio::openConnection("127.0.0.1", 8888);
    writer->write("ping\n");
    QByteArray pong = co_await reader->readline();   // "ping\n"
    writer->close();
    co_await writer->waitClosed();
    \endcode

    With g++ 12, make the call a statement of its own, as above, when its arguments hold
    lambdas, designated initializers or braced lists (docs/toolchains.md).

    Errors: everything createConnection(), createServer() and their Unix variants throw
    (OSError subclasses, ValueError for conflicting options, SslError for a failed TLS
    handshake with \c ssl set), RuntimeError when no loop is running, and
    ValueError("Limit cannot be <= 0") for a bad StreamOptions::limit.
*/

#include <qaio/net/connectionoptions.h>
#include <qaio/tasks/coro.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/net/server.h>
#include <qaio/streams/streamreader.h>
#include <qaio/streams/streamwriter.h>

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

namespace qaio {

/*! What the stream functions add to the connection and server options. */
struct StreamOptions
{
    /*! The StreamReader's buffer limit (asyncio's \c limit, 64 KiB by default). */
    qsizetype limit = StreamReader::DefaultLimit;
};

/*! A connection's two ends, as returned by openConnection(); use structured bindings:
    \c{auto [reader, writer] = co_await qaio::openConnection(host, port);} */
struct StreamPair
{
    std::shared_ptr<StreamReader> reader;
    std::shared_ptr<StreamWriter> writer;
};

/*! A callable accepted as startServer()'s clientConnected. */
template <class F>
concept ClientConnectedCallable =
    std::invocable<F &, std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter>> &&
    (std::is_void_v<std::invoke_result_t<F &, std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter>>> ||
     std::is_same_v<std::invoke_result_t<F &, std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter>>, Coro<void>>);

namespace detail {
/*! The server's client-connected callback, type-erased: a coroutine to run as a task,
    or nothing when the user's callable returns void. */
using ClientConnected =
    std::function<std::optional<Coro<void>>(std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter>)>;
/*! Shared by every connection of a server. A coroutine lambda's frame refers to the
    lambda object (its captures), so the callable must outlive every task it started. */
using ClientConnectedPtr = std::shared_ptr<const ClientConnected>;

template <class F>
ClientConnectedPtr eraseClientConnected(F callable)
{
    using Result = std::invoke_result_t<F &, std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter>>;
    return std::make_shared<const ClientConnected>(
        [callable = std::move(callable)](std::shared_ptr<StreamReader> reader,
                                         std::shared_ptr<StreamWriter> writer) mutable -> std::optional<Coro<void>> {
            if constexpr (std::is_void_v<Result>) {
                callable(std::move(reader), std::move(writer));
                return std::nullopt;
            } else {
                return callable(std::move(reader), std::move(writer));
            }
        });
}

QAIO_EXPORT Coro<std::shared_ptr<Server>> startServerImpl(ClientConnectedPtr clientConnected,
                                                          std::optional<QStringList> hosts, quint16 port,
                                                          ServerOptions options, StreamOptions streamOptions);
QAIO_EXPORT Coro<std::shared_ptr<Server>> startUnixServerImpl(ClientConnectedPtr clientConnected,
                                                              std::optional<QString> path, UnixServerOptions options,
                                                              StreamOptions streamOptions);
} // namespace detail

/*! Connects to \a host : \a port (asyncio's open_connection()) with
    EventLoop::createConnection() and the given \a options; returns the connection's
    reader (limit from \a streamOptions) and writer. */
QAIO_EXPORT Coro<StreamPair> openConnection(QString host, quint16 port, ConnectionOptions options = {},
                                            StreamOptions streamOptions = {});
/*! Wraps the connected stream socket \a options.sock (asyncio's open_connection(sock=...)). */
QAIO_EXPORT Coro<StreamPair> openConnection(ConnectionOptions options, StreamOptions streamOptions = {});
/*! Connects to the Unix socket at \a path (asyncio's open_unix_connection()); a leading
    NUL character makes it a Linux abstract name. */
QAIO_EXPORT Coro<StreamPair> openUnixConnection(QString path, UnixConnectionOptions options = {},
                                                StreamOptions streamOptions = {});
/*! Wraps the connected AF_UNIX stream socket \a options.sock. */
QAIO_EXPORT Coro<StreamPair> openUnixConnection(UnixConnectionOptions options, StreamOptions streamOptions = {});

/*! Serves on \a port of every address of \a hosts (empty: all interfaces) with
    EventLoop::createServer(); each connection calls \a clientConnected with its reader
    and writer (asyncio's start_server()). */
template <ClientConnectedCallable F>
Coro<std::shared_ptr<Server>> startServer(F clientConnected, QStringList hosts, quint16 port,
                                          ServerOptions options = {}, StreamOptions streamOptions = {})
{
    return detail::startServerImpl(detail::eraseClientConnected(std::move(clientConnected)), std::move(hosts), port,
                                   std::move(options), streamOptions);
}
/*! As above, on one host (a name or an address literal). */
template <ClientConnectedCallable F>
Coro<std::shared_ptr<Server>> startServer(F clientConnected, const QString &host, quint16 port,
                                          ServerOptions options = {}, StreamOptions streamOptions = {})
{
    return detail::startServerImpl(detail::eraseClientConnected(std::move(clientConnected)), QStringList{host}, port,
                                   std::move(options), streamOptions);
}
/*! Serves on the bound stream socket \a options.sock. */
template <ClientConnectedCallable F>
Coro<std::shared_ptr<Server>> startServer(F clientConnected, ServerOptions options, StreamOptions streamOptions = {})
{
    return detail::startServerImpl(detail::eraseClientConnected(std::move(clientConnected)), std::nullopt, 0,
                                   std::move(options), streamOptions);
}
/*! Serves on the Unix socket \a path (asyncio's start_unix_server()); see
    EventLoop::createUnixServer() for stale socket files and abstract names. */
template <ClientConnectedCallable F>
Coro<std::shared_ptr<Server>> startUnixServer(F clientConnected, QString path, UnixServerOptions options = {},
                                              StreamOptions streamOptions = {})
{
    return detail::startUnixServerImpl(detail::eraseClientConnected(std::move(clientConnected)), std::move(path),
                                       std::move(options), streamOptions);
}
/*! Serves on the bound AF_UNIX stream socket \a options.sock. */
template <ClientConnectedCallable F>
Coro<std::shared_ptr<Server>> startUnixServer(F clientConnected, UnixServerOptions options,
                                              StreamOptions streamOptions = {})
{
    return detail::startUnixServerImpl(detail::eraseClientConnected(std::move(clientConnected)), std::nullopt,
                                       std::move(options), streamOptions);
}

} // namespace qaio
