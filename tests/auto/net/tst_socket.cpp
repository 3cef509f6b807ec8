// Copyright (c) qaio authors. Licensed under the MIT license.
// Socket: the value every sock* call and transport is built on (CPython's test_socket
// habits: exact families, lengths, errors). OSError and SocketAddress: tests/auto/platform.
#include "looptestcase.h"
#include "netsock_helpers.h"

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using qaio::AddressFamily;
using qaio::Socket;
using qaio::SocketAddress;
using qaio::SocketType;

namespace {

bool isOpenDescriptor(int fd)
{
    return ::fcntl(fd, F_GETFD) != -1;
}

qaio::Coro<void> exchange(qaio::EventLoop &loop, Socket &a, Socket &b, QByteArray *aGot, QByteArray *bGot)
{
    co_await loop.sockSendall(a, "ping");
    *bGot = co_await loop.sockRecv(b, 100);
    co_await loop.sockSendall(b, "pong");
    *aGot = co_await loop.sockRecv(a, 100);
}

qaio::Coro<Socket> acceptOne(qaio::EventLoop &loop, Socket &listener)
{
    auto accepted = co_await loop.sockAccept(listener);
    co_return std::move(accepted.first);
}

} // namespace

class tst_Socket : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    // ---- Socket: creation, bind, listen, addresses ---------------------------------
    void createBindListenIPv4()
    {
        Socket s(AddressFamily::IPv4, SocketType::Stream);
        QVERIFY(s.isValid());
        QCOMPARE(s.family(), AddressFamily::IPv4);
        QCOMPARE(s.type(), SocketType::Stream);
        QVERIFY(!s.isBlocking());
        QVERIFY(::fcntl(int(s.fileno()), F_GETFD) & FD_CLOEXEC);
        s.bind({QHostAddress::LocalHost, 0});
        s.listen();
        const SocketAddress local = s.localAddress();
        QCOMPARE(local.family(), AddressFamily::IPv4);
        QCOMPARE(local.host(), QHostAddress(QHostAddress::LocalHost));
        QVERIFY(local.port() != 0);
        QCOMPARE(s.option(SOL_SOCKET, SO_ACCEPTCONN), 1);
        // Binding again to the taken address fails with the address in the message.
        Socket other(AddressFamily::IPv4, SocketType::Stream);
        try {
            other.bind(local);
            QFAIL("binding a taken address must throw");
        } catch (const qaio::OSError &e) {
            QCOMPARE(e.errorCode(), EADDRINUSE);
            QVERIFY2(QString::fromUtf8(e.what()).contains(local.toString()), e.what());
        }
    }

    void createBindListenIPv6()
    {
        if (!netsock::ipv6LoopbackAvailable())
            QSKIP("::1 cannot be bound on this machine");
        Socket s(AddressFamily::IPv6, SocketType::Stream);
        QCOMPARE(s.family(), AddressFamily::IPv6);
        s.bind({QHostAddress::LocalHostIPv6, 0});
        s.listen(5);
        const SocketAddress local = s.localAddress();
        QCOMPARE(local.family(), AddressFamily::IPv6);
        QCOMPARE(local.host(), QHostAddress(QHostAddress::LocalHostIPv6));
        QVERIFY(local.port() != 0);
        QVERIFY(local == SocketAddress(QHostAddress::LocalHostIPv6, local.port()));
    }

    void bindUnixPath()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("s.sock"));
        Socket s(AddressFamily::Unix, SocketType::Stream);
        const SocketAddress address = SocketAddress::fromUnixPath(path);
        s.bind(address);
        s.listen();
        QVERIFY(s.localAddress() == address);
        QCOMPARE(s.localAddress().path(), path);
        QVERIFY(QFileInfo::exists(path));
        // An unbound Unix socket has an unnamed address: valid, Unix, no path.
        Socket unnamed(AddressFamily::Unix, SocketType::Stream);
        QCOMPARE(unnamed.localAddress().family(), AddressFamily::Unix);
        QCOMPARE(unnamed.localAddress().path(), QString());
        QVERIFY(!unnamed.localAddress().isAbstract());
    }

    void bindAbstractName()
    {
        const QByteArray name = "qaio-tst-socket-" + QByteArray::number(QCoreApplication::applicationPid());
        Socket s(AddressFamily::Unix, SocketType::Stream);
        s.bind(SocketAddress::fromAbstractName(name));
        QVERIFY(s.localAddress().isAbstract());
        QCOMPARE(s.localAddress().abstractName(), name);
        QVERIFY(s.localAddress() == SocketAddress::fromAbstractName(name));
    }

    void peerAddressOfUnconnectedSocketThrows()
    {
        Socket s(AddressFamily::IPv4, SocketType::Stream);
        try {
            (void)s.peerAddress();
            QFAIL("peerAddress() of an unconnected socket must throw");
        } catch (const qaio::OSError &e) {
            QCOMPARE(e.errorCode(), ENOTCONN);
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(QStringLiteral("getpeername")), e.what());
        }
    }

    void peerAddressOfConnectedPair()
    {
        auto [client, server] = netsock::tcpPair(guard->loop());
        QVERIFY(client.peerAddress() == server.localAddress());
        QVERIFY(server.peerAddress() == client.localAddress());
    }

    void argumentErrors()
    {
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, Socket(AddressFamily::Unspecified, SocketType::Stream));
        Socket s(AddressFamily::IPv4, SocketType::Stream);
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, s.listen(-1));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, s.shutdown(false, false));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, s.option(SOL_SOCKET, SO_LINGER, 0));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, s.recv(-1));
    }

    void closedSocketOperationsThrow()
    {
        Socket s(AddressFamily::IPv4, SocketType::Stream);
        s.close();
        QVERIFY(!s.isValid());
        QCOMPARE(s.fileno(), qintptr(-1));
        s.close(); // idempotent
        try {
            s.bind({QHostAddress::LocalHost, 0});
            QFAIL("bind() on a closed socket must throw");
        } catch (const qaio::RuntimeError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("closed")), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, s.listen());
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, (void)s.localAddress());
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, (void)s.isBlocking());
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, s.send("x"));
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, s.recv(1));
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, s.setNoDelay(true));
    }

    // ---- Socket: ownership -----------------------------------------------------------
    void moveConstructionClosesExactlyOnce()
    {
        std::optional<Socket> a(std::in_place, AddressFamily::IPv4, SocketType::Stream);
        const int fd = int(a->fileno());
        std::optional<Socket> b(std::in_place, std::move(*a));
        QVERIFY(!a->isValid());
        QCOMPARE(int(b->fileno()), fd);
        QCOMPARE(b->family(), AddressFamily::IPv4);
        b.reset();
        QVERIFY(!isOpenDescriptor(fd));
        // The number is free again; the next socket gets it (POSIX: lowest free number).
        Socket reuse(AddressFamily::IPv4, SocketType::Stream);
        QCOMPARE(int(reuse.fileno()), fd);
        a.reset(); // the moved-from socket must not close it a second time
        QVERIFY(isOpenDescriptor(fd));
    }

    void moveAssignmentClosesTheTargetOnce()
    {
        Socket a(AddressFamily::IPv4, SocketType::Datagram);
        Socket b(AddressFamily::Unix, SocketType::Stream);
        const int fdA = int(a.fileno());
        const int fdB = int(b.fileno());
        b = std::move(a);
        QVERIFY(!a.isValid());
        QCOMPARE(int(b.fileno()), fdA);
        QCOMPARE(b.family(), AddressFamily::IPv4);
        QCOMPARE(b.type(), SocketType::Datagram);
        QVERIFY(!isOpenDescriptor(fdB));
        QVERIFY(isOpenDescriptor(fdA));
        Socket &alias = b;
        b = std::move(alias); // self-assignment keeps the descriptor
        QCOMPARE(int(b.fileno()), fdA);
        QVERIFY(isOpenDescriptor(fdA));
    }

    void detachGivesUpOwnership()
    {
        Socket s(AddressFamily::IPv4, SocketType::Stream);
        const qintptr fd = s.detach();
        QVERIFY(fd >= 0);
        QVERIFY(!s.isValid());
        s.close();
        QVERIFY(isOpenDescriptor(int(fd)));
        ::close(int(fd));
    }

    void adoptReadsFamilyTypeAndProtocol()
    {
        const int raw = ::socket(AF_INET6, SOCK_DGRAM, 0);
        QVERIFY(raw >= 0);
        {
            Socket s = Socket::adopt(raw);
            QCOMPARE(int(s.fileno()), raw);
            QCOMPARE(s.family(), AddressFamily::IPv6);
            QCOMPARE(s.type(), SocketType::Datagram);
            QCOMPARE(s.protocol(), int(IPPROTO_UDP));
            QVERIFY(s.isBlocking()); // adopt keeps the descriptor's mode
        }
        QVERIFY(!isOpenDescriptor(raw)); // ownership moved to the Socket
    }

    void adoptRejectsNonSockets()
    {
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, Socket::adopt(-1));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, Socket::duplicate(-3));
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        try {
            Socket::adopt(fds[0]);
            QFAIL("adopting a pipe must throw");
        } catch (const qaio::OSError &e) {
            QCOMPARE(e.errorCode(), ENOTSOCK);
        }
        QVERIFY(isOpenDescriptor(fds[0])); // refused, so still the caller's
        QVERIFY_THROWS_EXCEPTION(qaio::OSError, Socket::duplicate(fds[0]));
        ::close(fds[0]);
        ::close(fds[1]);
    }

    void duplicateOfQTcpSocketOutlivesIt()
    {
        auto &loop = guard->loop();
        Socket listener = netsock::loopbackListener();
        QTcpSocket qt;
        qt.connectToHost(QHostAddress::LocalHost, listener.localAddress().port());
        QVERIFY(qt.waitForConnected(30000));
        const qintptr qtFd = qt.socketDescriptor();
        Socket dup = Socket::duplicate(qtFd);
        QVERIFY(dup.fileno() != qtFd);
        QCOMPARE(dup.family(), AddressFamily::IPv4);
        QCOMPARE(dup.type(), SocketType::Stream);
        QVERIFY(::fcntl(int(dup.fileno()), F_GETFD) & FD_CLOEXEC);
        const SocketAddress qtLocal = dup.localAddress();
        qt.close(); // closes the QTcpSocket's own descriptor
        QCOMPARE(qt.socketDescriptor(), qintptr(-1));
        QVERIFY(isOpenDescriptor(int(dup.fileno())));

        Socket server = loop.runUntilComplete(acceptOne(loop, listener));
        QVERIFY(server.peerAddress() == qtLocal);
        QByteArray dupGot, serverGot;
        loop.runUntilComplete(exchange(loop, server, dup, &serverGot, &dupGot));
        QCOMPARE(dupGot, QByteArray("ping"));
        QCOMPARE(serverGot, QByteArray("pong"));
    }

    void pairIsConnected()
    {
        auto sockets = Socket::pair();
        Socket &a = sockets.first;
        Socket &b = sockets.second;
        QCOMPARE(a.family(), AddressFamily::Unix);
        QCOMPARE(b.type(), SocketType::Stream);
        QVERIFY(!a.isBlocking());
        QVERIFY(::fcntl(int(b.fileno()), F_GETFD) & FD_CLOEXEC);
        QVERIFY_THROWS_EXCEPTION(qaio::BlockingIOError, b.recv(10)); // nothing yet
        QCOMPARE(a.send("hello"), qsizetype(5));
        QCOMPARE(b.recv(100), QByteArray("hello"));
        QCOMPARE(b.send("back"), qsizetype(4));
        QCOMPARE(a.recv(2), QByteArray("ba"));
        QCOMPARE(a.recv(100), QByteArray("ck"));
        b.close();
        QCOMPARE(a.recv(100), QByteArray()); // EOF
        QVERIFY_THROWS_EXCEPTION(qaio::BrokenPipeError, a.send("x"));
    }

    void datagramPairKeepsMessageBoundaries()
    {
        auto sockets = Socket::pair(SocketType::Datagram);
        Socket &a = sockets.first;
        Socket &b = sockets.second;
        QCOMPARE(a.type(), SocketType::Datagram);
        QCOMPARE(a.send("one"), qsizetype(3));
        QCOMPARE(a.send("two!"), qsizetype(4));
        QCOMPARE(b.recv(100), QByteArray("one"));
        QCOMPARE(b.recv(100), QByteArray("two!"));
    }

    void shutdownWriteGivesPeerEof()
    {
        auto sockets = Socket::pair();
        Socket &a = sockets.first;
        Socket &b = sockets.second;
        a.send("last");
        a.shutdown(false, true);
        QCOMPARE(b.recv(100), QByteArray("last"));
        QCOMPARE(b.recv(100), QByteArray());
        QVERIFY_THROWS_EXCEPTION(qaio::BrokenPipeError, a.send("more"));
        b.send("still open this way");
        QCOMPARE(a.recv(100), QByteArray("still open this way"));
    }

    void setBlockingRoundTrip()
    {
        Socket s(AddressFamily::IPv4, SocketType::Stream);
        QVERIFY(!s.isBlocking());
        s.setBlocking(true);
        QVERIFY(s.isBlocking());
        QCOMPARE(::fcntl(int(s.fileno()), F_GETFL) & O_NONBLOCK, 0);
        s.setBlocking(true); // no change, no error
        s.setBlocking(false);
        QVERIFY(!s.isBlocking());
        QVERIFY(::fcntl(int(s.fileno()), F_GETFL) & O_NONBLOCK);
    }

    void options()
    {
        Socket tcp(AddressFamily::IPv4, SocketType::Stream);
        tcp.setReuseAddress(true);
        QVERIFY(tcp.option(SOL_SOCKET, SO_REUSEADDR) != 0);
        tcp.setReuseAddress(false);
        QCOMPARE(tcp.option(SOL_SOCKET, SO_REUSEADDR), 0);
        tcp.setKeepAlive(true);
        QVERIFY(tcp.option(SOL_SOCKET, SO_KEEPALIVE) != 0);
        tcp.setNoDelay(true);
        QVERIFY(tcp.option(IPPROTO_TCP, TCP_NODELAY) != 0);
        tcp.setNoDelay(false);
        QCOMPARE(tcp.option(IPPROTO_TCP, TCP_NODELAY), 0);
        tcp.setReusePort(true);
        QVERIFY(tcp.option(SOL_SOCKET, SO_REUSEPORT) != 0);
        tcp.setOption(SOL_SOCKET, SO_RCVBUF, 65536);
        QVERIFY(tcp.option(SOL_SOCKET, SO_RCVBUF) >= 65536); // Linux doubles it
        QCOMPARE(tcp.option(SOL_SOCKET, SO_TYPE), int(SOCK_STREAM));

        // Structured values go as bytes, as Python's setsockopt(level, name, bytes).
        const linger abortive{1, 0};
        tcp.setOption(SOL_SOCKET, SO_LINGER, QByteArrayView(reinterpret_cast<const char *>(&abortive), sizeof(abortive)));
        const QByteArray raw = tcp.option(SOL_SOCKET, SO_LINGER, qsizetype(sizeof(linger)));
        QCOMPARE(raw.size(), qsizetype(sizeof(linger)));
        linger read{};
        std::memcpy(&read, raw.constData(), sizeof(read));
        QCOMPARE(read.l_onoff, 1);
        QCOMPARE(read.l_linger, 0);

        Socket udp(AddressFamily::IPv4, SocketType::Datagram);
        udp.setBroadcast(true);
        QVERIFY(udp.option(SOL_SOCKET, SO_BROADCAST) != 0);

        // An option the socket does not have is an OSError naming the call.
        Socket local(AddressFamily::Unix, SocketType::Stream);
        try {
            local.setNoDelay(true);
            QFAIL("TCP_NODELAY on a Unix socket must throw");
        } catch (const qaio::OSError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("TCP_NODELAY")), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(qaio::OSError, tcp.option(SOL_SOCKET, 123456));
    }
};

QTEST_GUILESS_MAIN(tst_Socket)
#include "tst_socket.moc"
