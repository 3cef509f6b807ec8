// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::sock*() (asyncio's sock_recv() & co., test_sock_lowlevel.py's cases): TCP on
// 127.0.0.1 and ::1, Unix paths, UDP, transfers larger than the socket buffers,
// cancellation, peer resets, sendfile (zero copy and fallback) and argument errors.
#include "exceptionchecks.h"
#include "looptestcase.h"
#include "netsock_helpers.h"

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTemporaryFile>
#include <QtTest/QtTest>

#include <cerrno>
#include <limits>
#include <sys/socket.h>
#include <unistd.h>

using qaio::AddressFamily;
using qaio::Socket;
using qaio::SocketAddress;
using qaio::SocketType;
using netsock::patternBytes;

namespace {

constexpr qsizetype kLarge = 8 * 1024 * 1024; // far more than the (shrunk) socket buffers

struct Exchange
{
    SocketAddress peer;           // what sockAccept() reported
    SocketAddress clientLocal;    // the client's own address
    SocketAddress clientPeer;     // what the client is connected to
    bool acceptedNonBlocking = false;
    AddressFamily acceptedFamily = AddressFamily::Unspecified;
    QByteArray serverGot;
    QByteArray clientGot;
};

qaio::Coro<std::pair<Socket, SocketAddress>> acceptOne(qaio::EventLoop &loop, Socket &listener)
{
    auto accepted = co_await loop.sockAccept(listener);
    co_return std::move(accepted);
}

// The accept is started first, so it really waits for readiness before the connect.
qaio::Coro<void> connectAcceptExchange(qaio::EventLoop &loop, Socket &listener, SocketAddress target, Exchange *out)
{
    qaio::Task<std::pair<Socket, SocketAddress>> accepting = loop.createTask(acceptOne(loop, listener));
    co_await qaio::sleep(0); // let the accept start and block
    Socket client(target.family(), SocketType::Stream);
    co_await loop.sockConnect(client, target);
    auto accepted = co_await accepting;
    Socket server = std::move(accepted.first);
    out->peer = accepted.second;
    out->clientLocal = client.localAddress();
    out->clientPeer = client.peerAddress();
    out->acceptedNonBlocking = !server.isBlocking();
    out->acceptedFamily = server.family();
    co_await loop.sockSendall(client, "hello from the client");
    out->serverGot = co_await loop.sockRecv(server, 100);
    co_await loop.sockSendall(server, "hello from the server");
    out->clientGot = co_await loop.sockRecv(client, 100);
}

qaio::Coro<QByteArray> recvExactly(qaio::EventLoop &loop, Socket &s, qsizetype total)
{
    QByteArray out;
    out.reserve(total);
    while (out.size() < total) {
        const QByteArray chunk = co_await loop.sockRecv(s, 256 * 1024);
        if (chunk.isEmpty())
            break;
        out += chunk;
    }
    co_return out;
}

qaio::Coro<QByteArray> sendallWhilePeerReads(qaio::EventLoop &loop, Socket &sender, Socket &receiver, QByteArray data)
{
    qaio::Task<QByteArray> reading = loop.createTask(recvExactly(loop, receiver, data.size()));
    co_await loop.sockSendall(sender, data);
    const QByteArray got = co_await reading;
    co_return got;
}

qaio::Coro<void> fullDuplex(qaio::EventLoop &loop, Socket &a, Socket &b, QByteArray toB, QByteArray toA, QByteArray *gotA,
                            QByteArray *gotB)
{
    qaio::Task<QByteArray> readA = loop.createTask(recvExactly(loop, a, toA.size()));
    qaio::Task<QByteArray> readB = loop.createTask(recvExactly(loop, b, toB.size()));
    qaio::Task<void> sendB = loop.createTask(loop.sockSendall(b, toA));
    co_await loop.sockSendall(a, toB);
    co_await sendB;
    *gotA = co_await readA;
    *gotB = co_await readB;
}

qaio::Coro<void> recvCatching(qaio::EventLoop &loop, Socket &s, QByteArray *got, std::exception_ptr *error)
{
    try {
        *got = co_await loop.sockRecv(s, 100);
    } catch (...) {
        *error = std::current_exception();
    }
}

qaio::Coro<void> sendallCatching(qaio::EventLoop &loop, Socket &s, QByteArray data, std::exception_ptr *error)
{
    try {
        co_await loop.sockSendall(s, data);
    } catch (...) {
        *error = std::current_exception();
    }
}

qaio::Coro<qint64> sendfileWhilePeerReads(qaio::EventLoop &loop, Socket &sender, Socket &receiver, QFile &file,
                                          qint64 offset, std::optional<qint64> count, bool fallback, qsizetype expected,
                                          QByteArray *got)
{
    qaio::Task<QByteArray> reading = loop.createTask(recvExactly(loop, receiver, expected));
    const qint64 sent = co_await loop.sockSendfile(sender, file, offset, count, fallback);
    *got = co_await reading;
    co_return sent;
}

using qaio::holds;

// The message of the E thrown by f(), or a marker that fails any contains() check.
template <class E, class F>
QString messageOf(F &&f)
{
    try {
        f();
    } catch (const E &e) {
        return QString::fromUtf8(e.what());
    } catch (...) {
        return QStringLiteral("<another exception>");
    }
    return QStringLiteral("<no exception>");
}

void shrinkBuffers(Socket &s)
{
    s.setOption(SOL_SOCKET, SO_SNDBUF, 32 * 1024);
    s.setOption(SOL_SOCKET, SO_RCVBUF, 32 * 1024);
}

// Everything the kernel holds for `s` right now (Unix socket pairs deliver at once).
QByteArray drainNow(Socket &s)
{
    QByteArray out;
    for (;;) {
        try {
            const QByteArray chunk = s.recv(256 * 1024);
            if (chunk.isEmpty())
                return out;
            out += chunk;
        } catch (const qaio::BlockingIOError &) {
            return out;
        }
    }
}

QByteArray readAllOf(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

} // namespace

class tst_SockOps : public LoopTestCase
{
    Q_OBJECT

    void checkExchange(const Exchange &x)
    {
        QVERIFY(x.peer == x.clientLocal);
        QVERIFY(x.acceptedNonBlocking);
        QCOMPARE(x.serverGot, QByteArray("hello from the client"));
        QCOMPARE(x.clientGot, QByteArray("hello from the server"));
    }

private Q_SLOTS:
    // ---- connect / accept ----------------------------------------------------------
    void connectAcceptIPv4()
    {
        auto &loop = guard->loop();
        Socket listener = netsock::loopbackListener(AddressFamily::IPv4);
        Exchange x;
        loop.runUntilComplete(connectAcceptExchange(loop, listener, listener.localAddress(), &x));
        checkExchange(x);
        QCOMPARE(x.acceptedFamily, AddressFamily::IPv4);
        QVERIFY(x.clientPeer == listener.localAddress());
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void connectAcceptIPv6()
    {
        if (!netsock::ipv6LoopbackAvailable())
            QSKIP("::1 cannot be bound on this machine");
        auto &loop = guard->loop();
        Socket listener = netsock::loopbackListener(AddressFamily::IPv6);
        Exchange x;
        loop.runUntilComplete(connectAcceptExchange(loop, listener, listener.localAddress(), &x));
        checkExchange(x);
        QCOMPARE(x.acceptedFamily, AddressFamily::IPv6);
        QCOMPARE(x.peer.host(), QHostAddress(QHostAddress::LocalHostIPv6));
        QVERIFY(x.clientPeer == listener.localAddress());
    }

    void connectAcceptUnixPath()
    {
        auto &loop = guard->loop();
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const SocketAddress address = SocketAddress::fromUnixPath(dir.filePath(QStringLiteral("echo.sock")));
        Socket listener(AddressFamily::Unix, SocketType::Stream);
        listener.bind(address);
        listener.listen();
        Exchange x;
        loop.runUntilComplete(connectAcceptExchange(loop, listener, address, &x));
        QVERIFY(x.acceptedNonBlocking);
        QCOMPARE(x.acceptedFamily, AddressFamily::Unix);
        QCOMPARE(x.serverGot, QByteArray("hello from the client"));
        QCOMPARE(x.clientGot, QByteArray("hello from the server"));
        QVERIFY(x.clientPeer == address);
    }

    void connectRefused()
    {
        auto &loop = guard->loop();
        // Bound but not listening: the port is ours and nobody accepts on it.
        Socket holder(AddressFamily::IPv4, SocketType::Stream);
        holder.bind({QHostAddress::LocalHost, 0});
        const SocketAddress target = holder.localAddress();
        Socket client(AddressFamily::IPv4, SocketType::Stream);
        const QString message = messageOf<qaio::ConnectionRefusedError>(
            [&] { loop.runUntilComplete(loop.sockConnect(client, target)); });
        QVERIFY2(message.contains(target.toString()), qPrintable(message));
        QVERIFY2(message.startsWith(QStringLiteral("connect to")), qPrintable(message));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void connectByHostName()
    {
        auto &loop = guard->loop();
        Socket listener = netsock::loopbackListener(AddressFamily::IPv4);
        const quint16 port = listener.localAddress().port();
        Socket byName(AddressFamily::IPv4, SocketType::Stream);
        loop.runUntilComplete(loop.sockConnect(byName, QStringLiteral("localhost"), port));
        QVERIFY(byName.peerAddress() == listener.localAddress());
        Socket byLiteral(AddressFamily::IPv4, SocketType::Stream);
        loop.runUntilComplete(loop.sockConnect(byLiteral, QStringLiteral("127.0.0.1"), port));
        QVERIFY(byLiteral.peerAddress() == listener.localAddress());
        auto first = loop.runUntilComplete(acceptOne(loop, listener));
        auto second = loop.runUntilComplete(acceptOne(loop, listener));
        QVERIFY(first.second == byName.localAddress());
        QVERIFY(second.second == byLiteral.localAddress());

        Socket local(AddressFamily::Unix, SocketType::Stream);
        const QString message = messageOf<qaio::ValueError>(
            [&] { loop.runUntilComplete(loop.sockConnect(local, QStringLiteral("localhost"), port)); });
        QVERIFY2(message.contains(QStringLiteral("IPv4 or IPv6")), qPrintable(message));
    }

    // ---- data ------------------------------------------------------------------------
    void sendallLargerThanSocketBuffers()
    {
        auto &loop = guard->loop();
        auto [client, server] = netsock::tcpPair(loop);
        shrinkBuffers(client);
        shrinkBuffers(server);
        const QByteArray data = patternBytes(kLarge);
        const QByteArray got = loop.runUntilComplete(sendallWhilePeerReads(loop, client, server, data));
        QCOMPARE(got.size(), data.size());
        QVERIFY(got == data);
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void fullDuplexOnOneSocketPair()
    {
        // Each socket waits to read and to write at the same time: one watcher, two directions.
        auto &loop = guard->loop();
        auto [a, b] = netsock::tcpPair(loop);
        shrinkBuffers(a);
        shrinkBuffers(b);
        const QByteArray toB = patternBytes(2 * 1024 * 1024, 1);
        const QByteArray toA = patternBytes(3 * 1024 * 1024, 2);
        QByteArray gotA, gotB;
        loop.runUntilComplete(fullDuplex(loop, a, b, toB, toA, &gotA, &gotB));
        QVERIFY(gotA == toA);
        QVERIFY(gotB == toB);
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void recvReturnsEmptyAtEof()
    {
        auto &loop = guard->loop();
        auto pair = Socket::pair();
        pair.second.send("last words");
        pair.second.close();
        QCOMPARE(loop.runUntilComplete(loop.sockRecv(pair.first, 100)), QByteArray("last words"));
        QCOMPARE(loop.runUntilComplete(loop.sockRecv(pair.first, 100)), QByteArray());
    }

    void recvInto()
    {
        auto &loop = guard->loop();
        auto pair = Socket::pair();
        Socket &a = pair.first;
        char buffer[4] = {};
        // Waits for data first.
        qaio::Task<qsizetype> pending = loop.createTask(loop.sockRecvInto(a, std::span<char>(buffer, sizeof(buffer))));
        loop.runOnce();
        QVERIFY(!pending.done());
        QCOMPARE(loop.watchedFdCount(), std::size_t(1));
        pair.second.send("abcdef");
        QCOMPARE(loop.runUntilComplete(qaio::Future<qsizetype>(pending)), qsizetype(4));
        QCOMPARE(QByteArray(buffer, 4), QByteArray("abcd"));
        const qsizetype n = loop.runUntilComplete(loop.sockRecvInto(a, std::span<char>(buffer, sizeof(buffer))));
        QCOMPARE(n, qsizetype(2));
        QCOMPARE(QByteArray(buffer, 2), QByteArray("ef"));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void udpSendtoRecvfrom()
    {
        auto &loop = guard->loop();
        Socket a(AddressFamily::IPv4, SocketType::Datagram);
        Socket b(AddressFamily::IPv4, SocketType::Datagram);
        a.bind({QHostAddress::LocalHost, 0});
        b.bind({QHostAddress::LocalHost, 0});

        // recvfrom waiting before the datagram arrives
        qaio::Task<std::pair<QByteArray, SocketAddress>> pending = loop.createTask(loop.sockRecvfrom(b, 100));
        loop.runOnce();
        QVERIFY(!pending.done());
        QCOMPARE(loop.runUntilComplete(loop.sockSendto(a, "first", b.localAddress())), qsizetype(5));
        const auto [data, from] = loop.runUntilComplete(qaio::Future<std::pair<QByteArray, SocketAddress>>(pending));
        QCOMPARE(data, QByteArray("first"));
        QVERIFY(from == a.localAddress());

        // recvfromInto, whole buffer
        loop.runUntilComplete(loop.sockSendto(a, "second", b.localAddress()));
        char buffer[16] = {};
        const auto [n, sender] = loop.runUntilComplete(loop.sockRecvfromInto(b, std::span<char>(buffer, sizeof(buffer))));
        QCOMPARE(n, qsizetype(6));
        QCOMPARE(QByteArray(buffer, 6), QByteArray("second"));
        QVERIFY(sender == a.localAddress());

        // recvfromInto with maxSize: the datagram is truncated to it
        loop.runUntilComplete(loop.sockSendto(b, "truncate-me", a.localAddress()));
        std::fill(std::begin(buffer), std::end(buffer), '\0');
        const auto [m, fromB] =
            loop.runUntilComplete(loop.sockRecvfromInto(a, std::span<char>(buffer, sizeof(buffer)), 3));
        QCOMPARE(m, qsizetype(3));
        QCOMPARE(QByteArray(buffer), QByteArray("tru"));
        QVERIFY(fromB == b.localAddress());

        // Each datagram stays one message.
        loop.runUntilComplete(loop.sockSendto(a, "x", b.localAddress()));
        loop.runUntilComplete(loop.sockSendto(a, "yz", b.localAddress()));
        QCOMPARE(loop.runUntilComplete(loop.sockRecvfrom(b, 100)).first, QByteArray("x"));
        QCOMPARE(loop.runUntilComplete(loop.sockRecvfrom(b, 100)).first, QByteArray("yz"));

        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.runUntilComplete(loop.sockSendto(a, "x", SocketAddress())));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError,
                                 loop.runUntilComplete(loop.sockRecvfromInto(b, std::span<char>(buffer, 4), 5)));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.runUntilComplete(loop.sockRecvfrom(b, -1)));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    // ---- argument errors -------------------------------------------------------------
    void blockingSocketIsRefused()
    {
        auto &loop = guard->loop();
        auto pair = Socket::pair();
        Socket &s = pair.first;
        s.setBlocking(true);
        char buffer[8];
        QTemporaryFile file;
        QVERIFY(file.open());
        const QString recv = messageOf<qaio::ValueError>([&] { loop.runUntilComplete(loop.sockRecv(s, 1)); });
        QVERIFY2(recv.contains(QStringLiteral("sock:")) && recv.contains(QStringLiteral("non-blocking")), qPrintable(recv));
        QVERIFY2(recv.startsWith(QStringLiteral("sockRecv()")), qPrintable(recv));
        const auto refuses = [&](auto coro) {
            const QString m = messageOf<qaio::ValueError>([&] { loop.runUntilComplete(std::move(coro)); });
            return m.contains(QStringLiteral("sock:")) && m.contains(QStringLiteral("non-blocking"));
        };
        QVERIFY(refuses(loop.sockRecvInto(s, std::span<char>(buffer, sizeof(buffer)))));
        QVERIFY(refuses(loop.sockRecvfrom(s, 8)));
        QVERIFY(refuses(loop.sockRecvfromInto(s, std::span<char>(buffer, sizeof(buffer)))));
        QVERIFY(refuses(loop.sockSendall(s, "x")));
        QVERIFY(refuses(loop.sockSendto(s, "x", SocketAddress::fromAbstractName("qaio"))));
        QVERIFY(refuses(loop.sockConnect(s, SocketAddress::fromAbstractName("qaio"))));
        QVERIFY(refuses(loop.sockAccept(s)));
        QVERIFY(refuses(loop.sockSendfile(s, file)));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void closedSocketIsRefused()
    {
        auto &loop = guard->loop();
        Socket s(AddressFamily::IPv4, SocketType::Stream);
        s.close();
        const QString message = messageOf<qaio::ValueError>([&] { loop.runUntilComplete(loop.sockRecv(s, 1)); });
        QVERIFY2(message.contains(QStringLiteral("sock:")) && message.contains(QStringLiteral("closed")),
                 qPrintable(message));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.runUntilComplete(loop.sockSendall(s, "x")));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.runUntilComplete(loop.sockAccept(s)));
        QVERIFY_THROWS_EXCEPTION(
            qaio::ValueError, loop.runUntilComplete(loop.sockConnect(s, SocketAddress(QHostAddress::LocalHost, 9))));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.runUntilComplete(loop.sockRecv(s, -1)));
    }

    void invalidArguments()
    {
        auto &loop = guard->loop();
        auto pair = Socket::pair();
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.runUntilComplete(loop.sockRecv(pair.first, -1)));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.runUntilComplete(loop.sockConnect(pair.first, SocketAddress())));
        loop.runUntilComplete(loop.sockSendall(pair.first, QByteArray())); // nothing to send: done at once
    }

    // ---- cancellation ------------------------------------------------------------------
    void cancelledRecvLeavesSocketUsable()
    {
        auto &loop = guard->loop();
        auto pair = Socket::pair();
        Socket &a = pair.first;
        qaio::Task<QByteArray> pending = loop.createTask(loop.sockRecv(a, 100));
        loop.runOnce();
        QVERIFY(!pending.done());
        QCOMPARE(loop.watchedFdCount(), std::size_t(1));
        pending.cancel();
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<QByteArray>(pending)));
        QVERIFY(pending.cancelled());
        QVERIFY(!loop.removeReader(a.fileno()));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
        pair.second.send("after the cancel");
        QCOMPARE(loop.runUntilComplete(loop.sockRecv(a, 100)), QByteArray("after the cancel"));
    }

    void cancelledAcceptLeavesListenerUsable()
    {
        auto &loop = guard->loop();
        Socket listener = netsock::loopbackListener();
        qaio::Task<std::pair<Socket, SocketAddress>> pending = loop.createTask(loop.sockAccept(listener));
        loop.runOnce();
        QVERIFY(!pending.done());
        pending.cancel();
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError,
                                 loop.runUntilComplete(qaio::Future<std::pair<Socket, SocketAddress>>(pending)));
        QVERIFY(!loop.removeReader(listener.fileno()));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
        auto [client, server] = loop.runUntilComplete(netsock::connectedPair(loop, listener));
        QVERIFY(server.peerAddress() == client.localAddress());
    }

    void cancelledSendallLeavesSocketUsable()
    {
        auto &loop = guard->loop();
        auto pair = Socket::pair();
        Socket &a = pair.first;
        Socket &b = pair.second;
        shrinkBuffers(a);
        shrinkBuffers(b);
        const QByteArray data = patternBytes(kLarge);
        qaio::Task<void> pending = loop.createTask(loop.sockSendall(a, data));
        loop.runOnce(); // sends what fits, then waits for room
        QVERIFY(!pending.done());
        QCOMPARE(loop.watchedFdCount(), std::size_t(1));
        pending.cancel();
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<void>(pending)));
        QVERIFY(!loop.removeWriter(a.fileno()));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
        // What was sent before the cancel is a clean prefix; nothing more follows it.
        const QByteArray prefix = drainNow(b);
        QVERIFY(prefix.size() > 0);
        QVERIFY(prefix.size() < data.size());
        QVERIFY(prefix == data.left(prefix.size()));
        loop.runUntilComplete(loop.sockSendall(a, "tail"));
        QCOMPARE(loop.runUntilComplete(loop.sockRecv(b, 100)), QByteArray("tail"));
    }

    // ---- peer resets -------------------------------------------------------------------
    void peerResetDuringRecv()
    {
        auto &loop = guard->loop();
        auto [client, server] = netsock::tcpPair(loop);
        QByteArray got("not set");
        std::exception_ptr error;
        qaio::Task<void> pending = loop.createTask(recvCatching(loop, server, &got, &error));
        loop.runOnce();
        QVERIFY(!pending.done());
        const linger abortive{1, 0};
        client.setOption(SOL_SOCKET, SO_LINGER, QByteArrayView(reinterpret_cast<const char *>(&abortive), sizeof(abortive)));
        client.close(); // RST
        loop.runUntilComplete(qaio::Future<void>(pending));
        QVERIFY2(holds<qaio::ConnectionResetError>(error) || (!error && got.isEmpty()),
                 qPrintable(error ? qaio::describeException(error) : QString::fromLatin1(got)));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void peerResetDuringSendall()
    {
        auto &loop = guard->loop();
        auto [client, server] = netsock::tcpPair(loop);
        shrinkBuffers(client);
        shrinkBuffers(server);
        std::exception_ptr error;
        qaio::Task<void> pending = loop.createTask(sendallCatching(loop, server, patternBytes(kLarge), &error));
        loop.runOnce();
        QVERIFY(!pending.done()); // blocked: nobody reads
        const linger abortive{1, 0};
        client.setOption(SOL_SOCKET, SO_LINGER, QByteArrayView(reinterpret_cast<const char *>(&abortive), sizeof(abortive)));
        client.close();
        loop.runUntilComplete(qaio::Future<void>(pending));
        // ECONNRESET or EPIPE, depending on when the reset is seen: both ConnectionErrors.
        QVERIFY2(holds<qaio::ConnectionResetError>(error) || holds<qaio::BrokenPipeError>(error),
                 qPrintable(error ? qaio::describeException(error) : QStringLiteral("no error")));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    // ---- sendfile ----------------------------------------------------------------------
    void sendfileZeroCopy()
    {
        auto &loop = guard->loop();
        auto [client, server] = netsock::tcpPair(loop);
        shrinkBuffers(client);
        shrinkBuffers(server);
        const QByteArray content = patternBytes(3 * 1024 * 1024 + 17, 3);
        QTemporaryFile file;
        QVERIFY(file.open());
        QCOMPARE(file.write(content), qint64(content.size()));
        QVERIFY(file.flush());
        QVERIFY(file.seek(0));
        QByteArray got;
        // fallback = false: only the zero-copy path can succeed.
        const qint64 sent = loop.runUntilComplete(
            sendfileWhilePeerReads(loop, server, client, file, 0, std::nullopt, false, content.size(), &got));
        QCOMPARE(sent, qint64(content.size()));
        QVERIFY(got == content);
        QCOMPARE(file.pos(), qint64(content.size()));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void sendfileOffsetAndCount()
    {
        auto &loop = guard->loop();
        auto pair = Socket::pair();
        Socket &a = pair.first;
        Socket &b = pair.second;
        const QByteArray content = patternBytes(100000, 4);
        QTemporaryFile file;
        QVERIFY(file.open());
        file.write(content);
        QVERIFY(file.flush());
        QByteArray got;

        QCOMPARE(loop.runUntilComplete(sendfileWhilePeerReads(loop, a, b, file, 1000, 5000, false, 5000, &got)),
                 qint64(5000));
        QVERIFY(got == content.mid(1000, 5000));
        QCOMPARE(file.pos(), qint64(6000));

        // A count past the end sends up to the end.
        QCOMPARE(loop.runUntilComplete(sendfileWhilePeerReads(loop, a, b, file, 99990, 1000000, false, 10, &got)),
                 qint64(10));
        QVERIFY(got == content.mid(99990));
        QCOMPARE(file.pos(), qint64(100000));
        const qint64 huge = std::numeric_limits<qint64>::max();
        QCOMPARE(loop.runUntilComplete(sendfileWhilePeerReads(loop, a, b, file, 99000, huge, false, 1000, &got)),
                 qint64(1000));
        QVERIFY(got == content.mid(99000));

        // An offset at or past the end sends nothing and leaves the position alone.
        QVERIFY(file.seek(42));
        QCOMPARE(loop.runUntilComplete(loop.sockSendfile(a, file, 100000)), qint64(0));
        QCOMPARE(loop.runUntilComplete(loop.sockSendfile(a, file, 200000, 5)), qint64(0));
        QCOMPARE(file.pos(), qint64(42));
        QCOMPARE(drainNow(b), QByteArray());
    }

    void sendfileFallbackForResource()
    {
        // A Qt resource has no system descriptor: only the read/write fallback can send it.
        auto &loop = guard->loop();
        auto pair = Socket::pair();
        Socket &a = pair.first;
        Socket &b = pair.second;
        const QString path = QStringLiteral(":/qaio-tests/sendfile-payload");
        const QByteArray content = readAllOf(path);
        QVERIFY(content.size() > 10000);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.handle(), -1);

        const QString refused = messageOf<qaio::NotImplementedError>(
            [&] { loop.runUntilComplete(loop.sockSendfile(a, file, 0, std::nullopt, false)); });
        QVERIFY2(refused.contains(QStringLiteral("fallback")), qPrintable(refused));
        QCOMPARE(file.pos(), qint64(0));

        QByteArray got;
        const qint64 all = loop.runUntilComplete(
            sendfileWhilePeerReads(loop, a, b, file, 0, std::nullopt, true, content.size(), &got));
        QCOMPARE(all, qint64(content.size()));
        QVERIFY(got == content);
        QCOMPARE(file.pos(), qint64(content.size()));

        const qint64 part =
            loop.runUntilComplete(sendfileWhilePeerReads(loop, a, b, file, 100, 2500, true, 2500, &got));
        QCOMPARE(part, qint64(2500));
        QVERIFY(got == content.mid(100, 2500));
        QCOMPARE(file.pos(), qint64(2600));
    }

    void cancelledSendfileKeepsFilePositionInStep()
    {
        auto &loop = guard->loop();
        auto pair = Socket::pair();
        Socket &a = pair.first;
        Socket &b = pair.second;
        shrinkBuffers(a);
        shrinkBuffers(b);
        const QByteArray content = patternBytes(kLarge, 5);
        QTemporaryFile file;
        QVERIFY(file.open());
        file.write(content);
        QVERIFY(file.flush());
        QVERIFY(file.seek(0));
        qaio::Task<qint64> pending = loop.createTask(loop.sockSendfile(a, file, 10));
        loop.runOnce();
        QVERIFY(!pending.done());
        pending.cancel();
        QVERIFY_THROWS_EXCEPTION(qaio::CancelledError, loop.runUntilComplete(qaio::Future<qint64>(pending)));
        const QByteArray sent = drainNow(b);
        QVERIFY(sent.size() > 0);
        QVERIFY(sent == content.mid(10, sent.size()));
        QCOMPARE(file.pos(), qint64(10 + sent.size())); // just after what was sent
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void sendfileArgumentErrors()
    {
        auto &loop = guard->loop();
        auto pair = Socket::pair();
        Socket &a = pair.first;
        QTemporaryFile file;
        QVERIFY(file.open());
        file.write("some content");
        QVERIFY(file.flush());

        QString m = messageOf<qaio::ValueError>([&] { loop.runUntilComplete(loop.sockSendfile(a, file, -1)); });
        QVERIFY2(m.contains(QStringLiteral("offset")), qPrintable(m));
        m = messageOf<qaio::ValueError>([&] { loop.runUntilComplete(loop.sockSendfile(a, file, 0, 0)); });
        QVERIFY2(m.contains(QStringLiteral("count")), qPrintable(m));
        m = messageOf<qaio::ValueError>([&] { loop.runUntilComplete(loop.sockSendfile(a, file, 0, -5)); });
        QVERIFY2(m.contains(QStringLiteral("count")), qPrintable(m));

        auto datagrams = Socket::pair(SocketType::Datagram);
        m = messageOf<qaio::ValueError>([&] { loop.runUntilComplete(loop.sockSendfile(datagrams.first, file)); });
        QVERIFY2(m.contains(QStringLiteral("sock:")) && m.contains(QStringLiteral("SOCK_STREAM")), qPrintable(m));

        QFile closed(file.fileName());
        m = messageOf<qaio::ValueError>([&] { loop.runUntilComplete(loop.sockSendfile(a, closed)); });
        QVERIFY2(m.contains(QStringLiteral("file")) && m.contains(QStringLiteral("open")), qPrintable(m));

        // A pipe is not a regular file (asyncio's documented requirement).
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        {
            QFile pipe;
            QVERIFY(pipe.open(fds[0], QIODevice::ReadOnly, QFileDevice::AutoCloseHandle));
            m = messageOf<qaio::ValueError>([&] { loop.runUntilComplete(loop.sockSendfile(a, pipe)); });
            QVERIFY2(m.contains(QStringLiteral("regular file")), qPrintable(m));
        }
        ::close(fds[1]);
        QCOMPARE(drainNow(pair.second), QByteArray()); // nothing was sent by any of these
    }
};

QTEST_GUILESS_MAIN(tst_SockOps)
#include "tst_sockops.moc"
