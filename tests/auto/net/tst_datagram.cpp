// Copyright (c) qaio authors. Licensed under the MIT license.
// Datagram endpoints: EventLoop::createDatagramEndpoint(), DatagramTransport and
// DatagramProtocol (ported from CPython's test_asyncio test_base_events /
// test_selector_events datagram cases and uvloop's tests/test_udp.py): echo over UDP
// (IPv4, IPv6) and Unix datagram sockets, call order, the remote address rules,
// argument errors with asyncio's messages, ICMP errors that do not end the endpoint,
// buffering with flow control when the kernel refuses, close vs abort, sends after
// close, empty and oversized datagrams, protocol exceptions, setProtocol, reusePort,
// allowBroadcast, sock=, bursts, cancellation, loop close.
#include "looptestcase.h"
#include "nettransport_helpers.h"

#include <QtTest/QtTest>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace nettest;
using namespace netsock;
using qaio::AddressFamily;
using qaio::DatagramEndpointOptions;
using qaio::HostAndPort;
using qaio::SocketAddress;

namespace {

/*! What happened to one datagram protocol; outlives it. */
struct DgramTrace
{
    QStringList events; // "made", "dgram", "error", "pause", "resume", "lost"
    QList<QByteArray> datagrams;
    QList<SocketAddress> senders;
    std::vector<std::exception_ptr> errors;
    std::exception_ptr lostError;
    int made = 0;
    int lost = 0;
    bool destroyed = false;
};

class DgramProtocol : public qaio::DatagramProtocol
{
public:
    explicit DgramProtocol(std::shared_ptr<DgramTrace> trace = std::make_shared<DgramTrace>())
        : trace(std::move(trace))
    {
    }
    ~DgramProtocol() override
    {
        trace->destroyed = true;
        poke();
    }
    void connectionMade(qaio::BaseTransport &t) override
    {
        if (static_cast<qaio::BaseTransport *>(transport()) != &t)
            qFatal("DatagramProtocol::transport() is not the transport that called connectionMade()");
        trace->events << QStringLiteral("made");
        ++trace->made;
        poke();
    }
    void datagramReceived(QByteArrayView data, const SocketAddress &from) override
    {
        trace->events << QStringLiteral("dgram");
        trace->datagrams << data.toByteArray();
        trace->senders << from;
        if (onDatagram)
            onDatagram(*this, data, from);
        poke();
    }
    void errorReceived(std::exception_ptr error) override
    {
        trace->events << QStringLiteral("error");
        trace->errors.push_back(error);
        poke();
    }
    void pauseWriting() override
    {
        trace->events << QStringLiteral("pause");
        poke();
    }
    void resumeWriting() override
    {
        trace->events << QStringLiteral("resume");
        poke();
    }
    void connectionLost(std::exception_ptr error) override
    {
        trace->events << QStringLiteral("lost");
        ++trace->lost;
        trace->lostError = error;
        poke();
    }

    std::shared_ptr<DgramTrace> trace;
    std::function<void(DgramProtocol &, QByteArrayView, const SocketAddress &)> onDatagram;
};

/*! Echoes every datagram to its sender. */
class EchoProtocol : public DgramProtocol
{
public:
    using DgramProtocol::DgramProtocol;
    void datagramReceived(QByteArrayView data, const SocketAddress &from) override
    {
        transport()->sendto(data, from);
        DgramProtocol::datagramReceived(data, from);
    }
};

using Endpoint = qaio::DatagramEndpoint<DgramProtocol>;

Endpoint openEndpoint(qaio::EventLoop &loop, DatagramEndpointOptions options,
                      std::shared_ptr<DgramTrace> trace = std::make_shared<DgramTrace>())
{
    auto factory = [trace] { return std::make_unique<DgramProtocol>(trace); };
    return loop.runUntilComplete(loop.createDatagramEndpoint(factory, std::move(options)));
}

qaio::DatagramEndpoint<EchoProtocol> openEcho(qaio::EventLoop &loop, DatagramEndpointOptions options,
                                              std::shared_ptr<DgramTrace> trace = std::make_shared<DgramTrace>())
{
    auto factory = [trace] { return std::make_unique<EchoProtocol>(trace); };
    return loop.runUntilComplete(loop.createDatagramEndpoint(factory, std::move(options)));
}

/*! The message of the ValueError createDatagramEndpoint() throws for \a options. */
QString valueErrorFor(qaio::EventLoop &loop, DatagramEndpointOptions options)
{
    auto factory = [] { return std::make_unique<DgramProtocol>(); };
    return expectThrow<qaio::ValueError>(loop, loop.createDatagramEndpoint(factory, std::move(options)));
}

SocketAddress socknameOf(const qaio::DatagramTransport &t)
{
    return t.extraInfo(QStringLiteral("sockname")).value<SocketAddress>();
}

qintptr fdOf(const qaio::DatagramTransport &t)
{
    return t.extraInfo(QStringLiteral("socket")).value<qintptr>();
}

/*! A Unix datagram socket pair made by the kernel (blocking off on both). */
std::pair<qaio::Socket, qaio::Socket> unixDatagramPair()
{
    return qaio::Socket::pair(qaio::SocketType::Datagram);
}

} // namespace

class tst_Datagram : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void echo_data();
    void echo();
    void callOrder();
    void remoteAddressRules();
    void argumentErrors();
    void sockArgument();
    void icmpErrorKeepsEndpoint();
    void bufferingAndFlowControl();
    void closeFlushesAbortDrops();
    void sendAfterCloseIsDropped();
    void emptyDatagram();
    void oversizedDatagramIsCut();
    void protocolExceptionKeepsEndpoint();
    void setProtocol();
    void reusePort();
    void allowBroadcast();
    void burstOfDatagrams_data();
    void burstOfDatagrams();
    void closeInsideBatchStopsDelivery();
    void hostNameIsResolved();
    void staleUnixSocketIsReplaced();
    void cancelledCreationLeavesNothing();
    void loopCloseReleasesEndpoint();
};

void tst_Datagram::echo_data()
{
    QTest::addColumn<int>("family");
    QTest::newRow("IPv4") << int(AddressFamily::IPv4);
    QTest::newRow("IPv6") << int(AddressFamily::IPv6);
    QTest::newRow("Unix") << int(AddressFamily::Unix);
}

// asyncio's test_create_datagram_endpoint / uvloop's test_create_datagram_endpoint_addrs.
void tst_Datagram::echo()
{
    QFETCH(int, family);
    const auto kind = AddressFamily(family);
    if (kind == AddressFamily::IPv6 && !ipv6LoopbackAvailable())
        QSKIP("no IPv6 loopback on this machine");
    qaio::EventLoop &loop = guard->loop();
    QTemporaryDir dir;
    DatagramEndpointOptions serverOptions;
    if (kind == AddressFamily::Unix)
        serverOptions.localAddr = SocketAddress::fromUnixPath(dir.filePath(QStringLiteral("server.sock")));
    else
        serverOptions.localAddr = HostAndPort{loopback(kind).toString(), 0};
    auto serverTrace = std::make_shared<DgramTrace>();
    auto serverEcho = openEcho(loop, std::move(serverOptions), serverTrace);
    auto server = std::move(serverEcho.transport);
    [[maybe_unused]] auto *echo = serverEcho.protocol;
    const SocketAddress serverAddress = socknameOf(*server);
    QVERIFY(serverAddress.isValid());
    QCOMPARE(server->extraInfo(QStringLiteral("peername")), QVariant());

    DatagramEndpointOptions clientOptions{.remoteAddr = serverAddress};
    if (kind == AddressFamily::Unix) // an unbound Unix client could not be answered
        clientOptions.localAddr = SocketAddress::fromUnixPath(dir.filePath(QStringLiteral("client.sock")));
    auto clientTrace = std::make_shared<DgramTrace>();
    auto clientProtocol = openEndpoint(loop, std::move(clientOptions), clientTrace);
    auto client = std::move(clientProtocol.transport);
    [[maybe_unused]] auto *protocol = clientProtocol.protocol;
    QCOMPARE(client->extraInfo(QStringLiteral("peername")).value<SocketAddress>(), serverAddress);
    QVERIFY(protocol);
    QCOMPARE(static_cast<qaio::DatagramTransport *>(protocol->transport()), client.get());

    const QList<QByteArray> messages{"one", "two", QByteArray(1000, 'x'), "four"};
    for (const QByteArray &m : messages)
        client->sendto(m);
    runUntil(loop, [&] { return clientTrace->datagrams.size() == messages.size(); });
    QCOMPARE(serverTrace->datagrams, messages); // loopback keeps order and loses nothing
    QCOMPARE(clientTrace->datagrams, messages);
    QCOMPARE(serverTrace->senders.front(), socknameOf(*client));
    QCOMPARE(clientTrace->senders.front(), serverAddress);
    QCOMPARE(client->writeBufferSize(), 0);

    client->close();
    server->close();
    QVERIFY(client->isClosing());
    runUntil(loop, [&] { return clientTrace->lost && serverTrace->lost; });
    QCOMPARE(clientTrace->events.front(), QStringLiteral("made"));
    QCOMPARE(clientTrace->events.back(), QStringLiteral("lost"));
    QVERIFY(!clientTrace->lostError);
    QCOMPARE(client->extraInfo(QStringLiteral("socket")), QVariant()); // the socket is closed
}

// connectionMade() before the awaiting call returns and before any datagram; connectionLost()
// once, last; the protocol lives as long as the transport.
void tst_Datagram::callOrder()
{
    qaio::EventLoop &loop = guard->loop();
    auto trace = std::make_shared<DgramTrace>();
    auto aPa = openEndpoint(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}}, trace);
    auto a = std::move(aPa.transport);
    [[maybe_unused]] auto *pa = aPa.protocol;
    QCOMPARE(trace->events, QStringList{QStringLiteral("made")});
    qaio::Socket raw(AddressFamily::IPv4, qaio::SocketType::Datagram);
    QCOMPARE(::sendto(int(raw.fileno()), "x", 1, 0, static_cast<const sockaddr *>(socknameOf(*a).nativeData()),
                      socklen_t(socknameOf(*a).nativeSize())),
             ssize_t(1));
    runUntil(loop, [&] { return trace->datagrams.size() == 1; });
    a->close();
    a->close(); // idempotent
    a->abort(); // after close(): nothing more
    runUntil(loop, [&] { return trace->lost == 1; });
    loop.runUntilComplete(yieldOnce());
    QCOMPARE(trace->events, (QStringList{"made", "dgram", "lost"}));
    QVERIFY(!trace->destroyed); // we hold the transport
    a.reset();
    QVERIFY(trace->destroyed);
}

// asyncio's test_sendto_connected_addr / test_sendto_no_address.
void tst_Datagram::remoteAddressRules()
{
    qaio::EventLoop &loop = guard->loop();
    auto serverPs = openEndpoint(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}});
    auto server = std::move(serverPs.transport);
    [[maybe_unused]] auto *ps = serverPs.protocol;
    auto otherPo = openEndpoint(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}});
    auto other = std::move(otherPo.transport);
    [[maybe_unused]] auto *po = otherPo.protocol;
    auto clientPc = openEndpoint(loop, {.remoteAddr = socknameOf(*server)});
    auto client = std::move(clientPc.transport);
    [[maybe_unused]] auto *pc = clientPc.protocol;
    const QString refused = qaiotest::messageOf<qaio::ValueError>([&] { client->sendto("x", socknameOf(*other)); });
    QCOMPARE(refused, QStringLiteral("Invalid address: must be None or %1").arg(socknameOf(*server).toString()));
    client->sendto("same", socknameOf(*server)); // the remote address itself is accepted
    runUntil(loop, [&] { return ps->trace->datagrams.size() == 1; });

    auto unconnectedPu = openEndpoint(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}});
    auto unconnected = std::move(unconnectedPu.transport);
    [[maybe_unused]] auto *pu = unconnectedPu.protocol;
    QVERIFY(qaiotest::messageOf<qaio::ValueError>([&] { unconnected->sendto("x"); }).contains(QLatin1String("address")));
    unconnected->sendto(QByteArray("to other"), socknameOf(*other));
    runUntil(loop, [&] { return po->trace->datagrams.size() == 1; });
    QCOMPARE(po->trace->senders.front(), socknameOf(*unconnected));
    for (auto *t : {server.get(), other.get(), client.get(), unconnected.get()})
        t->close();
    runUntil(loop, [&] { return ps->trace->lost && po->trace->lost && pc->trace->lost && pu->trace->lost; });
}

// asyncio's test_create_datagram_endpoint_* argument checks, same messages.
void tst_Datagram::argumentErrors()
{
    qaio::EventLoop &loop = guard->loop();
    QCOMPARE(valueErrorFor(loop, {}), QStringLiteral("unexpected address family"));
    QCOMPARE(valueErrorFor(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0},
                                  .remoteAddr = HostAndPort{QStringLiteral("::1"), 9}}),
             QStringLiteral("can not get address information"));
    QVERIFY(valueErrorFor(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}, .family = AddressFamily::Unix})
                .startsWith(QLatin1String("localAddr: a Unix socket address")));
    auto streamPeer = qaio::Socket::pair(qaio::SocketType::Stream);
    auto stream = std::move(streamPeer.first);
    auto peer = std::move(streamPeer.second);
    QVERIFY(valueErrorFor(loop, {.sock = std::move(stream)}).startsWith(QLatin1String("A datagram socket was expected, got")));
    auto d1D2 = unixDatagramPair();
    auto d1 = std::move(d1D2.first);
    auto d2 = std::move(d1D2.second);
    QCOMPARE(valueErrorFor(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}, .reusePort = true,
                                  .sock = std::move(d1)}),
             QStringLiteral("socket modifier keyword arguments can not be used when sock is specified. "
                            "(localAddr=('127.0.0.1', 0), reusePort=true)"));
    qaio::ProtocolFactory empty;
    QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.createDatagramEndpoint(empty, {.family = AddressFamily::IPv4})),
             QStringLiteral("createDatagramEndpoint(): protocolFactory is empty"));
    // A factory making a stream protocol is refused by the transport (the typed API refuses
    // it at compile time).
    qaio::ProtocolFactory wrongKind = [] { return std::make_unique<qaio::Protocol>(); };
    QVERIFY(expectThrow<qaio::ValueError>(loop, loop.createDatagramEndpoint(wrongKind, {.family = AddressFamily::IPv4}))
                .contains(QLatin1String("qaio::DatagramProtocol")));
    // An address no socket can be bound to: the OSError of bind().
    auto bindFailure = [&] {
        loop.runUntilComplete(loop.createDatagramEndpoint(
            [] { return std::make_unique<DgramProtocol>(); },
            {.localAddr = SocketAddress(QHostAddress(QStringLiteral("192.0.2.1")), 0)}));
    };
    QVERIFY(!qaiotest::messageOf<qaio::OSError>(bindFailure).isEmpty());
}

// uvloop's test_create_datagram_endpoint_sock and test_socketpair: an existing socket,
// connected or not.
void tst_Datagram::sockArgument()
{
    qaio::EventLoop &loop = guard->loop();
    auto leftRight = unixDatagramPair();
    auto left = std::move(leftRight.first);
    auto right = std::move(leftRight.second);
    const qintptr leftFd = left.fileno();
    const qintptr rightFd = right.fileno();
    auto aPa = openEndpoint(loop, {.sock = std::move(left)});
    auto a = std::move(aPa.transport);
    [[maybe_unused]] auto *pa = aPa.protocol;
    auto bPb = openEndpoint(loop, {.sock = std::move(right)});
    auto b = std::move(bPb.transport);
    [[maybe_unused]] auto *pb = bPb.protocol;
    QCOMPARE(fdOf(*a), leftFd);
    QCOMPARE(fdOf(*b), rightFd);
    QVERIFY(a->extraInfo(QStringLiteral("peername")).isValid()); // a socket pair is connected
    a->sendto("ping");
    runUntil(loop, [&] { return pb->trace->datagrams.size() == 1; });
    b->sendto(QByteArray("pong"));
    runUntil(loop, [&] { return pa->trace->datagrams.size() == 1; });
    QCOMPARE(pa->trace->datagrams.front(), QByteArray("pong"));
    QVERIFY(!pb->trace->senders.front().isValid()); // an unnamed Unix socket has no address

    qaio::Socket udp(AddressFamily::IPv4, qaio::SocketType::Datagram);
    udp.bind(SocketAddress(QHostAddress(QHostAddress::LocalHost), 0));
    const SocketAddress bound = udp.localAddress();
    auto cPc = openEndpoint(loop, {.sock = std::move(udp)});
    auto c = std::move(cPc.transport);
    [[maybe_unused]] auto *pc = cPc.protocol;
    QCOMPARE(socknameOf(*c), bound);
    QCOMPARE(c->extraInfo(QStringLiteral("peername")), QVariant());
    for (auto *t : {a.get(), b.get(), c.get()})
        t->close();
    runUntil(loop, [&] { return pa->trace->lost && pb->trace->lost && pc->trace->lost; });
}

// A connected UDP endpoint whose peer port is closed: the ICMP error reaches
// errorReceived() as ConnectionRefusedError, and the endpoint keeps working.
void tst_Datagram::icmpErrorKeepsEndpoint()
{
    qaio::EventLoop &loop = guard->loop();
    qaio::Socket gone(AddressFamily::IPv4, qaio::SocketType::Datagram);
    gone.bind(SocketAddress(QHostAddress(QHostAddress::LocalHost), 0));
    const SocketAddress closedPort = gone.localAddress();
    gone.close();
    auto clientPc = openEndpoint(loop, {.remoteAddr = closedPort});
    auto client = std::move(clientPc.transport);
    [[maybe_unused]] auto *pc = clientPc.protocol;
    client->sendto("anyone there?");
    runUntil(loop, [&] { return !pc->trace->errors.empty(); });
    QVERIFY(!qaiotest::exceptionMessage<qaio::ConnectionRefusedError>(pc->trace->errors.front()).isEmpty());
    QVERIFY(!client->isClosing());
    QCOMPARE(pc->trace->lost, 0);

    // Someone takes the port: the same endpoint sends and receives again.
    qaio::Socket revived(AddressFamily::IPv4, qaio::SocketType::Datagram);
    revived.bind(closedPort);
    client->sendto("hello again");
    char buffer[64];
    const qaio::Socket &r = revived;
    revived.setBlocking(true);
    QCOMPARE(::recv(int(r.fileno()), buffer, sizeof(buffer), 0), ssize_t(11));
    const SocketAddress clientAddress = socknameOf(*client);
    QCOMPARE(::sendto(int(r.fileno()), "back", 4, 0, static_cast<const sockaddr *>(clientAddress.nativeData()),
                      socklen_t(clientAddress.nativeSize())),
             ssize_t(4));
    runUntil(loop, [&] { return pc->trace->datagrams.size() == 1; });
    QCOMPARE(pc->trace->datagrams.front(), QByteArray("back"));
    client->close();
    runUntil(loop, [&] { return pc->trace->lost == 1; });
    QVERIFY(!pc->trace->lostError);
}

// asyncio's _SelectorDatagramTransport buffering (test_sendto_buffer*): datagrams the
// kernel refuses are queued in order with their size + 8 counted, pauseWriting() over the
// high mark, resumeWriting() at the low one, and nothing is lost.
void tst_Datagram::bufferingAndFlowControl()
{
    qaio::EventLoop &loop = guard->loop();
    auto leftRight = unixDatagramPair();
    auto left = std::move(leftRight.first);
    auto right = std::move(leftRight.second);
    right.setBlocking(true);
    auto senderPs = openEndpoint(loop, {.sock = std::move(left)});
    auto sender = std::move(senderPs.transport);
    [[maybe_unused]] auto *ps = senderPs.protocol;
    sender->setWriteBufferLimits(256);
    QCOMPARE(sender->writeBufferLimits().high, qsizetype(256));
    QCOMPARE(sender->writeBufferLimits().low, qsizetype(64));
    // The peer reads nothing: its queue fills and the kernel refuses (EAGAIN).
    int sent = 0;
    while (sender->writeBufferSize() == 0 && sent < 100000)
        sender->sendto(QByteArray::number(sent++).rightJustified(100, '.'));
    QVERIFY(sender->writeBufferSize() > 0);
    const int firstBuffered = sent - 1;
    QCOMPARE(sender->writeBufferSize(), qsizetype(100 + 8));
    sender->sendto(QByteArrayView("view").toByteArray().rightJustified(100, '.'));
    QCOMPARE(sender->writeBufferSize(), qsizetype(2 * 108));
    QVERIFY(!ps->trace->events.contains(QStringLiteral("pause")));
    sender->sendto(QByteArray(100, '!'));
    QCOMPARE(ps->trace->events.back(), QStringLiteral("pause")); // 324 > 256
    const int total = sent + 2;

    // Read everything on the other side; the loop flushes the queue as room appears.
    QList<QByteArray> received;
    char buffer[256];
    const int rightFd = int(right.fileno());
    while (received.size() < total) {
        runUntil(loop, [&] {
            pollfd p{rightFd, POLLIN, 0};
            return ::poll(&p, 1, 0) == 1;
        });
        const ssize_t n = ::recv(rightFd, buffer, sizeof(buffer), 0);
        QVERIFY(n > 0);
        received << QByteArray(buffer, int(n));
    }
    QCOMPARE(sender->writeBufferSize(), 0);
    QCOMPARE(ps->trace->events.count(QStringLiteral("pause")), 1);
    QCOMPARE(ps->trace->events.count(QStringLiteral("resume")), 1);
    for (int i = 0; i < sent; ++i)
        QCOMPARE(received[i], QByteArray::number(i).rightJustified(100, '.'));
    QCOMPARE(received[firstBuffered], QByteArray::number(firstBuffered).rightJustified(100, '.'));
    QCOMPARE(received[sent], QByteArray("view").rightJustified(100, '.'));
    QCOMPARE(received[sent + 1], QByteArray(100, '!'));
    sender->close();
    runUntil(loop, [&] { return ps->trace->lost == 1; });
}

// close() sends what is buffered first; abort() drops it.
void tst_Datagram::closeFlushesAbortDrops()
{
    qaio::EventLoop &loop = guard->loop();
    for (const bool useAbort : {false, true}) {
        auto leftRight = unixDatagramPair();
        auto left = std::move(leftRight.first);
        auto right = std::move(leftRight.second);
        auto senderPs = openEndpoint(loop, {.sock = std::move(left)});
        auto sender = std::move(senderPs.transport);
        [[maybe_unused]] auto *ps = senderPs.protocol;
        int sent = 0;
        while (sender->writeBufferSize() == 0)
            sender->sendto(QByteArray::number(sent++));
        sender->sendto(QByteArray("last"));
        if (useAbort)
            sender->abort();
        else
            sender->close();
        QVERIFY(sender->isClosing());
        QCOMPARE(sender->writeBufferSize() == 0, useAbort); // close() keeps them to send
        // Drain the peer: with close() every datagram arrives, "last" at the end.
        QList<QByteArray> received;
        char buffer[64];
        const int rightFd = int(right.fileno());
        runUntil(loop, [&] {
            for (;;) {
                const ssize_t n = ::recv(rightFd, buffer, sizeof(buffer), MSG_DONTWAIT);
                if (n < 0)
                    break;
                received << QByteArray(buffer, int(n));
            }
            return ps->trace->lost == 1;
        });
        for (;;) {
            const ssize_t n = ::recv(rightFd, buffer, sizeof(buffer), MSG_DONTWAIT);
            if (n < 0)
                break;
            received << QByteArray(buffer, int(n));
        }
        if (useAbort) {
            QCOMPARE(received.size(), sent - 1); // the datagrams the kernel took, no more
        } else {
            QCOMPARE(received.size(), sent + 1);
            QCOMPARE(received.back(), QByteArray("last"));
        }
        QVERIFY(!ps->trace->lostError);
    }
}

// uvloop's test_send_after_close: no error, one warning after repeated sends.
void tst_Datagram::sendAfterCloseIsDropped()
{
    qaio::EventLoop &loop = guard->loop();
    auto serverPs = openEndpoint(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}});
    auto server = std::move(serverPs.transport);
    [[maybe_unused]] auto *ps = serverPs.protocol;
    auto clientPc = openEndpoint(loop, {.remoteAddr = socknameOf(*server)});
    auto client = std::move(clientPc.transport);
    [[maybe_unused]] auto *pc = clientPc.protocol;
    client->close();
    qaiotest::MessageCapture capture;
    for (int i = 0; i < 20; ++i)
        client->sendto("dropped");
    runUntil(loop, [&] { return pc->trace->lost == 1; });
    for (int i = 0; i < 20; ++i)
        client->sendto("dropped");
    QCOMPARE(capture.count(QtWarningMsg, QStringLiteral("socket.send() raised exception.")), 1);
    server->close();
    runUntil(loop, [&] { return ps->trace->lost == 1; });
    QVERIFY(ps->trace->datagrams.isEmpty());
}

// Python 3.12+: sendto(b'') sends an empty datagram.
void tst_Datagram::emptyDatagram()
{
    qaio::EventLoop &loop = guard->loop();
    auto serverPs = openEndpoint(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}});
    auto server = std::move(serverPs.transport);
    [[maybe_unused]] auto *ps = serverPs.protocol;
    auto clientPc = openEndpoint(loop, {.remoteAddr = socknameOf(*server)});
    auto client = std::move(clientPc.transport);
    [[maybe_unused]] auto *pc = clientPc.protocol;
    client->sendto(QByteArray());
    client->sendto("after");
    runUntil(loop, [&] { return ps->trace->datagrams.size() == 2; });
    QCOMPARE(ps->trace->datagrams, (QList<QByteArray>{QByteArray(), QByteArray("after")}));
    client->close();
    server->close();
    runUntil(loop, [&] { return ps->trace->lost && pc->trace->lost; });
}

// A datagram over asyncio's max_size (256 KiB) arrives cut to it, as asyncio's
// recvfrom(max_size) cuts it; qaio also says so once in the log.
void tst_Datagram::oversizedDatagramIsCut()
{
    qaio::EventLoop &loop = guard->loop();
    auto leftRight = unixDatagramPair();
    auto left = std::move(leftRight.first);
    auto right = std::move(leftRight.second);
    const int big = 300 * 1024;
    right.setOption(SOL_SOCKET, SO_SNDBUF, 1 << 20);
    left.setOption(SOL_SOCKET, SO_RCVBUF, 1 << 20);
    right.setBlocking(true);
    const QByteArray payload = patternBytes(big);
    if (::send(int(right.fileno()), payload.constData(), std::size_t(big), 0) != big)
        QSKIP("the kernel's socket buffer limits do not allow a 300 KiB datagram here");
    qaiotest::MessageCapture capture;
    auto receiverPr = openEndpoint(loop, {.sock = std::move(left)});
    auto receiver = std::move(receiverPr.transport);
    [[maybe_unused]] auto *pr = receiverPr.protocol;
    ::send(int(right.fileno()), "small", 5, 0);
    runUntil(loop, [&] { return pr->trace->datagrams.size() == 2; });
    QCOMPARE(pr->trace->datagrams.front().size(), 256 * 1024);
    QCOMPARE(pr->trace->datagrams.front(), payload.left(256 * 1024));
    QCOMPARE(pr->trace->datagrams.back(), QByteArray("small"));
    QVERIFY(pr->trace->errors.empty());
    QCOMPARE(capture.count(QtWarningMsg, QStringLiteral("was cut")), 1);
    receiver->close();
    runUntil(loop, [&] { return pr->trace->lost == 1; });
}

// asyncio: an exception from datagram_received() reaches the exception handler; the
// endpoint is not closed.
void tst_Datagram::protocolExceptionKeepsEndpoint()
{
    qaio::EventLoop &loop = guard->loop();
    watchHandler(loop);
    guard->expectException(QStringLiteral("Exception in protocol.datagramReceived()"));
    auto leftRight = unixDatagramPair();
    auto left = std::move(leftRight.first);
    auto right = std::move(leftRight.second);
    auto receiverPr = openEndpoint(loop, {.sock = std::move(left)});
    auto receiver = std::move(receiverPr.transport);
    [[maybe_unused]] auto *pr = receiverPr.protocol;
    pr->onDatagram = [](DgramProtocol &, QByteArrayView data, const SocketAddress &) {
        if (data == "boom")
            throw std::runtime_error("protocol bug");
    };
    ::send(int(right.fileno()), "boom", 4, 0);
    ::send(int(right.fileno()), "fine", 4, 0);
    runUntil(loop, [&] { return pr->trace->datagrams.size() == 2; });
    QVERIFY(!receiver->isClosing());
    QCOMPARE(guard->handlerCalls().size(), std::size_t(1));
    QCOMPARE(guard->handlerCalls().front().transport, static_cast<qaio::BaseTransport *>(receiver.get()));
    receiver->close();
    runUntil(loop, [&] { return pr->trace->lost == 1; });
}

void tst_Datagram::setProtocol()
{
    qaio::EventLoop &loop = guard->loop();
    auto leftRight = unixDatagramPair();
    auto left = std::move(leftRight.first);
    auto right = std::move(leftRight.second);
    auto firstTrace = std::make_shared<DgramTrace>();
    auto receiverFirst = openEndpoint(loop, {.sock = std::move(left)}, firstTrace);
    auto receiver = std::move(receiverFirst.transport);
    [[maybe_unused]] auto *first = receiverFirst.protocol;
    auto secondTrace = std::make_shared<DgramTrace>();
    // The protocol replaces itself from its own callback: destroyed after it returns.
    first->onDatagram = [secondTrace](DgramProtocol &self, QByteArrayView, const SocketAddress &) {
        self.transport()->setProtocol(std::make_unique<DgramProtocol>(secondTrace));
        if (self.trace->destroyed)
            qFatal("the protocol was destroyed during its own callback");
    };
    ::send(int(right.fileno()), "1", 1, 0);
    runUntil(loop, [&] { return firstTrace->destroyed; });
    ::send(int(right.fileno()), "2", 1, 0);
    runUntil(loop, [&] { return secondTrace->datagrams.size() == 1; });
    QCOMPARE(firstTrace->datagrams, QList<QByteArray>{"1"});
    QCOMPARE(secondTrace->made, 0); // setProtocol() does not call connectionMade()
    QVERIFY(qaiotest::messageOf<qaio::ValueError>([&] { receiver->setProtocol(std::make_unique<qaio::Protocol>()); })
                .contains(QLatin1String("qaio::DatagramProtocol")));
    QVERIFY(!qaiotest::messageOf<qaio::ValueError>([&] { receiver->setProtocol(nullptr); }).isEmpty());
    receiver->close();
    runUntil(loop, [&] { return secondTrace->lost == 1; });
}

// uvloop's test_create_datagram_endpoint_reuse_port.
void tst_Datagram::reusePort()
{
    qaio::EventLoop &loop = guard->loop();
    auto aPa = openEndpoint(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}, .reusePort = true});
    auto a = std::move(aPa.transport);
    [[maybe_unused]] auto *pa = aPa.protocol;
    const SocketAddress bound = socknameOf(*a);
    auto bPb = openEndpoint(loop, {.localAddr = bound, .reusePort = true});
    auto b = std::move(bPb.transport);
    [[maybe_unused]] auto *pb = bPb.protocol;
    QCOMPARE(socknameOf(*b), bound);
    int reuse = 0;
    socklen_t size = sizeof(reuse);
    ::getsockopt(int(fdOf(*b)), SOL_SOCKET, SO_REUSEPORT, &reuse, &size);
    QVERIFY(reuse != 0);
    // Without the option the address is taken.
    auto taken = [&] { openEndpoint(loop, {.localAddr = bound}); };
    QVERIFY(!qaiotest::messageOf<qaio::OSError>(taken).isEmpty());
    a->close();
    b->close();
    runUntil(loop, [&] { return pa->trace->lost && pb->trace->lost; });
}

// allow_broadcast: SO_BROADCAST, and the remote address is the default destination of an
// unconnected socket (asyncio does not connect then).
void tst_Datagram::allowBroadcast()
{
    qaio::EventLoop &loop = guard->loop();
    auto serverPs = openEndpoint(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}});
    auto server = std::move(serverPs.transport);
    [[maybe_unused]] auto *ps = serverPs.protocol;
    auto clientPc = openEndpoint(loop, {.remoteAddr = socknameOf(*server), .allowBroadcast = true});
    auto client = std::move(clientPc.transport);
    [[maybe_unused]] auto *pc = clientPc.protocol;
    int broadcast = 0;
    socklen_t size = sizeof(broadcast);
    ::getsockopt(int(fdOf(*client)), SOL_SOCKET, SO_BROADCAST, &broadcast, &size);
    QVERIFY(broadcast != 0);
    QCOMPARE(client->extraInfo(QStringLiteral("peername")), QVariant()); // not connected
    client->sendto("default destination");
    runUntil(loop, [&] { return ps->trace->datagrams.size() == 1; });
    QVERIFY(!qaiotest::messageOf<qaio::ValueError>([&] {
                 client->sendto("x", SocketAddress(QHostAddress(QHostAddress::LocalHost), 9));
             }).isEmpty());
    client->close();
    server->close();
    runUntil(loop, [&] { return ps->trace->lost && pc->trace->lost; });
}

void tst_Datagram::burstOfDatagrams_data()
{
    QTest::addColumn<bool>("udp");
    QTest::newRow("Unix (one by one)") << false;
    QTest::newRow("UDP (recvmmsg batches)") << true;
}

// Many datagrams queued before the loop looks: all delivered, in order, however many each
// wake-up and each batch takes.
void tst_Datagram::burstOfDatagrams()
{
    QFETCH(bool, udp);
    qaio::EventLoop &loop = guard->loop();
    qaio::Socket receiving;
    qaio::Socket sending;
    SocketAddress destination;
    if (udp) {
        receiving = qaio::Socket(AddressFamily::IPv4, qaio::SocketType::Datagram);
        receiving.bind(SocketAddress(QHostAddress(QHostAddress::LocalHost), 0));
        destination = receiving.localAddress();
        sending = qaio::Socket(AddressFamily::IPv4, qaio::SocketType::Datagram);
    } else {
        std::tie(receiving, sending) = unixDatagramPair();
    }
    receiving.setOption(SOL_SOCKET, SO_RCVBUF, 1 << 20);
    sending.setBlocking(true);
    auto receiverPr = openEndpoint(loop, {.sock = std::move(receiving)});
    auto receiver = std::move(receiverPr.transport);
    [[maybe_unused]] auto *pr = receiverPr.protocol;
    QList<QByteArray> expected;
    for (int round = 0; round < 10; ++round) {
        for (int i = 0; i < 100; ++i) {
            expected << QByteArray::number(round * 100 + i).repeated(1 + i % 7);
            const QByteArray &d = expected.back();
            const ssize_t sent = udp ? ::sendto(int(sending.fileno()), d.constData(), std::size_t(d.size()), 0,
                                                static_cast<const sockaddr *>(destination.nativeData()),
                                                socklen_t(destination.nativeSize()))
                                     : ::send(int(sending.fileno()), d.constData(), std::size_t(d.size()), 0);
            QCOMPARE(sent, ssize_t(d.size()));
        }
        runUntil(loop, [&] { return pr->trace->datagrams.size() == expected.size(); });
    }
    QCOMPARE(pr->trace->datagrams, expected);
    if (udp) // the sender's implicit bind is to 0.0.0.0: its datagrams come from 127.0.0.1
        QCOMPARE(pr->trace->senders.back(), SocketAddress(QHostAddress(QHostAddress::LocalHost), sending.localAddress().port()));
    receiver->close();
    runUntil(loop, [&] { return pr->trace->lost == 1; });
}

// A protocol that closes its endpoint in the middle of a batch gets no more datagrams.
void tst_Datagram::closeInsideBatchStopsDelivery()
{
    qaio::EventLoop &loop = guard->loop();
    auto receiverPr = openEndpoint(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}});
    auto receiver = std::move(receiverPr.transport);
    [[maybe_unused]] auto *pr = receiverPr.protocol;
    pr->onDatagram = [](DgramProtocol &self, QByteArrayView data, const SocketAddress &) {
        if (data == "3")
            self.transport()->close();
    };
    qaio::Socket sending(AddressFamily::IPv4, qaio::SocketType::Datagram);
    sending.setBlocking(true);
    const SocketAddress destination = socknameOf(*receiver);
    for (int i = 0; i < 8; ++i) {
        const QByteArray d = QByteArray::number(i);
        ::sendto(int(sending.fileno()), d.constData(), std::size_t(d.size()), 0,
                 static_cast<const sockaddr *>(destination.nativeData()), socklen_t(destination.nativeSize()));
    }
    runUntil(loop, [&] { return pr->trace->lost == 1; });
    QCOMPARE(pr->trace->datagrams, (QList<QByteArray>{"0", "1", "2", "3"}));
}

void tst_Datagram::hostNameIsResolved()
{
    qaio::EventLoop &loop = guard->loop();
    auto serverPs = openEndpoint(
        loop, {.localAddr = HostAndPort{QStringLiteral("localhost"), 0}, .family = AddressFamily::IPv4});
    auto server = std::move(serverPs.transport);
    [[maybe_unused]] auto *ps = serverPs.protocol;
    QCOMPARE(socknameOf(*server).host(), QHostAddress(QHostAddress::LocalHost));
    auto clientPc = openEndpoint(loop, {.remoteAddr = HostAndPort{QStringLiteral("localhost"), socknameOf(*server).port()},
                                            .family = AddressFamily::IPv4});
    auto client = std::move(clientPc.transport);
    [[maybe_unused]] auto *pc = clientPc.protocol;
    client->sendto("resolved");
    runUntil(loop, [&] { return ps->trace->datagrams.size() == 1; });
    client->close();
    server->close();
    runUntil(loop, [&] { return ps->trace->lost && pc->trace->lost; });
}

// asyncio removes a stale socket file at a Unix local address before binding.
void tst_Datagram::staleUnixSocketIsReplaced()
{
    qaio::EventLoop &loop = guard->loop();
    QTemporaryDir dir;
    const SocketAddress path = SocketAddress::fromUnixPath(dir.filePath(QStringLiteral("stale.sock")));
    {
        qaio::Socket dead(AddressFamily::Unix, qaio::SocketType::Datagram);
        dead.bind(path); // leaves the file behind when closed
    }
    QVERIFY(QFileInfo::exists(path.path()));
    auto serverPs = openEndpoint(loop, {.localAddr = path});
    auto server = std::move(serverPs.transport);
    [[maybe_unused]] auto *ps = serverPs.protocol;
    QCOMPARE(socknameOf(*server), path);
    qaio::Socket raw(AddressFamily::Unix, qaio::SocketType::Datagram);
    QCOMPARE(::sendto(int(raw.fileno()), "hi", 2, 0, static_cast<const sockaddr *>(path.nativeData()),
                      socklen_t(path.nativeSize())),
             ssize_t(2));
    runUntil(loop, [&] { return ps->trace->datagrams.size() == 1; });
    server->close();
    runUntil(loop, [&] { return ps->trace->lost == 1; });
}

// Cancelling the awaiting call before connectionMade() has run closes the endpoint: no
// socket, no callback, no protocol is left.
void tst_Datagram::cancelledCreationLeavesNothing()
{
    qaio::EventLoop &loop = guard->loop();
    const int fdsBefore = LoopGuard::openFdCount();
    auto trace = std::make_shared<DgramTrace>();
    auto factory = [trace] { return std::make_unique<DgramProtocol>(trace); };
    qaio::Task<qaio::DatagramEndpoint<DgramProtocol>> task =
        loop.createTask(loop.createDatagramEndpoint(factory, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}}));
    // Run until the protocol exists (the factory ran), then cancel before the waiter is set.
    loop.callSoon([&] { task.cancel(); });
    const QString outcome = expectThrow<qaio::CancelledError>(loop, task);
    QVERIFY2(outcome != QLatin1String("NO EXCEPTION") && !outcome.startsWith(QLatin1String("WRONG")), qPrintable(outcome));
    runUntil(loop, [&] { return trace->destroyed; });
    QVERIFY(trace->made <= 1);
    QCOMPARE(trace->lost, trace->made);
    QCOMPARE(LoopGuard::openFdCount(), fdsBefore);
}

// EventLoop::close() with an endpoint still open: its socket is closed, no callback runs.
void tst_Datagram::loopCloseReleasesEndpoint()
{
    qaio::EventLoop &loop = guard->loop();
    auto trace = std::make_shared<DgramTrace>();
    int fd = -1;
    {
        auto serverPs = openEndpoint(loop, {.localAddr = HostAndPort{QStringLiteral("127.0.0.1"), 0}}, trace);
        auto server = std::move(serverPs.transport);
        [[maybe_unused]] auto *ps = serverPs.protocol;
        server->sendto("to myself", socknameOf(*server));
        fd = int(fdOf(*server));
        // the transport pointer is dropped here: the loop keeps the endpoint open
    }
    QVERIFY(!trace->destroyed);
    loop.close();
    QVERIFY(trace->destroyed);
    QCOMPARE(trace->lost, 0);
    QCOMPARE(::fcntl(fd, F_GETFD), -1); // the endpoint's socket is closed
    QCOMPARE(errno, EBADF);
}

QTEST_GUILESS_MAIN(tst_Datagram)
#include "tst_datagram.moc"
