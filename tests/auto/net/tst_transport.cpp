// Copyright (c) qaio authors. Licensed under the MIT license.
// The stream socket transport and its protocols (asyncio's test_selector_events /
// test_sock_lowlevel transport cases): call order, echo over TCP (IPv4, IPv6) and Unix
// sockets, BufferedProtocol, writelines, flow control, pause/resume reading, half-close,
// peer reset, writes after close, close vs abort, re-entrant close/abort, extraInfo,
// protocol errors, setProtocol, loop close.
#include "looptestcase.h"
#include "nettransport_helpers.h"

#include <QtTest/QtTest>

#include <sys/socket.h>

using namespace std::chrono_literals;
using namespace nettest;

namespace {

enum class Kind { IPv4, IPv6, Unix };

/*! Writes `total` bytes in chunks while not paused; closes when everything is written. */
class Producer : public TraceProtocol
{
public:
    Producer(std::shared_ptr<Trace> trace, QByteArray payload, qsizetype chunk)
        : TraceProtocol(std::move(trace)), payload(std::move(payload)), chunk(chunk)
    {
        onPause = [this](TraceProtocol &) {
            paused = true;
            bufferAtPause = transport->writeBufferSize();
        };
        onResume = [this](TraceProtocol &) {
            paused = false;
            bufferAtResume = transport->writeBufferSize();
            produce();
        };
    }
    void produce()
    {
        while (!paused && offset < payload.size()) {
            const qsizetype n = std::min(chunk, payload.size() - offset);
            transport->write(payload.mid(offset, n));
            offset += n;
            maxBuffer = std::max(maxBuffer, transport->writeBufferSize());
        }
        if (offset == payload.size() && !closed) {
            closed = true;
            transport->close();
        }
    }
    QByteArray payload;
    qsizetype chunk;
    qsizetype offset = 0;
    qsizetype maxBuffer = 0;
    qsizetype bufferAtPause = -1;
    qsizetype bufferAtResume = -1;
    bool paused = false;
    bool closed = false;
};

class ThrowingProtocol : public TraceProtocol
{
public:
    using TraceProtocol::TraceProtocol;
    void dataReceived(QByteArrayView data) override
    {
        TraceProtocol::dataReceived(data);
        throw std::runtime_error("boom in dataReceived");
    }
};

class ThrowOnMadeProtocol : public TraceProtocol
{
public:
    using TraceProtocol::TraceProtocol;
    void connectionMade(qaio::BaseTransport &t) override
    {
        TraceProtocol::connectionMade(t);
        throw std::runtime_error("boom in connectionMade");
    }
};

} // namespace

class tst_Transport : public LoopTestCase
{
    Q_OBJECT

    void setUpTest() override { watchHandler(guard->loop()); }
    void tearDownTest() override { pokeHook() = nullptr; }
    QTemporaryDir tmp;

    std::shared_ptr<qaio::Server> startServer(Kind kind, qaio::ProtocolFactory factory)
    {
        auto &loop = guard->loop();
        switch (kind) {
        case Kind::IPv4:
            return loop.runUntilComplete(loop.createServer(std::move(factory), {QStringLiteral("127.0.0.1")}, 0));
        case Kind::IPv6:
            return loop.runUntilComplete(loop.createServer(std::move(factory), {QStringLiteral("::1")}, 0));
        case Kind::Unix:
            return loop.runUntilComplete(loop.createUnixServer(std::move(factory), tmp.filePath(QStringLiteral("t.sock"))));
        }
        return {};
    }

    template <class Factory>
    auto connectTo(Kind kind, const std::shared_ptr<qaio::Server> &server, Factory factory)
    {
        auto &loop = guard->loop();
        const qaio::SocketAddress address = server->sockets().front().localAddress();
        if (kind == Kind::Unix)
            return loop.runUntilComplete(loop.createUnixConnection(std::move(factory), address.path()));
        return loop.runUntilComplete(loop.createConnection(std::move(factory), address.host().toString(), address.port()));
    }

    /*! A transport over one end of a socket pair, its protocol, and the other end. */
    template <class P>
    struct PairedTransport
    {
        std::shared_ptr<qaio::Transport> transport;
        P *protocol = nullptr;
        qaio::Socket peer;
    };
    /*! Connects a protocol made by \a factory over a socket pair (createConnection(sock)). */
    template <class Factory>
    PairedTransport<qaio::detail::ProtocolOf<Factory>> overPair(Factory factory)
    {
        auto ours_peer = qaio::Socket::pair();
        auto connection = guard->loop().runUntilComplete(
            guard->loop().createConnection(std::move(factory), {.sock = std::move(ours_peer.first)}));
        return {std::move(connection.transport), connection.protocol, std::move(ours_peer.second)};
    }
    PairedTransport<TraceProtocol> tracedOverPair()
    {
        return overPair([] { return std::make_unique<TraceProtocol>(); });
    }

    /*! A client connection whose TraceProtocol records into \a trace. */
    std::shared_ptr<qaio::Transport> connectTraced(Kind kind, const std::shared_ptr<qaio::Server> &server,
                                                   const std::shared_ptr<Trace> &trace)
    {
        return connectTo(kind, server, [trace] { return std::make_unique<TraceProtocol>(trace); }).transport;
    }

    void closeServer(const std::shared_ptr<qaio::Server> &server)
    {
        server->close();
        guard->loop().runUntilComplete(server->waitClosed());
    }

    static void addKinds()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("ipv4") << int(Kind::IPv4);
        if (ipv6LoopbackAvailable())
            QTest::newRow("ipv6") << int(Kind::IPv6);
        QTest::newRow("unix") << int(Kind::Unix);
    }

private Q_SLOTS:
    void echoAndCallOrder_data() { addKinds(); }
    void echoAndCallOrder()
    {
        QFETCH(int, kind);
        auto &loop = guard->loop();
        TraceList serverTraces = makeTraceList();
        auto server = startServer(Kind(kind), recordingFactory<EchoProtocol>(serverTraces));
        auto clientTrace = std::make_shared<Trace>();
        auto client_protocol = connectTo(Kind(kind), server, [clientTrace] { return std::make_unique<TraceProtocol>(clientTrace); });
        auto client = std::move(client_protocol.transport);
        auto protocol = client_protocol.protocol;
        QVERIFY(client);
        QVERIFY(protocol);
        QCOMPARE(protocol->trace, clientTrace);
        QCOMPARE(clientTrace->made, 1); // connectionMade ran before createConnection returned
        QVERIFY(client->canWriteEof());

        client->write(QByteArrayView("hello "));
        client->write(QByteArray("world"));
        client->writeEof();
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, client->write("late"));

        runUntil(loop, [&] { return clientTrace->lost == 1 && serverTraces->size() == 1 && serverTraces->front()->lost == 1; });
        const auto &serverTrace = serverTraces->front();
        QCOMPARE(serverTrace->received, QByteArray("hello world"));
        QCOMPARE(clientTrace->received, QByteArray("hello world"));
        QCOMPARE(serverTrace->compact(), QStringList({"made", "data", "eof", "lost"}));
        QCOMPARE(clientTrace->compact(), QStringList({"made", "data", "eof", "lost"}));
        QVERIFY(!clientTrace->lostError);
        QVERIFY(!serverTrace->lostError);
        QVERIFY(client->isClosing());
        // The server side is released once connectionLost() returned: nobody holds it.
        QVERIFY(serverTrace->protocolDestroyed);
        QCOMPARE(server->clientCount(), 0u);
        // Ours lives as long as we hold it, harmless.
        QVERIFY(!clientTrace->protocolDestroyed);
        client->close();
        client->abort();
        QCOMPARE(qaio::socketDescriptor(*client), qintptr(-1));
        client.reset();
        QVERIFY(clientTrace->protocolDestroyed);
        closeServer(server);
    }

    void bufferedProtocolReceivesSameBytes()
    {
        auto &loop = guard->loop();
        TraceList serverTraces = makeTraceList();
        SmallBufferProtocol *serverProtocol = nullptr;
        auto server = startServer(Kind::IPv4, [&serverTraces, &serverProtocol]() {
            serverTraces->push_back(std::make_shared<Trace>());
            auto p = std::make_unique<SmallBufferProtocol>(serverTraces->back());
            serverProtocol = p.get();
            return p;
        });
        auto clientTrace = std::make_shared<Trace>();
        auto client = connectTraced(Kind::IPv4, server, clientTrace);
        const QByteArray payload = patternBytes(100 * 1024 + 3);
        client->write(payload);
        client->writeEof();
        runUntil(loop, [&] { return serverTraces->size() == 1 && serverTraces->front()->lost == 1 && clientTrace->lost == 1; });
        const auto &serverTrace = serverTraces->front();
        QCOMPARE(serverTrace->received.size(), payload.size());
        QVERIFY(serverTrace->received == payload);
        QCOMPARE(serverTrace->compact(), QStringList({"made", "data", "eof", "lost"}));
        // getBuffer() was asked once per read, with asyncio's size hint -1.
        QVERIFY(serverTrace->events.count(QStringLiteral("data")) >= payload.size() / 7);
        client.reset();
        closeServer(server);
    }

    void writelinesSendsEverythingInOrder()
    {
        auto &loop = guard->loop();
        TraceList serverTraces = makeTraceList();
        auto server = startServer(Kind::IPv4, recordingFactory<TraceProtocol>(serverTraces));
        auto client_protocol = connectTo(Kind::IPv4, server, [] { return std::make_unique<TraceProtocol>(); });
        auto client = std::move(client_protocol.transport);
        client->writelines(QList<QByteArray>{"alpha,", "", "beta,", "gamma;"});
        const QByteArray big = patternBytes(300 * 1024, 3);
        const QByteArrayView views[] = {QByteArrayView("one,"), QByteArrayView(big), QByteArrayView("two")};
        client->writelines(std::span<const QByteArrayView>(views));
        client->writelines(QList<QByteArray>{});
        client->close();
        const QByteArray expected = QByteArray("alpha,beta,gamma;one,") + big + "two";
        runUntil(loop, [&] { return serverTraces->size() == 1 && serverTraces->front()->lost == 1; });
        QCOMPARE(serverTraces->front()->received.size(), expected.size());
        QVERIFY(serverTraces->front()->received == expected);
        client.reset();
        closeServer(server);
    }

    void slowReaderPausesAndResumesWriter()
    {
        auto &loop = guard->loop();
        TraceList serverTraces = makeTraceList();
        // The server does not read at first: the client's buffer must fill up.
        auto server = startServer(Kind::IPv4, recordingFactory<TraceProtocol>(serverTraces, [](TraceProtocol &p) {
            p.onMade = [](TraceProtocol &self) {
                setIntOption(qaio::socketDescriptor(*self.transport), SOL_SOCKET, SO_RCVBUF, 32 * 1024);
                self.transport->pauseReading();
            };
        }));
        const QByteArray payload = patternBytes(6 * 1024 * 1024, 7);
        constexpr qsizetype chunk = 32 * 1024;
        auto clientTrace = std::make_shared<Trace>();
        auto client_producer = connectTo(Kind::IPv4, server, [&] { return std::make_unique<Producer>(clientTrace, payload, chunk); });
        auto client = std::move(client_producer.transport);
        auto producer = client_producer.protocol;
        setIntOption(qaio::socketDescriptor(*client), SOL_SOCKET, SO_SNDBUF, 32 * 1024);
        QCOMPARE(client->writeBufferLimits().high, 64 * 1024);
        QCOMPARE(client->writeBufferLimits().low, 16 * 1024);
        producer->produce();
        runUntil(loop, [&] { return producer->paused; });
        QCOMPARE(clientTrace->pauses, 1);
        // Paused exactly when the buffer went over the high-water mark, and the writer
        // stopped there: memory stays bounded.
        QVERIFY(producer->bufferAtPause > 64 * 1024);
        QVERIFY(producer->bufferAtPause <= 64 * 1024 + chunk);
        QVERIFY(producer->maxBuffer <= 64 * 1024 + chunk);
        QVERIFY(producer->offset < payload.size());
        // Now the reader drains: the writer resumes (maybe several times) and finishes.
        QCOMPARE(serverTraces->size(), 1u);
        serverTraces->front()->transportPtr()->resumeReading();
        runUntil(loop, [&] { return serverTraces->front()->lost == 1 && clientTrace->lost == 1; });
        QVERIFY(clientTrace->resumes >= 1);
        QCOMPARE(clientTrace->pauses, clientTrace->resumes);
        QVERIFY(producer->bufferAtResume <= 16 * 1024);
        QVERIFY(producer->maxBuffer <= 64 * 1024 + chunk);
        QCOMPARE(serverTraces->front()->received.size(), payload.size());
        QVERIFY(serverTraces->front()->received == payload);
        QCOMPARE(client->writeBufferSize(), 0);
        client.reset();
        closeServer(server);
    }

    void writeBufferLimitsValidation()
    {
        auto a_b = qaio::Socket::pair();
        auto a = std::move(a_b.first);
        auto &loop = guard->loop();
        auto transport_protocol =
            loop.runUntilComplete(loop.createConnection([] { return std::make_unique<TraceProtocol>(); }, {.sock = std::move(a)}));
        auto transport = std::move(transport_protocol.transport);
        auto protocol = transport_protocol.protocol;
        QCOMPARE(transport->writeBufferLimits().high, 64 * 1024);
        QCOMPARE(transport->writeBufferLimits().low, 16 * 1024);
        transport->setWriteBufferLimits(1000);
        QCOMPARE(transport->writeBufferLimits().high, 1000);
        QCOMPARE(transport->writeBufferLimits().low, 250);
        transport->setWriteBufferLimits(std::nullopt, 100);
        QCOMPARE(transport->writeBufferLimits().high, 400);
        QCOMPARE(transport->writeBufferLimits().low, 100);
        transport->setWriteBufferLimits(50, 50);
        QCOMPARE(transport->writeBufferLimits().low, 50);
        transport->setWriteBufferLimits(0, 0);
        QCOMPARE(transport->writeBufferLimits().high, 0);
        transport->setWriteBufferLimits();
        QCOMPARE(transport->writeBufferLimits().high, 64 * 1024);
        try {
            transport->setWriteBufferLimits(10, 20);
            QFAIL("high < low accepted");
        } catch (const qaio::ValueError &e) {
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("high (10) must be >= low (20) must be >= 0"));
        }
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, transport->setWriteBufferLimits(10, -1));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, transport->setWriteBufferLimits(-4));
        // A rejected call changes nothing.
        QCOMPARE(transport->writeBufferLimits().high, 64 * 1024);
        QCOMPARE(transport->writeBufferLimits().low, 16 * 1024);
        transport->close();
        runUntil(loop, [&] { return protocol->trace->lost == 1; });
    }

    void setWriteBufferLimitsPausesAtOnce()
    {
        // asyncio: lowering the high-water mark under the buffered size pauses the protocol.
        auto &loop = guard->loop();
        auto a_b = qaio::Socket::pair();
        auto a = std::move(a_b.first);
        setIntOption(a.fileno(), SOL_SOCKET, SO_SNDBUF, 4096);
        auto transport_protocol =
            loop.runUntilComplete(loop.createConnection([] { return std::make_unique<TraceProtocol>(); }, {.sock = std::move(a)}));
        auto transport = std::move(transport_protocol.transport);
        auto protocol = transport_protocol.protocol;
        transport->setWriteBufferLimits(4 * 1024 * 1024);
        const QByteArray payload = patternBytes(256 * 1024, 2);
        transport->write(payload);
        QVERIFY(transport->writeBufferSize() > 1);
        QCOMPARE(protocol->trace->pauses, 0);
        transport->setWriteBufferLimits(1, 0);
        QCOMPARE(protocol->trace->pauses, 1);
        transport->abort();
        runUntil(loop, [&] { return protocol->trace->lost == 1; });
        QCOMPARE(protocol->trace->resumes, 0); // abort drops the buffer without resuming
    }

    void fdWatchersRefuseATransportsDescriptor()
    {
        // asyncio's _ensure_fd_no_transport(): addReader() & co. on the descriptor of an
        // open transport would steal its readiness; they are refused until it closes.
        auto &loop = guard->loop();
        PairedTransport<TraceProtocol> paired = tracedOverPair();
        auto &transport = paired.transport;
        auto *protocol = paired.protocol;
        auto &peer = paired.peer;
        const qintptr fd = qaio::socketDescriptor(*transport);
        const auto refusal = [&](auto call) {
            try {
                call();
            } catch (const qaio::RuntimeError &e) {
                return QString::fromUtf8(e.what());
            }
            return QStringLiteral("NO EXCEPTION");
        };
        const QString used = QStringLiteral("file descriptor %1 is used by a transport").arg(fd);
        QVERIFY(refusal([&] { loop.addReader(fd, [] {}); }).startsWith(QStringLiteral("addReader(): ") + used));
        QVERIFY(refusal([&] { loop.addWriter(fd, [] {}); }).startsWith(QStringLiteral("addWriter(): ") + used));
        QVERIFY(refusal([&] { loop.removeReader(fd); }).startsWith(QStringLiteral("removeReader(): ") + used));
        QVERIFY(refusal([&] { loop.removeWriter(fd); }).startsWith(QStringLiteral("removeWriter(): ") + used));
        // The transport still reads: nothing was replaced.
        peer.send("still mine");
        runUntil(loop, [&] { return protocol->trace->received == "still mine"; });
        transport->close();
        runUntil(loop, [&] { return protocol->trace->lost == 1; });
        // Once closed the number is free again (here: a descriptor not watched at all).
        QVERIFY(!loop.removeReader(fd));
    }

    void pauseAndResumeReading()
    {
        auto &loop = guard->loop();
        PairedTransport<TraceProtocol> paired = tracedOverPair();
        auto &transport = paired.transport;
        auto *protocol = paired.protocol;
        auto &peer = paired.peer;
        QVERIFY(transport->isReading());
        transport->pauseReading();
        transport->pauseReading(); // idempotent
        QVERIFY(!transport->isReading());
        peer.send("abc");
        // A second descriptor made readable at the same time: once its reader ran, Qt has
        // polled both, so a (wrongly) watched transport would have been served too.
        auto probeA_probeB = qaio::Socket::pair();
        auto probeA = std::move(probeA_probeB.first);
        auto probeB = std::move(probeA_probeB.second);
        probeB.send("x");
        qaio::Future<void> probed = loop.createFuture<void>();
        loop.addReader(probeA.fileno(), [&] {
            loop.removeReader(probeA.fileno());
            probed.setResult();
        });
        loop.runUntilComplete(probed);
        loop.runUntilComplete(yieldOnce());
        QCOMPARE(protocol->trace->received, QByteArray());
        QCOMPARE(protocol->trace->compact(), QStringList({"made"}));
        transport->resumeReading();
        transport->resumeReading(); // idempotent
        QVERIFY(transport->isReading());
        runUntil(loop, [&] { return protocol->trace->received == "abc"; });
        transport->close();
        QVERIFY(!transport->isReading());
        runUntil(loop, [&] { return protocol->trace->lost == 1; });
        QCOMPARE(protocol->trace->compact(), QStringList({"made", "data", "lost"}));
    }

    void halfCloseKeepsTransportWritable()
    {
        auto &loop = guard->loop();
        TraceList serverTraces = makeTraceList();
        // The server keeps its side open after EOF, answers, then closes.
        auto server = startServer(Kind::IPv4, recordingFactory<TraceProtocol>(serverTraces, [](TraceProtocol &p) {
            p.keepOpenOnEof = true;
            p.onEof = [](TraceProtocol &self) {
                QVERIFY(!self.transport->isClosing());
                self.transport->write(QByteArray("pong:") + self.trace->received);
                self.transport->close();
            };
        }));
        auto clientTrace = std::make_shared<Trace>();
        auto client = connectTraced(Kind::IPv4, server, clientTrace);
        client->write("ping");
        client->writeEof();
        client->writeEof(); // idempotent
        QVERIFY(!client->isClosing()); // still reading after writeEof()
        runUntil(loop, [&] { return clientTrace->lost == 1 && serverTraces->front()->lost == 1; });
        QCOMPARE(serverTraces->front()->compact(), QStringList({"made", "data", "eof", "lost"}));
        QCOMPARE(clientTrace->received, QByteArray("pong:ping"));
        QCOMPARE(clientTrace->compact(), QStringList({"made", "data", "eof", "lost"}));
        client.reset();
        closeServer(server);
    }

    void peerResetMidWrite()
    {
        auto &loop = guard->loop();
        qaio::Socket listener(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
        listener.bind({QHostAddress(QHostAddress::LocalHost), 0});
        listener.listen();
        auto clientTrace = std::make_shared<Trace>();
        auto client_protocol = loop.runUntilComplete(loop.createConnection(
            [clientTrace] { return std::make_unique<TraceProtocol>(clientTrace); }, QStringLiteral("127.0.0.1"),
            listener.localAddress().port()));
        auto client = std::move(client_protocol.transport);
        auto peer_peerAddress = loop.runUntilComplete(loop.sockAccept(listener));
        auto peer = std::move(peer_peerAddress.first);
        auto peerAddress = std::move(peer_peerAddress.second);
        QCOMPARE(peerAddress, qaio::localAddress(*client));
        setIntOption(qaio::socketDescriptor(*client), SOL_SOCKET, SO_SNDBUF, 16 * 1024);
        client->write(patternBytes(4 * 1024 * 1024));
        QVERIFY(client->writeBufferSize() > 0);
        // An abortive close: the peer's kernel answers with RST.
        const linger abortive{1, 0};
        peer.setOption(SOL_SOCKET, SO_LINGER, QByteArrayView(reinterpret_cast<const char *>(&abortive), sizeof(abortive)));
        peer.close();
        runUntil(loop, [&] { return clientTrace->lost == 1; });
        QVERIFY2(holds<qaio::ConnectionResetError>(clientTrace->lostError) || holds<qaio::BrokenPipeError>(clientTrace->lostError),
                 qPrintable(qaio::describeException(clientTrace->lostError)));
        // Paused by the 4 MiB write, never resumed: the buffer was dropped with the connection.
        QCOMPARE(clientTrace->compact(), QStringList({"made", "pause", "lost"}));
        QCOMPARE(client->writeBufferSize(), 0);
        QVERIFY(guard->handlerCalls().empty()); // a reset peer is not a bug: no handler call
        client->write("dropped");
        client.reset();
    }

    void writeAfterCloseIsDroppedWithOneWarning()
    {
        auto &loop = guard->loop();
        PairedTransport<TraceProtocol> paired = tracedOverPair();
        auto &transport = paired.transport;
        auto *protocol = paired.protocol;
        auto &peer = paired.peer;
        transport->write("before");
        transport->close();
        MessageCapture log;
        const QString sendWarning = QStringLiteral("socket.send() raised exception.");
        for (int i = 0; i < 3; ++i)
            transport->write("after close");
        QCOMPARE(log.count(QtWarningMsg, sendWarning), 0); // asyncio's threshold: quiet for the first writes
        for (int i = 0; i < 10; ++i)
            transport->write(QByteArray("after close"));
        transport->writelines(QList<QByteArray>{"more"});
        QCOMPARE(log.count(QtWarningMsg, sendWarning), 1); // then exactly one warning
        QCOMPARE(transport->writeBufferSize(), 0);
        runUntil(loop, [&] { return protocol->trace->lost == 1; });
        transport->write("after lost");
        QCOMPARE(log.count(QtWarningMsg, sendWarning), 1);
        const QByteArray got = loop.runUntilComplete(loop.sockRecv(peer, 1024));
        QCOMPARE(got, QByteArray("before"));
        const QByteArray eof = loop.runUntilComplete(loop.sockRecv(peer, 1024));
        QCOMPARE(eof, QByteArray());
    }

    void closeFlushesPendingData()
    {
        auto &loop = guard->loop();
        TraceList serverTraces = makeTraceList();
        auto server = startServer(Kind::IPv4, recordingFactory<TraceProtocol>(serverTraces));
        auto clientTrace = std::make_shared<Trace>();
        auto client = connectTraced(Kind::IPv4, server, clientTrace);
        setIntOption(qaio::socketDescriptor(*client), SOL_SOCKET, SO_SNDBUF, 16 * 1024);
        const QByteArray payload = patternBytes(3 * 1024 * 1024, 5);
        client->write(payload);
        QVERIFY(client->writeBufferSize() > 0); // the precondition: data still buffered
        client->close();
        QVERIFY(client->isClosing());
        QCOMPARE(clientTrace->lost, 0); // not before the buffer drained
        runUntil(loop, [&] { return clientTrace->lost == 1 && serverTraces->front()->lost == 1; });
        QVERIFY(!clientTrace->lostError);
        QCOMPARE(serverTraces->front()->received.size(), payload.size());
        QVERIFY(serverTraces->front()->received == payload);
        QCOMPARE(serverTraces->front()->compact(), QStringList({"made", "data", "eof", "lost"}));
        client.reset();
        closeServer(server);
    }

    void abortDropsPendingData()
    {
        auto &loop = guard->loop();
        TraceList serverTraces = makeTraceList();
        auto server = startServer(Kind::IPv4, recordingFactory<TraceProtocol>(serverTraces));
        auto clientTrace = std::make_shared<Trace>();
        auto client = connectTraced(Kind::IPv4, server, clientTrace);
        setIntOption(qaio::socketDescriptor(*client), SOL_SOCKET, SO_SNDBUF, 16 * 1024);
        const QByteArray payload = patternBytes(3 * 1024 * 1024, 6);
        client->write(payload);
        const qsizetype buffered = client->writeBufferSize();
        QVERIFY(buffered > 0);
        client->abort();
        QCOMPARE(client->writeBufferSize(), 0);
        runUntil(loop, [&] { return clientTrace->lost == 1 && serverTraces->front()->lost == 1; });
        QVERIFY(!clientTrace->lostError);
        QVERIFY(serverTraces->front()->received.size() <= payload.size() - buffered);
        QVERIFY(serverTraces->front()->received == payload.left(serverTraces->front()->received.size()));
        client.reset();
        closeServer(server);
    }

    void closeOrAbortInsideCallbacks_data()
    {
        QTest::addColumn<QString>("where");
        QTest::addColumn<bool>("abort");
        QTest::newRow("close in connectionMade") << QStringLiteral("made") << false;
        QTest::newRow("abort in connectionMade") << QStringLiteral("made") << true;
        QTest::newRow("close in dataReceived") << QStringLiteral("data") << false;
        QTest::newRow("abort in dataReceived") << QStringLiteral("data") << true;
        QTest::newRow("close in eofReceived") << QStringLiteral("eof") << false;
        QTest::newRow("close in connectionLost") << QStringLiteral("lost") << false;
        QTest::newRow("abort in connectionLost") << QStringLiteral("lost") << true;
    }
    void closeOrAbortInsideCallbacks()
    {
        QFETCH(QString, where);
        QFETCH(bool, abort);
        auto &loop = guard->loop();
        TraceList serverTraces = makeTraceList();
        auto end = [abort](TraceProtocol &p) {
            if (abort)
                p.transport->abort();
            else
                p.transport->close();
            p.transport->write("ignored"); // after close: dropped, no crash
        };
        auto server = startServer(Kind::IPv4, recordingFactory<TraceProtocol>(serverTraces, [&](TraceProtocol &p) {
            if (where == QLatin1String("made"))
                p.onMade = end;
            else if (where == QLatin1String("data"))
                p.onData = [end](TraceProtocol &self, QByteArrayView) { end(self); };
            else if (where == QLatin1String("eof"))
                p.onEof = end;
            else
                p.onLost = end;
        }));
        auto clientTrace = std::make_shared<Trace>();
        auto client = connectTraced(Kind::IPv4, server, clientTrace);
        client->write("x");
        if (where != QLatin1String("data"))
            client->writeEof();
        runUntil(loop, [&] { return serverTraces->size() == 1 && serverTraces->front()->lost == 1 && clientTrace->lost == 1; });
        const QStringList events = serverTraces->front()->compact();
        QCOMPARE(events.front(), QStringLiteral("made"));
        QCOMPARE(events.back(), QStringLiteral("lost"));
        QCOMPARE(events.count(QStringLiteral("made")), 1);
        QCOMPARE(events.count(QStringLiteral("lost")), 1);
        if (where == QLatin1String("made"))
            QCOMPARE(events, QStringList({"made", "lost"})); // reading never started
        QCOMPARE(serverTraces->front()->lost, 1);
        QVERIFY(serverTraces->front()->protocolDestroyed);
        client.reset();
        closeServer(server);
    }

    void protocolReplacingItselfInDataReceived()
    {
        auto &loop = guard->loop();
        auto firstTrace = std::make_shared<Trace>();
        auto secondTrace = std::make_shared<Trace>();
        auto paired = overPair([firstTrace] { return std::make_unique<TraceProtocol>(firstTrace); });
        auto transport = std::move(paired.transport);
        auto protocol = paired.protocol;
        auto peer = std::move(paired.peer);
        QCOMPARE(protocol->qaio::StreamProtocolBase::transport(), transport.get());
        TraceProtocol *replacement = nullptr;
        protocol->onData = [secondTrace, &replacement](TraceProtocol &self, QByteArrayView) {
            auto next = std::make_unique<TraceProtocol>(secondTrace);
            QCOMPARE(next->qaio::StreamProtocolBase::transport(), nullptr); // not driven yet
            next->transport = self.transport;
            replacement = next.get();
            self.transport->setProtocol(std::move(next));
            // setProtocol() tells the new protocol its transport (no connectionMade()).
            QCOMPARE(replacement->qaio::StreamProtocolBase::transport(), self.transport);
            // Still inside the old protocol's callback: it must still be alive.
            QVERIFY(!self.trace->protocolDestroyed);
            self.trace->events << QStringLiteral("replaced");
        };
        peer.send("first");
        runUntil(loop, [&] { return firstTrace->protocolDestroyed; });
        QCOMPARE(firstTrace->compact(), QStringList({"made", "data", "replaced"}));
        QVERIFY(transport->protocol() != nullptr);
        peer.send("second");
        runUntil(loop, [&] { return secondTrace->received == "second"; });
        peer.close();
        runUntil(loop, [&] { return secondTrace->lost == 1; });
        QCOMPARE(secondTrace->compact(), QStringList({"data", "eof", "lost"}));
        QCOMPARE(firstTrace->lost, 0);
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, transport->setProtocol(nullptr));
    }

    void extraInfo_data() { addKinds(); }
    void extraInfo()
    {
        QFETCH(int, kind);
        auto &loop = guard->loop();
        TraceList serverTraces = makeTraceList();
        auto server = startServer(Kind(kind), recordingFactory<TraceProtocol>(serverTraces));
        auto client_protocol = connectTo(Kind(kind), server, [] { return std::make_unique<TraceProtocol>(); });
        auto client = std::move(client_protocol.transport);
        auto protocol = client_protocol.protocol;
        runUntil(loop, [&] { return serverTraces->size() == 1 && serverTraces->front()->made == 1; });
        auto serverSide = serverTraces->front()->transportPtr();
        QVERIFY(serverSide);
        const qaio::SocketAddress listening = server->sockets().front().localAddress();
        const qaio::SocketAddress peername = client->extraInfo(QStringLiteral("peername")).value<qaio::SocketAddress>();
        QCOMPARE(peername, qaio::peerAddress(*client));
        if (Kind(kind) != Kind::Unix) {
            QCOMPARE(qaio::peerAddress(*client), listening);
            QCOMPARE(qaio::peerAddress(*serverSide), qaio::localAddress(*client));
            QCOMPARE(qaio::localAddress(*serverSide), listening);
        } else {
            QCOMPARE(qaio::peerAddress(*client).path(), listening.path());
            QCOMPARE(qaio::localAddress(*serverSide).path(), listening.path());
        }
        const qintptr fd = client->extraInfo(QStringLiteral("socket")).value<qintptr>();
        QVERIFY(fd >= 0);
        QCOMPARE(qaio::socketDescriptor(*client), fd);
        QCOMPARE(client->extraInfo(QStringLiteral("no such key"), 42).toInt(), 42);
        QVERIFY(!client->extraInfo(QStringLiteral("no such key")).isValid());
        if (Kind(kind) != Kind::Unix) {
            // asyncio sets TCP_NODELAY on TCP transports, on both ends.
            QCOMPARE(intOption(fd, IPPROTO_TCP, TCP_NODELAY), 1);
            QCOMPARE(intOption(qaio::socketDescriptor(*serverSide), IPPROTO_TCP, TCP_NODELAY), 1);
        }
        serverSide.reset();
        client->close();
        runUntil(loop, [&] { return protocol->trace->lost == 1 && serverTraces->front()->lost == 1; });
        QCOMPARE(client->extraInfo(QStringLiteral("socket"), -1).toLongLong(), -1);
        QCOMPARE(qaio::peerAddress(*client), peername); // cached, as asyncio does
        client.reset();
        closeServer(server);
    }

    void exceptionInDataReceivedIsFatal()
    {
        auto &loop = guard->loop();
        auto trace = std::make_shared<Trace>();
        auto paired = overPair([trace] { return std::make_unique<ThrowingProtocol>(trace); });
        auto transport = std::move(paired.transport);
        auto protocol = paired.protocol;
        auto peer = std::move(paired.peer);
        guard->expectException(QStringLiteral("Fatal error: protocol.dataReceived() call failed."));
        peer.send("trigger");
        runUntil(loop, [&] { return trace->lost == 1; });
        QCOMPARE(guard->handlerCalls().size(), 1u);
        const qaio::ExceptionContext &context = guard->handlerCalls().front();
        QCOMPARE(context.transport, static_cast<qaio::BaseTransport *>(transport.get()));
        QCOMPARE(context.protocol, static_cast<qaio::BaseProtocol *>(protocol));
        QCOMPARE(exceptionMessage<std::runtime_error>(context.exception), QStringLiteral("boom in dataReceived"));
        // connectionLost() gets the same error, as asyncio's _fatal_error() passes it on.
        QCOMPARE(exceptionMessage<std::runtime_error>(trace->lostError), QStringLiteral("boom in dataReceived"));
        QCOMPARE(trace->compact(), QStringList({"made", "data", "lost"}));
        QVERIFY(transport->isClosing());
    }

    void exceptionInConnectionMadeIsReported()
    {
        auto &loop = guard->loop();
        auto trace = std::make_shared<Trace>();
        guard->expectException(QStringLiteral("Exception in protocol.connectionMade()"));
        auto paired = overPair([trace] { return std::make_unique<ThrowOnMadeProtocol>(trace); });
        auto transport = std::move(paired.transport);
        auto protocol = paired.protocol;
        auto peer = std::move(paired.peer);
        QCOMPARE(guard->handlerCalls().size(), 1u);
        QCOMPARE(guard->handlerCalls().front().protocol, static_cast<qaio::BaseProtocol *>(protocol));
        // The connection carries on (asyncio only reports it).
        QVERIFY(!transport->isClosing());
        peer.send("still here");
        runUntil(loop, [&] { return trace->received == "still here"; });
        transport->close();
        runUntil(loop, [&] { return trace->lost == 1; });
    }

    void droppingTheTransportKeepsTheConnection()
    {
        // The loop holds open transports: dropping our pointer closes nothing.
        auto &loop = guard->loop();
        auto trace = std::make_shared<Trace>();
        // Only the peer's end is kept: the transport and protocol pointers go at once.
        qaio::Socket peer = overPair([trace] { return std::make_unique<EchoProtocol>(trace); }).peer;
        QVERIFY(!trace->protocolDestroyed);
        peer.send("echo me");
        const QByteArray echoed = loop.runUntilComplete(loop.sockRecv(peer, 64));
        QCOMPARE(echoed, QByteArray("echo me"));
        peer.close();
        runUntil(loop, [&] { return trace->lost == 1; });
        loop.runUntilComplete(yieldOnce());
        QVERIFY(trace->protocolDestroyed); // released right after connectionLost()
    }

    void loopCloseReleasesOpenTransports()
    {
        auto &loop = guard->loop();
        auto trace = std::make_shared<Trace>();
        auto paired = overPair([trace] { return std::make_unique<TraceProtocol>(trace); });
        auto transport = std::move(paired.transport);
        auto peer = std::move(paired.peer);
        auto trace2 = std::make_shared<Trace>();
        qaio::Socket peer2 = overPair([trace2] { return std::make_unique<TraceProtocol>(trace2); }).peer; // transport dropped
        loop.close();
        QVERIFY(trace2->protocolDestroyed);            // only the loop held it
        QCOMPARE(trace->lost, 0);                       // no callback from close()
        QVERIFY(transport->isClosing());
        QCOMPARE(qaio::socketDescriptor(*transport), qintptr(-1));
        transport->write("nowhere");
        transport->close();
        transport->abort();
        transport->pauseReading();
        transport->resumeReading();
        // The peers see the connection closed.
        char byte;
        QCOMPARE(::recv(int(peer.fileno()), &byte, 1, MSG_DONTWAIT), ssize_t(0));
        QCOMPARE(::recv(int(peer2.fileno()), &byte, 1, MSG_DONTWAIT), ssize_t(0));
    }
};

QTEST_GUILESS_MAIN(tst_Transport)
#include "tst_transport.moc"
