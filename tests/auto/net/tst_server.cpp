// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::createServer() / createUnixServer() and qaio::Server (asyncio's
// test_base_events create_server cases, test_unix_events create_unix_server, and
// test_server): hosts and ephemeral ports, socket options, close / waitClosed /
// closeClients / abortClients, serveForever and its cancellation, startServing, EMFILE
// on accept with the one-second back-off (VirtualClock), stale Unix socket files, a
// throwing protocol factory, and every argument error.
#include "looptestcase.h"
#include "nettransport_helpers.h"

#include <qaio/tls/sslcontext.h>

#include <QtCore/QFile>
#include <QtTest/QtTest>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;
using namespace nettest;

namespace {

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<void> serveForeverOf(std::shared_ptr<qaio::Server> server)
{
    co_await server->serveForever();
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<void> waitClosedOf(std::shared_ptr<qaio::Server> server)
{
    co_await server->waitClosed();
}

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<void> startServingOf(std::shared_ptr<qaio::Server> server)
{
    co_await server->startServing();
}

/*! The lowest free descriptor number: every number below it is in use, so with
    RLIMIT_NOFILE at this value no new descriptor can be made. */
int lowestFreeFd()
{
    const int probe = ::dup(0);
    ::close(probe);
    return probe;
}

} // namespace

class tst_Server : public LoopTestCase
{
    Q_OBJECT

    Clock clockFor(const QByteArray &name) const override
    {
        return name == "emfileOnAcceptBacksOffAndResumes" ? Clock::Virtual : Clock::Real;
    }
    void setUpTest() override { watchHandler(guard->loop()); }
    void tearDownTest() override { pokeHook() = nullptr; }

    std::shared_ptr<qaio::Transport> connectClient(const qaio::SocketAddress &address, std::shared_ptr<Trace> trace)
    {
        auto &loop = guard->loop();
        auto transport_protocol = loop.runUntilComplete(loop.createConnection(
            [trace] { return std::make_unique<TraceProtocol>(trace); }, address.host().toString(), address.port()));
        auto transport = std::move(transport_protocol.transport);
        return transport;
    }

    void echoThrough(const qaio::SocketAddress &address)
    {
        auto &loop = guard->loop();
        auto trace = std::make_shared<Trace>();
        auto transport = connectClient(address, trace);
        transport->write("echo");
        transport->writeEof();
        runUntil(loop, [&] { return trace->lost == 1; });
        QCOMPARE(trace->received, QByteArray("echo"));
    }

    void closeServer(const std::shared_ptr<qaio::Server> &server)
    {
        server->close();
        guard->loop().runUntilComplete(server->waitClosed());
    }

private Q_SLOTS:

    void severalHostsEphemeralPorts()
    {
        if (!ipv6LoopbackAvailable())
            QSKIP("no IPv6 loopback here");
        auto &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<EchoProtocol>(traces), {"127.0.0.1", "::1"}, 0));
        QVERIFY(server->isServing());
        QCOMPARE(server->sockets().size(), 2u);
        QSet<qaio::AddressFamily> families;
        for (const qaio::Socket &sock : server->sockets()) {
            families << sock.family();
            QVERIFY(sock.localAddress().port() != 0);
            echoThrough(sock.localAddress());
        }
        QCOMPARE(families, QSet<qaio::AddressFamily>({qaio::AddressFamily::IPv4, qaio::AddressFamily::IPv6}));
        QCOMPARE(traces->size(), 2u);
        runUntil(loop, [&] { return server->clientCount() == 0; });
        closeServer(server);
    }

    void allInterfaces()
    {
        auto &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<EchoProtocol>(traces), {}, 0));
        QVERIFY(!server->sockets().empty());
        bool sawIPv4 = false;
        for (const qaio::Socket &sock : server->sockets()) {
            const qaio::SocketAddress local = sock.localAddress();
            if (sock.family() == qaio::AddressFamily::IPv4) {
                QCOMPARE(local.host(), QHostAddress(QHostAddress::AnyIPv4));
                sawIPv4 = true;
                echoThrough({QHostAddress(QHostAddress::LocalHost), local.port()});
            } else {
                QCOMPARE(local.host(), QHostAddress(QHostAddress::AnyIPv6));
                // One socket per family: no IPv4-mapped dual stack (asyncio sets V6ONLY).
                QCOMPARE(intOption(sock.fileno(), IPPROTO_IPV6, IPV6_V6ONLY), 1);
            }
            QCOMPARE(intOption(sock.fileno(), SOL_SOCKET, SO_REUSEADDR), 1);
            QCOMPARE(intOption(sock.fileno(), SOL_SOCKET, SO_ACCEPTCONN), 1);
        }
        QVERIFY(sawIPv4);
        runUntil(loop, [&] { return server->clientCount() == 0; });
        closeServer(server);
    }

    void socketOptions()
    {
        auto &loop = guard->loop();
        auto server = loop.runUntilComplete(loop.createServer([] { return std::make_unique<TraceProtocol>(); }, {"127.0.0.1"}, 0,
                                                              {.backlog = 5, .reuseAddress = false, .reusePort = true, .keepAlive = true}));
        const qaio::Socket &sock = server->sockets().front();
        QCOMPARE(intOption(sock.fileno(), SOL_SOCKET, SO_REUSEADDR), 0);
        QCOMPARE(intOption(sock.fileno(), SOL_SOCKET, SO_REUSEPORT), 1);
        QCOMPARE(intOption(sock.fileno(), SOL_SOCKET, SO_KEEPALIVE), 1);
        // The same host twice is one socket.
        auto twice = loop.runUntilComplete(
            loop.createServer([] { return std::make_unique<TraceProtocol>(); }, {"127.0.0.1", "127.0.0.1"}, 0));
        QCOMPARE(twice->sockets().size(), 1u);
        closeServer(twice);
        closeServer(server);
    }

    void closeWaitClosedAndCloseClients_data()
    {
        QTest::addColumn<bool>("abort");
        QTest::newRow("closeClients") << false;
        QTest::newRow("abortClients") << true;
    }
    void closeWaitClosedAndCloseClients()
    {
        QFETCH(bool, abort);
        auto &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<TraceProtocol>(traces), {"127.0.0.1"}, 0));
        const qaio::SocketAddress address = server->sockets().front().localAddress();
        auto clientA = std::make_shared<Trace>(), clientB = std::make_shared<Trace>();
        auto a = connectClient(address, clientA);
        auto b = connectClient(address, clientB);
        runUntil(loop, [&] { return server->clientCount() == 2 && traces->size() == 2 && traces->at(1)->made == 1; });
        a->write(QByteArray(100, 'a'));
        qaio::Task<void> waiting = loop.createTask(waitClosedOf(server));
        server->close();
        server->close(); // idempotent
        QVERIFY(!server->isServing());
        QVERIFY(server->sockets().empty());
        // The listening socket is gone; the accepted connections stay.
        QVERIFY(expectThrow<qaio::ConnectionRefusedError>(guard->loop(),
                    loop.createConnection([] { return std::make_unique<TraceProtocol>(); }, QStringLiteral("127.0.0.1"), address.port()))
                    .contains(QStringLiteral("Connection refused")));
        loop.runUntilComplete(yieldOnce());
        QVERIFY(!waiting.done());
        QCOMPARE(server->clientCount(), 2u);
        if (abort)
            server->abortClients();
        else
            server->closeClients();
        loop.runUntilComplete(qaio::Future<void>(waiting));
        QCOMPARE(server->clientCount(), 0u);
        for (const auto &trace : *traces) {
            QCOMPARE(trace->lost, 1);
            QVERIFY(!trace->lostError);
        }
        runUntil(loop, [&] { return clientA->lost == 1 && clientB->lost == 1; });
        // waitClosed() of a closed server with no clients returns at once.
        loop.runUntilComplete(server->waitClosed());
    }

    void serveForeverUntilCancelled()
    {
        auto &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(
            loop.createServer(recordingFactory<EchoProtocol>(traces), {"127.0.0.1"}, 0, {.startServing = false}));
        QVERIFY(!server->isServing());
        const qaio::SocketAddress address = server->sockets().front().localAddress();
        // Bound but not listening: refused.
        expectThrow<qaio::ConnectionRefusedError>(guard->loop(),
            loop.createConnection([] { return std::make_unique<TraceProtocol>(); }, address.host().toString(), address.port()));
        qaio::Task<void> serving = loop.createTask(serveForeverOf(server));
        loop.runUntilComplete(yieldOnce());
        QVERIFY(server->isServing());
        QCOMPARE(expectThrow<qaio::RuntimeError>(guard->loop(), server->serveForever()),
                 QStringLiteral("server is already being awaited on serveForever()"));
        auto trace = std::make_shared<Trace>();
        auto client = connectClient(address, trace);
        runUntil(loop, [&] { return server->clientCount() == 1; });
        serving.cancel();
        loop.runUntilComplete(yieldOnce());
        // Cancelled: closed at once, but serveForever() waits for the client to go.
        QVERIFY(!server->isServing());
        QVERIFY(server->sockets().empty());
        QVERIFY(!serving.done());
        client->close();
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<void>(serving)));
        QCOMPARE(server->clientCount(), 0u);
        QCOMPARE(expectThrow<qaio::RuntimeError>(guard->loop(), server->serveForever()), QStringLiteral("server is closed"));
    }

    void closeEndsServeForever()
    {
        auto &loop = guard->loop();
        auto server = loop.runUntilComplete(loop.createServer([] { return std::make_unique<TraceProtocol>(); }, {"127.0.0.1"}, 0));
        qaio::Task<void> serving = loop.createTask(serveForeverOf(server));
        loop.runUntilComplete(yieldOnce());
        loop.callSoon([server] { server->close(); });
        // asyncio: close() cancels serve_forever()'s future, which raises CancelledError.
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<void>(serving)));
        QVERIFY(!server->isServing());
    }

    void startServingLater()
    {
        auto &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(
            loop.createServer(recordingFactory<EchoProtocol>(traces), {"127.0.0.1"}, 0, {.startServing = false}));
        QVERIFY(!server->isServing());
        QCOMPARE(intOption(server->sockets().front().fileno(), SOL_SOCKET, SO_ACCEPTCONN), 0);
        loop.runUntilComplete(startServingOf(server));
        QVERIFY(server->isServing());
        loop.runUntilComplete(startServingOf(server)); // idempotent
        echoThrough(server->sockets().front().localAddress());
        runUntil(loop, [&] { return server->clientCount() == 0; });
        closeServer(server);
    }

    void acceptsEveryPendingConnection()
    {
        auto &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<TraceProtocol>(traces), {"127.0.0.1"}, 0));
        const qaio::SocketAddress address = server->sockets().front().localAddress();
        std::vector<qaio::Socket> clients;
        for (int i = 0; i < 20; ++i) {
            clients.emplace_back(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
            ::connect(int(clients.back().fileno()), static_cast<const sockaddr *>(address.nativeData()),
                      socklen_t(address.nativeSize()));
        }
        runUntil(loop, [&] {
            return traces->size() == 20 && std::all_of(traces->begin(), traces->end(), [](const auto &t) { return t->made == 1; });
        });
        QCOMPARE(server->clientCount(), 20u);
        clients.clear();
        runUntil(loop, [&] { return server->clientCount() == 0; });
        closeServer(server);
    }

    void emfileOnAcceptBacksOffAndResumes()
    {
        // VirtualClock: the one-second back-off passes as soon as the loop idles.
        auto &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<TraceProtocol>(traces), {"127.0.0.1"}, 0));
        const qaio::SocketAddress address = server->sockets().front().localAddress();
        qaio::Socket client(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
        struct LimitRestorer
        {
            rlimit saved{};
            LimitRestorer() { ::getrlimit(RLIMIT_NOFILE, &saved); }
            ~LimitRestorer() { restore(); }
            void restore() { ::setrlimit(RLIMIT_NOFILE, &saved); }
        } limit;
        // The limit is restored as soon as the handler hears of the failed accept: the
        // sanitizers' runtime needs descriptors too (UBSan probes memory through a pipe),
        // so the window without any must stay as short as possible.
        qaio::ExceptionHandler previous = loop.getExceptionHandler();
        loop.setExceptionHandler([&limit, previous](qaio::EventLoop &l, const qaio::ExceptionContext &context) {
            if (context.message.contains(QLatin1String("out of system resource")))
                limit.restore();
            previous(l, context);
        });
        rlimit low = limit.saved;
        low.rlim_cur = rlim_t(lowestFreeFd()); // no new descriptor can be made
        QCOMPARE(::setrlimit(RLIMIT_NOFILE, &low), 0);
        guard->expectException(QStringLiteral("socket.accept() out of system resource"));
        ::connect(int(client.fileno()), static_cast<const sockaddr *>(address.nativeData()), socklen_t(address.nativeSize()));
        runUntil(loop, [&] { return !guard->handlerCalls().empty() || !traces->empty(); });
        const qaio::TimePoint failedAt = loop.time();
        limit.restore();
        QCOMPARE(traces->size(), 0u);
        QCOMPARE(guard->handlerCalls().size(), 1u);
        const qaio::ExceptionContext &context = guard->handlerCalls().front();
        QCOMPARE(context.message, QStringLiteral("socket.accept() out of system resource"));
        QCOMPARE(context.socket, server->sockets().front().fileno());
        QVERIFY(holds<qaio::OSError>(context.exception));
        QVERIFY(exceptionMessage<qaio::OSError>(context.exception).contains(QStringLiteral("[errno %1]").arg(EMFILE)));
        // The listening socket stays, the server still serves, nothing accepted yet.
        QVERIFY(server->isServing());
        QCOMPARE(server->sockets().size(), 1u);
        QCOMPARE(intOption(server->sockets().front().fileno(), SOL_SOCKET, SO_ACCEPTCONN), 1);
        QCOMPARE(traces->size(), 0u);
        // After asyncio's ACCEPT_RETRY_DELAY the pending connection is accepted.
        runUntil(loop, [&] { return traces->size() == 1 && traces->front()->made == 1; });
        QCOMPARE(loop.time() - failedAt, qaio::Duration(1s));
        QCOMPARE(guard->handlerCalls().size(), 1u);
        client.close();
        runUntil(loop, [&] { return server->clientCount() == 0; });
        closeServer(server);
    }

    void factoryErrorIsReportedAndServingGoesOn()
    {
        auto &loop = guard->loop();
        TraceList traces = makeTraceList();
        int calls = 0;
        auto echo = recordingFactory<EchoProtocol>(traces);
        auto server = loop.runUntilComplete(loop.createServer(
            [&calls, echo]() -> std::unique_ptr<qaio::BaseProtocol> {
                if (calls++ == 0)
                    throw std::runtime_error("factory failed");
                return echo();
            },
            {"127.0.0.1"}, 0));
        guard->expectException(QStringLiteral("Error on transport creation for incoming connection"));
        const qaio::SocketAddress address = server->sockets().front().localAddress();
        // The first connection is closed by the server right away.
        auto first = std::make_shared<Trace>();
        auto t1 = connectClient(address, first);
        runUntil(loop, [&] { return first->lost == 1; });
        QCOMPARE(exceptionMessage<std::runtime_error>(guard->handlerCalls().front().exception), QStringLiteral("factory failed"));
        // The next one is served.
        echoThrough(address);
        runUntil(loop, [&] { return server->clientCount() == 0; });
        closeServer(server);
    }

    void loopKeepsServerAlive()
    {
        auto &loop = guard->loop();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<EchoProtocol>(traces), {"127.0.0.1"}, 0));
        const qaio::SocketAddress address = server->sockets().front().localAddress();
        std::weak_ptr<qaio::Server> weak = server;
        server.reset();
        QVERIFY(!weak.expired());
        echoThrough(address);
        runUntil(loop, [&] { return weak.lock()->clientCount() == 0; });
        weak.lock()->close();
        QVERIFY(weak.expired()); // closed and nobody else holds it
    }

    void loopCloseClosesServers()
    {
        auto &loop = guard->loop();
        const int fds = LoopGuard::openFdCount();
        auto server = loop.runUntilComplete(loop.createServer([] { return std::make_unique<TraceProtocol>(); }, {"127.0.0.1"}, 0));
        std::weak_ptr<qaio::Server> weak = server;
        server.reset();
        // Closing the loop also closes its kernel readiness set (epoll), as asyncio's
        // close() closes its selector.
        const int reactorFds = loop.reactorStats().backend == qaio::ReactorBackend::Qt ? 0 : 1;
        loop.close();
        QVERIFY(weak.expired());
        QCOMPARE(LoopGuard::openFdCount(), fds - reactorFds);
    }

    void serverOnGivenSocket()
    {
        auto &loop = guard->loop();
        qaio::Socket sock(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
        sock.bind({QHostAddress(QHostAddress::LocalHost), 0});
        const qaio::SocketAddress address = sock.localAddress();
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createServer(recordingFactory<EchoProtocol>(traces), {.sock = std::move(sock)}));
        QCOMPARE(server->sockets().front().localAddress(), address);
        echoThrough(address);
        runUntil(loop, [&] { return server->clientCount() == 0; });
        closeServer(server);
    }

    void unixServerSocketFiles()
    {
        auto &loop = guard->loop();
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("stale.sock"));
        {
            // A server that died left its socket file behind.
            qaio::Socket dead(qaio::AddressFamily::Unix, qaio::SocketType::Stream);
            dead.bind(qaio::SocketAddress::fromUnixPath(path));
        }
        QVERIFY(QFileInfo::exists(path));
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createUnixServer(recordingFactory<EchoProtocol>(traces), path));
        auto trace = std::make_shared<Trace>();
        auto client_protocol = loop.runUntilComplete(
            loop.createUnixConnection([trace] { return std::make_unique<TraceProtocol>(trace); }, path));
        auto client = std::move(client_protocol.transport);
        client->write("unix");
        client->writeEof();
        runUntil(loop, [&] { return trace->lost == 1 && server->clientCount() == 0; });
        QCOMPARE(trace->received, QByteArray("unix"));
        closeServer(server);
        QVERIFY(!QFileInfo::exists(path)); // cleanupSocket
        // cleanupSocket = false keeps the file.
        auto kept = loop.runUntilComplete(
            loop.createUnixServer([] { return std::make_unique<TraceProtocol>(); }, path, {.cleanupSocket = false}));
        closeServer(kept);
        QVERIFY(QFileInfo::exists(path));
        // Not a socket: refused, and left alone.
        const QString regular = dir.filePath(QStringLiteral("regular"));
        {
            QFile f(regular);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("data");
        }
        const QString message = expectThrow<qaio::OSError>(guard->loop(),
            loop.createUnixServer([] { return std::make_unique<TraceProtocol>(); }, regular));
        QVERIFY2(message.contains(QStringLiteral("Address '%1' is already in use").arg(regular)), qPrintable(message));
        QVERIFY(QFileInfo::exists(regular));
        // A bound socket given by the caller.
        qaio::Socket given(qaio::AddressFamily::Unix, qaio::SocketType::Stream);
        const QString givenPath = dir.filePath(QStringLiteral("given.sock"));
        given.bind(qaio::SocketAddress::fromUnixPath(givenPath));
        auto onGiven = loop.runUntilComplete(
            loop.createUnixServer([] { return std::make_unique<TraceProtocol>(); }, {.sock = std::move(given)}));
        QVERIFY(onGiven->isServing());
        closeServer(onGiven);
        QVERIFY(!QFileInfo::exists(givenPath));
    }

    void argumentErrors()
    {
        auto &loop = guard->loop();
        auto factory = [] { return std::make_unique<TraceProtocol>(); };
        {
            qaio::Socket sock(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
            QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.createServer(factory, {"127.0.0.1"}, 0, {.sock = std::move(sock)})),
                     QStringLiteral("host/port and sock can not be specified at the same time"));
        }
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.createServer(factory, qaio::ServerOptions{})),
                 QStringLiteral("Neither host/port nor sock were specified"));
        {
            qaio::Socket udp(qaio::AddressFamily::IPv4, qaio::SocketType::Datagram);
            QVERIFY(expectThrow<qaio::ValueError>(guard->loop(), loop.createServer(factory, {.sock = std::move(udp)}))
                        .startsWith(QStringLiteral("A Stream Socket was expected, got")));
        }
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.createServer(factory, {"127.0.0.1"}, 0, {.backlog = -1})),
                 QStringLiteral("createServer(): backlog must be >= 0, got -1"));
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.createServer(factory, {"127.0.0.1"}, 0, {.sslHandshakeTimeout = 1s})),
                 QStringLiteral("sslHandshakeTimeout is only meaningful with ssl"));
        const auto server = std::make_shared<qaio::SslContext>(qaio::SslRole::Server);
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.createServer(factory, {"127.0.0.1"}, 0,
                                                                              {.ssl = server, .sslHandshakeTimeout = 0s})),
                 QStringLiteral("ssl_handshake_timeout should be a positive number, got 0"));
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.createUnixServer(factory, QStringLiteral("/tmp/x"),
                                                                                  {.ssl = server, .sslShutdownTimeout = 0s})),
                 QStringLiteral("ssl_shutdown_timeout should be a positive number, got 0"));
        {
            auto a_b = qaio::Socket::pair();
            auto a = std::move(a_b.first);
            QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.createUnixServer(factory, QStringLiteral("/tmp/x"), {.sock = std::move(a)})),
                     QStringLiteral("path and sock can not be specified at the same time"));
        }
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.createUnixServer(factory, qaio::UnixServerOptions{})),
                 QStringLiteral("path was not specified, and no sock specified"));
        {
            qaio::Socket tcp(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
            QVERIFY(expectThrow<qaio::ValueError>(guard->loop(), loop.createUnixServer(factory, {.sock = std::move(tcp)}))
                        .startsWith(QStringLiteral("A UNIX Domain Stream Socket was expected, got")));
        }
        // A port already listened on: bind fails with asyncio's message.
        auto busy = loop.runUntilComplete(loop.createServer(factory, {"127.0.0.1"}, 0));
        const quint16 port = busy->sockets().front().localAddress().port();
        const QString message = expectThrow<qaio::OSError>(guard->loop(), loop.createServer(factory, {"127.0.0.1"}, port));
        QVERIFY2(message.startsWith(QStringLiteral("error while attempting to bind on address '127.0.0.1:%1'").arg(port)),
                 qPrintable(message));
        closeServer(busy);
    }
};

QTEST_GUILESS_MAIN(tst_Server)
#include "tst_server.moc"
