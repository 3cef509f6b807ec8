// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/streams/streams.h>

#include <qaio/streams/detail/streamreaderprotocol_p.h>
#include <qaio/loop/eventloop.h>
#include <qaio/loop/policy.h>
#include <qaio/core/transports.h>

namespace qaio {

namespace {

/*! Makes the reader and its protocol before connecting: asyncio validates the limit
    before any socket is opened, and the factory then only hands the protocol over. */
struct PendingStream
{
    std::shared_ptr<StreamReader> reader;
    std::unique_ptr<detail::StreamReaderProtocol> protocol;
    detail::StreamReaderProtocol *raw = nullptr;

    PendingStream(EventLoop &loop, const StreamOptions &options)
        : reader(std::make_shared<StreamReader>(options.limit, &loop)),
          protocol(std::make_unique<detail::StreamReaderProtocol>(loop, reader)),
          raw(protocol.get())
    {
    }

    /*! The protocol factory; createConnection() calls it once, for the connected socket. */
    auto factory()
    {
        return [this]() -> std::unique_ptr<detail::StreamReaderProtocol> {
            if (!protocol)
                throw RuntimeError("stream protocol factory called twice");
            return std::move(protocol);
        };
    }

    StreamPair finish(const std::shared_ptr<Transport> &transport)
    {
        auto writer = std::make_shared<StreamWriter>(transport, raw->flowControl(), reader);
        return StreamPair{std::move(reader), std::move(writer)};
    }
};

ProtocolFactory serverFactory(EventLoop &loop, detail::ClientConnectedPtr clientConnected, StreamOptions options)
{
    // Checked now rather than on the first connection, where it could only be logged.
    if (options.limit <= 0)
        throw ValueError("Limit cannot be <= 0");
    return [&loop, clientConnected = std::move(clientConnected), options]() -> std::unique_ptr<BaseProtocol> {
        auto reader = std::make_shared<StreamReader>(options.limit, &loop);
        return std::make_unique<detail::StreamReaderProtocol>(loop, std::move(reader), clientConnected);
    };
}

} // namespace

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<StreamPair> openConnection(QString host, quint16 port, ConnectionOptions options,
                                                               StreamOptions streamOptions)
{
    EventLoop &loop = getRunningLoop();
    PendingStream pending(loop, streamOptions);
    auto connecting = loop.createConnection(pending.factory(), std::move(host), port, std::move(options));
    auto connection = co_await std::move(connecting);
    co_return pending.finish(connection.transport);
}

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<StreamPair> openConnection(ConnectionOptions options, StreamOptions streamOptions)
{
    EventLoop &loop = getRunningLoop();
    PendingStream pending(loop, streamOptions);
    auto connecting = loop.createConnection(pending.factory(), std::move(options));
    auto connection = co_await std::move(connecting);
    co_return pending.finish(connection.transport);
}

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<StreamPair> openUnixConnection(QString path, UnixConnectionOptions options,
                                                                   StreamOptions streamOptions)
{
    EventLoop &loop = getRunningLoop();
    PendingStream pending(loop, streamOptions);
    auto connecting = loop.createUnixConnection(pending.factory(), std::move(path), std::move(options));
    auto connection = co_await std::move(connecting);
    co_return pending.finish(connection.transport);
}

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<StreamPair> openUnixConnection(UnixConnectionOptions options,
                                                                   StreamOptions streamOptions)
{
    EventLoop &loop = getRunningLoop();
    PendingStream pending(loop, streamOptions);
    auto connecting = loop.createUnixConnection(pending.factory(), std::move(options));
    auto connection = co_await std::move(connecting);
    co_return pending.finish(connection.transport);
}

namespace detail {

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<std::shared_ptr<Server>>
startServerImpl(ClientConnectedPtr clientConnected, std::optional<QStringList> hosts, quint16 port,
                ServerOptions options, StreamOptions streamOptions)
{
    EventLoop &loop = getRunningLoop();
    ProtocolFactory factory = serverFactory(loop, std::move(clientConnected), streamOptions);
    if (hosts) {
        auto starting = loop.createServer(std::move(factory), std::move(*hosts), port, std::move(options));
        co_return co_await std::move(starting);
    }
    auto starting = loop.createServer(std::move(factory), std::move(options));
    co_return co_await std::move(starting);
}

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<std::shared_ptr<Server>>
startUnixServerImpl(ClientConnectedPtr clientConnected, std::optional<QString> path, UnixServerOptions options,
                    StreamOptions streamOptions)
{
    EventLoop &loop = getRunningLoop();
    ProtocolFactory factory = serverFactory(loop, std::move(clientConnected), streamOptions);
    if (path) {
        auto starting = loop.createUnixServer(std::move(factory), std::move(*path), std::move(options));
        co_return co_await std::move(starting);
    }
    auto starting = loop.createUnixServer(std::move(factory), std::move(options));
    co_return co_await std::move(starting);
}

} // namespace detail

} // namespace qaio
