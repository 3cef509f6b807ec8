// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::createConnection(), createUnixConnection(), connectAcceptedSocket()
// (asyncio's test_base_events create_connection cases and staggered tests): connecting
// by name and by socket, refused connections, combined errors, Happy Eyeballs with an
// address that never answers (a listener with a full accept queue) under a VirtualClock,
// interleaving, local addresses, cancellation without leaks, and every argument error.
#include "looptestcase.h"
#include "nettransport_helpers.h"

#include <qaio/tls/sslcontext.h>

#include <qaio/loop/detail/streamresolve_p.h>
#include <qaio/net/detail/connector_p.h>

#include <QtTest/QtTest>

#include <limits>

using namespace std::chrono_literals;
using namespace nettest;

namespace {

auto traceFactory(std::shared_ptr<Trace> trace = std::make_shared<Trace>())
{
    return [trace] { return std::make_unique<TraceProtocol>(trace); };
}

/*! An echo server on 127.0.0.1 (or ::1) plus the traces of its connections. */
struct EchoServer
{
    TraceList traces = makeTraceList();
    std::shared_ptr<qaio::Server> server;
    qaio::SocketAddress address;

    EchoServer(qaio::EventLoop &loop, const QString &host = QStringLiteral("127.0.0.1"))
    {
        server = loop.runUntilComplete(loop.createServer(recordingFactory<EchoProtocol>(traces), {host}, 0));
        address = server->sockets().front().localAddress();
    }
    void close(qaio::EventLoop &loop)
    {
        server->closeClients();
        server->close();
        loop.runUntilComplete(server->waitClosed());
    }
};

/*! Removes the resolver override when the test ends, whatever happens. */
struct ResolveOverride
{
    explicit ResolveOverride(qaio::detail::ResolveOverride f) { qaio::detail::setResolveOverrideForTesting(std::move(f)); }
    ~ResolveOverride() { qaio::detail::setResolveOverrideForTesting({}); }
};

QAIO_CORO_NO_SANITIZE_FUNCTION qaio::Coro<std::shared_ptr<qaio::Transport>>
connectOnly(qaio::EventLoop &loop, QString host, quint16 port, qaio::ConnectionOptions options)
{
    // The call is a statement of its own (docs/toolchains.md).
    auto connecting = loop.createConnection(traceFactory(), host, port, std::move(options));
    auto connection = co_await std::move(connecting);
    co_return connection.transport;
}

} // namespace

class tst_Connection : public LoopTestCase
{
    Q_OBJECT

    // A VirtualClock only where a test waits for a timer while connects stay pending
    // forever (black holes): virtual time jumps to the next timer as soon as nothing is
    // ready, without waiting for I/O, so tests with I/O that does complete use the real
    // clock and delays long enough never to expire.
    Clock clockFor(const QByteArray &name) const override
    {
        return name == "happyEyeballsStartsNextAfterDelay" || name == "cancelledConnectLeaksNothing" ? Clock::Virtual
                                                                                                       : Clock::Real;
    }
    void tearDownTest() override { pokeHook() = nullptr; }

    void finishClient(std::shared_ptr<qaio::Transport> &transport)
    {
        auto trace = static_cast<TraceProtocol *>(transport->protocol())->trace;
        transport->close();
        runUntil(guard->loop(), [&] { return trace->lost == 1; });
        transport.reset();
    }

private Q_SLOTS:

    void connectsByAddressAndReturnsTypedProtocol()
    {
        auto &loop = guard->loop();
        EchoServer echo(loop);
        auto trace = std::make_shared<Trace>();
        auto transport_protocol =
            loop.runUntilComplete(loop.createConnection(traceFactory(trace), QStringLiteral("127.0.0.1"), echo.address.port()));
        auto transport = std::move(transport_protocol.transport);
        auto protocol = transport_protocol.protocol;
        static_assert(std::is_same_v<decltype(protocol), TraceProtocol *>);
        QCOMPARE(protocol->trace, trace);
        QCOMPARE(qaio::peerAddress(*transport), echo.address);
        transport->write("ping");
        runUntil(loop, [&] { return trace->received == "ping"; });
        finishClient(transport);
        echo.close(loop);
    }

    void debugModeLogsConnections()
    {
        // asyncio logs connects and accepts in debug mode; qaio does so to qaio.debug.
        auto &loop = guard->loop();
        loop.setDebug(true);
        EchoServer echo(loop);
        auto trace = std::make_shared<Trace>();
        std::vector<MessageCapture::Message> logged;
        {
            MessageCapture capture;
            auto transport_protocol =
                loop.runUntilComplete(loop.createConnection(traceFactory(trace), QStringLiteral("127.0.0.1"), echo.address.port()));
            auto transport = std::move(transport_protocol.transport);
            runUntil(loop, [&] { return echo.traces->size() == 1; });
            finishClient(transport);
            logged = capture.messages();
        }
        echo.close(loop);
        loop.setDebug(false);
        const QString target = echo.address.toString();
        QStringList texts;
        for (const auto &m : logged)
            if (m.category == QStringLiteral("qaio.debug"))
                texts << m.text;
        const auto hasLine = [&](const QString &start, const QString &part) {
            return std::any_of(texts.begin(), texts.end(),
                               [&](const QString &t) { return t.startsWith(start) && t.contains(part); });
        };
        QVERIFY2(hasLine(QStringLiteral("connect fd "), QStringLiteral(" to %1: connected (attempt 1 of 1)").arg(target)),
                 qPrintable(texts.join(u'\n')));
        QVERIFY2(hasLine(QStringLiteral("fd "), QStringLiteral(" -> %1").arg(target)), qPrintable(texts.join(u'\n')));
        QVERIFY2(hasLine(QStringLiteral("Server fd "), QStringLiteral("got a new connection from 127.0.0.1:")),
                 qPrintable(texts.join(u'\n')));
    }

    void connectsByName()
    {
        // "localhost" goes through getaddrinfo() on the executor.
        auto &loop = guard->loop();
        EchoServer echo(loop);
        auto trace = std::make_shared<Trace>();
        auto transport_protocol = loop.runUntilComplete(loop.createConnection(
            traceFactory(trace), QStringLiteral("localhost"), echo.address.port(), {.family = qaio::AddressFamily::IPv4}));
        auto transport = std::move(transport_protocol.transport);
        QCOMPARE(qaio::peerAddress(*transport), echo.address);
        finishClient(transport);
        echo.close(loop);
    }

    void connectsOverIPv6()
    {
        if (!ipv6LoopbackAvailable())
            QSKIP("no IPv6 loopback here");
        auto &loop = guard->loop();
        EchoServer echo(loop, QStringLiteral("::1"));
        auto trace = std::make_shared<Trace>();
        auto transport_protocol =
            loop.runUntilComplete(loop.createConnection(traceFactory(trace), QStringLiteral("::1"), echo.address.port()));
        auto transport = std::move(transport_protocol.transport);
        QCOMPARE(qaio::peerAddress(*transport).family(), qaio::AddressFamily::IPv6);
        transport->write("six");
        runUntil(loop, [&] { return trace->received == "six"; });
        finishClient(transport);
        echo.close(loop);
    }

    void connectionRefused()
    {
        RefusingPort refusing;
        const QString message = expectThrow<qaio::ConnectionRefusedError>(guard->loop(),
            guard->loop().createConnection(traceFactory(), QStringLiteral("127.0.0.1"), refusing.port));
        QVERIFY2(message.contains(QStringLiteral("127.0.0.1:%1").arg(refusing.port)), qPrintable(message));
    }

    void sequentialAttemptsSkipFailures()
    {
        // Without Happy Eyeballs: one address after the other, the failed socket closed.
        auto &loop = guard->loop();
        EchoServer echo(loop);
        RefusingPort refusing;
        ResolveOverride resolve([&](const QString &, quint16) {
            return std::vector<qaio::AddrInfo>{addrInfo({QHostAddress(QHostAddress::LocalHost), refusing.port}),
                                               addrInfo(echo.address)};
        });
        const int fds = LoopGuard::openFdCount();
        auto transport_protocol =
            loop.runUntilComplete(loop.createConnection(traceFactory(), QStringLiteral("two.example"), 1));
        auto transport = std::move(transport_protocol.transport);
        QCOMPARE(qaio::peerAddress(*transport), echo.address);
        // Ours and the server's side if accepted yet: the refused socket is closed.
        QCOMPARE(LoopGuard::openFdCount(), fds + 1 + int(echo.server->clientCount()));
        finishClient(transport);
        echo.close(loop);
    }

    void combinedErrors()
    {
        RefusingPort first, second;
        ResolveOverride resolve([&](const QString &host, quint16) {
            std::vector<qaio::AddrInfo> infos{addrInfo({QHostAddress(QHostAddress::LocalHost), first.port})};
            if (host == QLatin1String("two"))
                infos.push_back(addrInfo({QHostAddress(QHostAddress::LocalHost), second.port}));
            else
                infos.push_back(infos.front()); // the same error twice
            return infos;
        });
        const QString multiple =
            expectThrow<qaio::OSError>(guard->loop(), guard->loop().createConnection(traceFactory(), QStringLiteral("two"), 1));
        QVERIFY2(multiple.startsWith(QStringLiteral("Multiple exceptions: ")), qPrintable(multiple));
        QVERIFY(multiple.contains(QStringLiteral(":%1").arg(first.port)));
        QVERIFY(multiple.contains(QStringLiteral(":%1").arg(second.port)));
        // Identical messages: asyncio raises the first error itself.
        const QString same =
            expectThrow<qaio::ConnectionRefusedError>(guard->loop(), guard->loop().createConnection(traceFactory(), QStringLiteral("same"), 1));
        QVERIFY(same.contains(QStringLiteral(":%1").arg(first.port)));
        // allErrors: every error in an ExceptionGroup.
        try {
            guard->loop().runUntilComplete(
                guard->loop().createConnection(traceFactory(), QStringLiteral("two"), 1, {.allErrors = true}));
            QFAIL("no exception");
        } catch (const qaio::ExceptionGroup &group) {
            QCOMPARE(group.exceptions().size(), 2u);
            QVERIFY(holds<qaio::ConnectionRefusedError>(group.exceptions()[0]));
            QVERIFY(holds<qaio::ConnectionRefusedError>(group.exceptions()[1]));
        }
    }

    void happyEyeballsStartsNextAfterDelay()
    {
        auto &loop = guard->loop();
        EchoServer echo(loop);
        BlackHole hole(loop);
        ResolveOverride resolve([&](const QString &, quint16) {
            return std::vector<qaio::AddrInfo>{addrInfo(hole.address), addrInfo(echo.address)};
        });
        const int fds = LoopGuard::openFdCount();
        const qaio::TimePoint start = loop.time();
        auto transport_protocol = loop.runUntilComplete(
            loop.createConnection(traceFactory(), QStringLiteral("dual.example"), 1, {.happyEyeballsDelay = 250ms}));
        auto transport = std::move(transport_protocol.transport);
        // The first address never answered: the second attempt started after exactly the
        // delay (virtual time) and won; the pending attempt's socket was closed.
        QCOMPARE(loop.time() - start, qaio::Duration(250ms));
        QCOMPARE(qaio::peerAddress(*transport), echo.address);
        QCOMPARE(LoopGuard::openFdCount(), fds + 1 + int(echo.server->clientCount()));
        finishClient(transport);
        echo.close(loop);
    }

    void happyEyeballsFailureStartsNextAtOnce_data()
    {
        QTest::addColumn<bool>("beyondTheClock");
        QTest::newRow("1 hour") << false;
        QTest::newRow("1000 years, saturated") << true;
    }

    void happyEyeballsFailureStartsNextAtOnce()
    {
        QFETCH(bool, beyondTheClock);
        const qaio::Delay delay = beyondTheClock ? qaio::Delay(std::chrono::years(1000)) : qaio::Delay(1h);
        auto &loop = guard->loop();
        EchoServer echo(loop);
        RefusingPort refusing;
        ResolveOverride resolve([&](const QString &, quint16) {
            return std::vector<qaio::AddrInfo>{addrInfo({QHostAddress(QHostAddress::LocalHost), refusing.port}),
                                               addrInfo(echo.address)};
        });
        // The delay is an hour (real clock): finishing at all proves the refusal started
        // the next attempt without waiting for it.
        const qaio::TimePoint start = loop.time();
        auto transport_protocol = loop.runUntilComplete(
            loop.createConnection(traceFactory(), QStringLiteral("dual.example"), 1, {.happyEyeballsDelay = delay}));
        auto transport = std::move(transport_protocol.transport);
        QVERIFY(loop.time() - start < qaio::Duration(1h));
        QCOMPARE(qaio::peerAddress(*transport), echo.address);
        finishClient(transport);
        echo.close(loop);
    }

    void happyEyeballsDelayNaNIsRefused()
    {
        auto &loop = guard->loop();
        const QString message = expectThrow<qaio::ValueError>(guard->loop(),
            loop.createConnection(traceFactory(), QStringLiteral("dual.example"), 1,
                                  {.happyEyeballsDelay = std::numeric_limits<double>::quiet_NaN()}));
        QCOMPARE(message, QStringLiteral("Invalid happyEyeballsDelay: NaN (not a number)"));
    }

    void happyEyeballsAllFail()
    {
        auto &loop = guard->loop();
        RefusingPort first, second;
        ResolveOverride resolve([&](const QString &, quint16) {
            return std::vector<qaio::AddrInfo>{addrInfo({QHostAddress(QHostAddress::LocalHost), first.port}),
                                               addrInfo({QHostAddress(QHostAddress::LocalHost), second.port})};
        });
        const int fds = LoopGuard::openFdCount();
        const QString message = expectThrow<qaio::OSError>(guard->loop(),
            loop.createConnection(traceFactory(), QStringLiteral("x"), 1, {.happyEyeballsDelay = 1h}));
        QVERIFY2(message.startsWith(QStringLiteral("Multiple exceptions: ")), qPrintable(message));
        QCOMPARE(LoopGuard::openFdCount(), fds);
    }

    void cancelledConnectLeaksNothing_data()
    {
        QTest::addColumn<bool>("happyEyeballs");
        QTest::newRow("sequential") << false;
        QTest::newRow("happy eyeballs, two pending") << true;
    }
    void cancelledConnectLeaksNothing()
    {
        QFETCH(bool, happyEyeballs);
        auto &loop = guard->loop();
        BlackHole hole(loop);
        BlackHole hole2(loop);
        ResolveOverride resolve([&](const QString &, quint16) {
            return std::vector<qaio::AddrInfo>{addrInfo(hole.address), addrInfo(hole2.address)};
        });
        const int fds = LoopGuard::openFdCount();
        qaio::ConnectionOptions options;
        if (happyEyeballs)
            options.happyEyeballsDelay = 100ms;
        qaio::Task<std::shared_ptr<qaio::Transport>> task =
            loop.createTask(connectOnly(loop, QStringLiteral("nowhere"), 1, std::move(options)));
        // Let it start connecting (and, with Happy Eyeballs, start the second attempt).
        qaio::Future<void> started = loop.createFuture<void>();
        loop.callLater(happyEyeballs ? 150ms : 1ms, [&] { started.setResult(); });
        loop.runUntilComplete(started);
        QCOMPARE(LoopGuard::openFdCount(), fds + (happyEyeballs ? 2 : 1));
        task.cancel();
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<std::shared_ptr<qaio::Transport>>(task)));
        QCOMPARE(LoopGuard::openFdCount(), fds);
        QCOMPARE(loop.scheduledCallbackCount(), 0u);
    }

    void interleaveOrdersFamilies()
    {
        const qaio::SocketAddress a6({QHostAddress(QStringLiteral("::1")), 1}), b6({QHostAddress(QStringLiteral("::1")), 2}),
            c6({QHostAddress(QStringLiteral("::1")), 3});
        const qaio::SocketAddress a4({QHostAddress(QHostAddress::LocalHost), 1}), b4({QHostAddress(QHostAddress::LocalHost), 2});
        const std::vector<qaio::AddrInfo> infos{addrInfo(a6), addrInfo(b6), addrInfo(c6), addrInfo(a4), addrInfo(b4)};
        auto ports = [](const std::vector<qaio::AddrInfo> &list) {
            QStringList out;
            for (const qaio::AddrInfo &i : list)
                out << QStringLiteral("%1%2").arg(i.family == qaio::AddressFamily::IPv6 ? "v6:" : "v4:").arg(i.address.port());
            return out;
        };
        QCOMPARE(ports(qaio::detail::interleaveAddrInfos(infos, 1)), QStringList({"v6:1", "v4:1", "v6:2", "v4:2", "v6:3"}));
        QCOMPARE(ports(qaio::detail::interleaveAddrInfos(infos, 2)), QStringList({"v6:1", "v6:2", "v4:1", "v6:3", "v4:2"}));
        QCOMPARE(ports(qaio::detail::interleaveAddrInfos(infos, 9)), QStringList({"v6:1", "v6:2", "v6:3", "v4:1", "v4:2"}));
    }

    void interleaveAppliesToAttempts_data()
    {
        QTest::addColumn<bool>("happyEyeballs");
        QTest::addColumn<int>("interleave");
        QTest::addColumn<QString>("order");
        QTest::newRow("no interleave") << false << 0 << QStringLiteral("4a,4b,6");
        QTest::newRow("interleave 1") << false << 1 << QStringLiteral("4a,6,4b");
        QTest::newRow("interleave 2") << false << 2 << QStringLiteral("4a,4b,6");
        QTest::newRow("happy eyeballs interleaves by default") << true << -1 << QStringLiteral("4a,6,4b");
    }
    void interleaveAppliesToAttempts()
    {
        // Every attempt is refused; the ExceptionGroup lists the errors in attempt order.
        QFETCH(bool, happyEyeballs);
        QFETCH(int, interleave);
        QFETCH(QString, order);
        if (!ipv6LoopbackAvailable())
            QSKIP("no IPv6 loopback here");
        RefusingPort a, b;
        qaio::Socket holder6(qaio::AddressFamily::IPv6, qaio::SocketType::Stream);
        holder6.bind({QHostAddress(QStringLiteral("::1")), 0});
        const qaio::SocketAddress refused6 = holder6.localAddress();
        const qaio::SocketAddress refused4a({QHostAddress(QHostAddress::LocalHost), a.port});
        const qaio::SocketAddress refused4b({QHostAddress(QHostAddress::LocalHost), b.port});
        ResolveOverride resolve([&](const QString &, quint16) {
            return std::vector<qaio::AddrInfo>{addrInfo(refused4a), addrInfo(refused4b), addrInfo(refused6)};
        });
        qaio::ConnectionOptions options;
        options.allErrors = true;
        if (interleave >= 0)
            options.interleave = interleave;
        if (happyEyeballs)
            options.happyEyeballsDelay = 1h;
        try {
            guard->loop().runUntilComplete(guard->loop().createConnection(traceFactory(), QStringLiteral("mixed"), 1, std::move(options)));
            QFAIL("no exception");
        } catch (const qaio::ExceptionGroup &group) {
            QStringList seen;
            for (const std::exception_ptr &e : group.exceptions()) {
                const QString m = exceptionMessage<qaio::OSError>(e);
                seen << (m.contains(refused6.toString()) ? QStringLiteral("6")
                         : m.contains(refused4a.toString()) ? QStringLiteral("4a")
                                                            : QStringLiteral("4b"));
            }
            QCOMPARE(seen.join(QLatin1Char(',')), order);
        }
    }

    void localAddress()
    {
        auto &loop = guard->loop();
        EchoServer echo(loop);
        qaio::Socket reserved(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
        reserved.bind({QHostAddress(QHostAddress::LocalHost), 0});
        const quint16 localPort = reserved.localAddress().port();
        reserved.close();
        auto transport_protocol = loop.runUntilComplete(loop.createConnection(
            traceFactory(), QStringLiteral("127.0.0.1"), echo.address.port(),
            {.localAddr = qaio::HostAndPort{QStringLiteral("127.0.0.1"), localPort}}));
        auto transport = std::move(transport_protocol.transport);
        QCOMPARE(qaio::localAddress(*transport), qaio::SocketAddress(QHostAddress(QHostAddress::LocalHost), localPort));
        finishClient(transport);
        echo.close(loop);
        if (ipv6LoopbackAvailable()) {
            const QString message = expectThrow<qaio::OSError>(guard->loop(), loop.createConnection(
                traceFactory(), QStringLiteral("127.0.0.1"), echo.address.port(),
                {.localAddr = qaio::HostAndPort{QStringLiteral("::1"), 0}}));
            QCOMPARE(message, QStringLiteral("no matching local address with family=IPv4 found"));
        }
    }

    void connectsExistingSocket()
    {
        // asyncio's docs: "Register an open socket to wait for data using a protocol".
        auto &loop = guard->loop();
        auto rsock_wsock = qaio::Socket::pair();
        auto rsock = std::move(rsock_wsock.first);
        auto wsock = std::move(rsock_wsock.second);
        const qintptr fd = rsock.fileno();
        auto trace = std::make_shared<Trace>();
        auto transport_protocol = loop.runUntilComplete(loop.createConnection(traceFactory(trace), {.sock = std::move(rsock)}));
        auto transport = std::move(transport_protocol.transport);
        QCOMPARE(qaio::socketDescriptor(*transport), fd);
        wsock.send("abc");
        wsock.close();
        runUntil(loop, [&] { return trace->lost == 1; });
        QCOMPARE(trace->received, QByteArray("abc"));
        QCOMPARE(trace->compact(), QStringList({"made", "data", "eof", "lost"}));
    }

    void connectAcceptedSocket()
    {
        auto &loop = guard->loop();
        qaio::Socket listener(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
        listener.bind({QHostAddress(QHostAddress::LocalHost), 0});
        listener.listen();
        qaio::Socket client(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
        loop.runUntilComplete(loop.sockConnect(client, listener.localAddress()));
        auto accepted_peer = loop.runUntilComplete(loop.sockAccept(listener));
        auto accepted = std::move(accepted_peer.first);
        auto peer = std::move(accepted_peer.second);
        auto trace = std::make_shared<Trace>();
        auto transport_protocol = loop.runUntilComplete(loop.connectAcceptedSocket(
            [trace] { return std::make_unique<EchoProtocol>(trace); }, std::move(accepted)));
        auto transport = std::move(transport_protocol.transport);
        QCOMPARE(qaio::peerAddress(*transport), peer);
        loop.runUntilComplete(loop.sockSendall(client, "echo"));
        const QByteArray echoed = loop.runUntilComplete(loop.sockRecv(client, 16));
        QCOMPARE(echoed, QByteArray("echo"));
        client.close();
        runUntil(loop, [&] { return trace->lost == 1; });
    }

    void unixConnections()
    {
        auto &loop = guard->loop();
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("echo.sock"));
        TraceList traces = makeTraceList();
        auto server = loop.runUntilComplete(loop.createUnixServer(recordingFactory<EchoProtocol>(traces), path));
        auto trace = std::make_shared<Trace>();
        auto transport_protocol = loop.runUntilComplete(loop.createUnixConnection(traceFactory(trace), path));
        auto transport = std::move(transport_protocol.transport);
        QCOMPARE(qaio::peerAddress(*transport).path(), path);
        transport->write("over unix");
        runUntil(loop, [&] { return trace->received == "over unix"; });
        finishClient(transport);
        // Abstract names, by SocketAddress and by Python's leading NUL.
        const QByteArray name = QByteArray("qaio-test-") + QByteArray::number(QCoreApplication::applicationPid());
        auto abstractServer = loop.runUntilComplete(
            loop.createUnixServer(recordingFactory<EchoProtocol>(traces), QString(QChar(0)) + QString::fromUtf8(name)));
        auto t2_p2 = loop.runUntilComplete(
            loop.createUnixConnection(traceFactory(), qaio::SocketAddress::fromAbstractName(name)));
        auto t2 = std::move(t2_p2.transport);
        QVERIFY(qaio::peerAddress(*t2).isAbstract());
        finishClient(t2);
        auto t3_p3 = loop.runUntilComplete(loop.createUnixConnection(traceFactory(), QString(QChar(0)) + QString::fromUtf8(name)));
        auto t3 = std::move(t3_p3.transport);
        finishClient(t3);
        // An existing socket.
        auto a_b = qaio::Socket::pair();
        auto a = std::move(a_b.first);
        auto t4_p4 = loop.runUntilComplete(loop.createUnixConnection(traceFactory(), {.sock = std::move(a)}));
        auto t4 = std::move(t4_p4.transport);
        finishClient(t4);
        // Nothing there.
        expectThrow<qaio::FileNotFoundError>(guard->loop(), loop.createUnixConnection(traceFactory(), dir.filePath(QStringLiteral("none"))));
        server->close();
        abstractServer->close();
        loop.runUntilComplete(server->waitClosed());
        loop.runUntilComplete(abstractServer->waitClosed());
    }

    void factoryErrorsPropagateAndCloseTheSocket()
    {
        auto &loop = guard->loop();
        EchoServer echo(loop);
        const int fds = LoopGuard::openFdCount();
        const QString message = expectThrow<std::runtime_error>(guard->loop(), loop.createConnection(
            []() -> std::unique_ptr<TraceProtocol> { throw std::runtime_error("factory failed"); }, QStringLiteral("127.0.0.1"),
            echo.address.port()));
        QCOMPARE(message, QStringLiteral("factory failed"));
        const QString null = expectThrow<qaio::ValueError>(guard->loop(), loop.createConnection(
            []() { return std::unique_ptr<TraceProtocol>(); }, QStringLiteral("127.0.0.1"), echo.address.port()));
        QVERIFY(null.contains(QStringLiteral("null protocol")));
        echo.close(loop);
        QCOMPARE(LoopGuard::openFdCount(), fds - 1); // the listening socket too
    }

    void argumentErrors()
    {
        auto &loop = guard->loop();
        auto sockPair = [] { return qaio::Socket::pair(); };
        {
            auto a_b = sockPair();
            auto a = std::move(a_b.first);
            auto b = std::move(a_b.second);
            QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(),
                         loop.createConnection(traceFactory(), QStringLiteral("127.0.0.1"), 1, {.sock = std::move(a)})),
                     QStringLiteral("host/port and sock can not be specified at the same time"));
        }
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.createConnection(traceFactory(), qaio::ConnectionOptions{})),
                 QStringLiteral("host and port was not specified and no sock specified"));
        {
            auto a_b = qaio::Socket::pair(qaio::SocketType::Datagram);
            auto a = std::move(a_b.first);
            auto b = std::move(a_b.second);
            const QString m = expectThrow<qaio::ValueError>(guard->loop(), loop.createConnection(traceFactory(), {.sock = std::move(a)}));
            QVERIFY2(m.startsWith(QStringLiteral("A Stream Socket was expected, got <qaio::Socket fd=")), qPrintable(m));
            QVERIFY(m.contains(QStringLiteral("type=Datagram")));
        }
        {
            auto a_b = qaio::Socket::pair(qaio::SocketType::Datagram);
            auto a = std::move(a_b.first);
            auto b = std::move(a_b.second);
            const QString m = expectThrow<qaio::ValueError>(guard->loop(), loop.connectAcceptedSocket(traceFactory(), std::move(a)));
            QVERIFY2(m.startsWith(QStringLiteral("A Stream Socket was expected")), qPrintable(m));
        }
        {
            auto a_b = sockPair();
            auto a = std::move(a_b.first);
            auto b = std::move(a_b.second);
            QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(),
                         loop.createUnixConnection(traceFactory(), QStringLiteral("/tmp/x.sock"), {.sock = std::move(a)})),
                     QStringLiteral("path and sock can not be specified at the same time"));
        }
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.createUnixConnection(traceFactory(), qaio::UnixConnectionOptions{})),
                 QStringLiteral("no path and sock were specified"));
        {
            qaio::Socket tcp(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
            const QString m = expectThrow<qaio::ValueError>(guard->loop(), loop.createUnixConnection(traceFactory(), {.sock = std::move(tcp)}));
            QVERIFY2(m.startsWith(QStringLiteral("A UNIX Domain Stream Socket was expected")), qPrintable(m));
        }
        QVERIFY(!expectThrow<qaio::ValueError>(guard->loop(), loop.createUnixConnection(traceFactory(), qaio::SocketAddress(
                                                                                               QHostAddress(QHostAddress::LocalHost), 1)))
                     .startsWith(QStringLiteral("NO EXCEPTION")));
        // TLS options: asyncio's checks (TLS itself: tests/auto/tls).
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.createConnection(traceFactory(), QStringLiteral("127.0.0.1"), 1,
                                                                     {.serverHostname = QStringLiteral("example.org")})),
                 QStringLiteral("serverHostname is only meaningful with ssl"));
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(),
                     loop.createConnection(traceFactory(), QStringLiteral("127.0.0.1"), 1, {.sslHandshakeTimeout = 1s})),
                 QStringLiteral("sslHandshakeTimeout is only meaningful with ssl"));
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(),
                     loop.createConnection(traceFactory(), QStringLiteral("127.0.0.1"), 1, {.sslShutdownTimeout = 1s})),
                 QStringLiteral("sslShutdownTimeout is only meaningful with ssl"));
        const auto client = std::make_shared<qaio::SslContext>(qaio::SslRole::Client);
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(),
                     loop.createUnixConnection(traceFactory(), QStringLiteral("/tmp/x.sock"), {.ssl = client})),
                 QStringLiteral("you have to pass serverHostname when using ssl"));
        {
            auto a_b = sockPair();
            auto a = std::move(a_b.first);
            const auto server = std::make_shared<qaio::SslContext>(qaio::SslRole::Server);
            QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.connectAcceptedSocket(traceFactory(), std::move(a),
                                                                                             {.ssl = server, .sslShutdownTimeout = -1s})),
                     QStringLiteral("ssl_shutdown_timeout should be a positive number, got -1"));
        }
        QCOMPARE(expectThrow<qaio::ValueError>(guard->loop(), loop.createConnection(traceFactory(), QStringLiteral("127.0.0.1"), 1,
                                                                     {.happyEyeballsDelay = -1ms})),
                 QStringLiteral("createConnection(): happyEyeballsDelay must be >= 0"));
    }
};

QTEST_GUILESS_MAIN(tst_Connection)
#include "tst_connection.moc"
