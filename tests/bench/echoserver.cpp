// Copyright (c) qaio authors. Licensed under the MIT license.
// The three echo servers of the echo benchmarks, and `qaio-bench echo-server`.
#include "echoserver.h"

#ifdef __linux__

#include "benchprocess.h"

#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QSocketNotifier>
#include <QtCore/QFile>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>
#include <QtNetwork/QSslServer>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>
#include <utility>

namespace qaiobench {

namespace {

int g_stopPipe[2] = {-1, -1};

// Async-signal-safe: clock_gettime() and write() only, no stdio.
void reportCpuTime(int)
{
    const int savedErrno = errno;
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    unsigned long long ns = (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
    char digits[24];
    int count = 0;
    do {
        digits[count++] = char('0' + ns % 10);
        ns /= 10;
    } while (ns);
    char line[40] = "cpu_ns ";
    int length = 7;
    while (count)
        line[length++] = digits[--count];
    line[length++] = '\n';
    [[maybe_unused]] const ssize_t written = ::write(1, line, std::size_t(length));
    errno = savedErrno;
}

void requestStop(int)
{
    const int savedErrno = errno;
    [[maybe_unused]] const ssize_t written = ::write(g_stopPipe[1], "x", 1);
    errno = savedErrno;
}

void installSignals(bool child)
{
    struct sigaction action{};
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    action.sa_handler = reportCpuTime;
    sigaction(SIGUSR1, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);
    if (child)
        return; // killed by the benchmark: no descriptor of its own in the server's loop
    if (pipe2(g_stopPipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        std::perror("pipe2");
        std::exit(1);
    }
    action.sa_handler = requestStop;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

void announce(const EchoServerOptions &options, const char *impl, quint16 port)
{
    if (options.child)
        std::printf("listening %u\n", unsigned(port));
    else if (!options.unixPath.isEmpty())
        std::printf("%s echo server on unix:%s (SIGINT/SIGTERM to stop)\n", impl, qPrintable(options.unixPath));
    else
        std::printf("%s echo server on 127.0.0.1:%u (SIGINT/SIGTERM to stop)\n", impl, unsigned(port));
    std::fflush(stdout);
}

// ---- the reference: bare epoll ----------------------------------------------------------

int refListen(const EchoServerOptions &options, quint16 &port)
{
    int fd;
    if (!options.unixPath.isEmpty()) {
        fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const QByteArray path = options.unixPath.toLocal8Bit();
        if (std::size_t(path.size()) >= sizeof address.sun_path) {
            std::fprintf(stderr, "qaio-bench: --unix: path too long\n");
            return -1;
        }
        std::memcpy(address.sun_path, path.constData(), std::size_t(path.size()));
        ::unlink(path.constData());
        if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
            std::perror("bind");
            return -1;
        }
    } else {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
            std::perror("bind");
            return -1;
        }
        socklen_t length = sizeof address;
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
        port = ntohs(address.sin_port);
    }
    if (::listen(fd, options.backlog) != 0) {
        std::perror("listen");
        return -1;
    }
    return fd;
}

int runRef(const EchoServerOptions &options)
{
    quint16 port = options.port;
    const int listener = refListen(options, port);
    if (listener < 0)
        return 1;
    const bool tcp = options.unixPath.isEmpty();
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    if (g_stopPipe[0] >= 0) {
        ev.data.fd = g_stopPipe[0];
        ::epoll_ctl(ep, EPOLL_CTL_ADD, g_stopPipe[0], &ev);
    }
    announce(options, "reference (epoll)", port);
    constexpr std::size_t kBufferSize = 256 * 1024;
    std::unique_ptr<char[]> buffer(new char[kBufferSize]);
    // Bytes the kernel did not take yet, indexed by descriptor: the only state there is.
    std::vector<std::string> pending;
    epoll_event events[256];
    auto drop = [&](int fd) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        pending[std::size_t(fd)].clear();
    };
    for (;;) {
        const int n = ::epoll_wait(ep, events, 256, -1);
        if (n < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == g_stopPipe[0]) {
                // The connections close with the process.
                ::close(listener);
                ::close(ep);
                if (!tcp)
                    ::unlink(options.unixPath.toLocal8Bit().constData());
                return 0;
            }
            if (fd == listener) {
                for (;;) {
                    const int client = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (client < 0)
                        break;
                    if (tcp) {
                        const int one = 1;
                        ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    }
                    epoll_event cev{};
                    cev.events = EPOLLIN;
                    cev.data.fd = client;
                    ::epoll_ctl(ep, EPOLL_CTL_ADD, client, &cev);
                    if (std::size_t(client) >= pending.size())
                        pending.resize(std::size_t(client) + 1);
                }
                continue;
            }
            std::string &rest = pending[std::size_t(fd)];
            if (!rest.empty()) {
                const ssize_t sent = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
                if (sent < 0 && errno != EAGAIN) {
                    drop(fd);
                    continue;
                }
                if (sent > 0)
                    rest.erase(0, std::size_t(sent));
                if (rest.empty()) {
                    epoll_event cev{};
                    cev.events = EPOLLIN;
                    cev.data.fd = fd;
                    ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &cev);
                }
                continue;
            }
            const ssize_t got = ::recv(fd, buffer.get(), kBufferSize, 0);
            if (got == 0 || (got < 0 && errno != EAGAIN)) {
                drop(fd);
                continue;
            }
            if (got < 0)
                continue;
            const ssize_t sent = ::send(fd, buffer.get(), std::size_t(got), MSG_NOSIGNAL);
            if (sent < 0 && errno != EAGAIN) {
                drop(fd);
                continue;
            }
            const std::size_t done = sent < 0 ? 0 : std::size_t(sent);
            if (done < std::size_t(got)) {
                // Stop reading until the rest is out, like any flow-controlled echo.
                rest.assign(buffer.get() + done, std::size_t(got) - done);
                epoll_event cev{};
                cev.events = EPOLLOUT;
                cev.data.fd = fd;
                ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &cev);
            }
        }
    }
}

// ---- qaio's Protocol echo ------------------------------------------------------------

std::size_t g_qaioConnections = 0;

class EchoProtocol final : public qaio::Protocol
{
public:
    void connectionMade(qaio::BaseTransport &) override
    {
        m_transport = transport();
        ++g_qaioConnections;
    }
    void dataReceived(QByteArrayView data) override { m_transport->write(data); }
    void connectionLost(std::exception_ptr) override { --g_qaioConnections; }

private:
    qaio::Transport *m_transport = nullptr;
};

// "stats" -> "stats CONNECTIONS MALLOC_IN_USE_BYTES RSS_BYTES"
void answerControl(qaio::EventLoop &loop)
{
    static QByteArray input;
    char chunk[256];
    const ssize_t n = ::read(0, chunk, sizeof chunk);
    if (n <= 0) {
        if (n == 0 || errno != EAGAIN)
            loop.stop(); // the benchmark went away
        return;
    }
    input.append(chunk, qsizetype(n));
    qsizetype eol;
    while ((eol = input.indexOf('\n')) >= 0) {
        const QByteArray command = input.left(eol);
        input.remove(0, eol + 1);
        if (command == "stats") {
            const struct mallinfo2 info = mallinfo2();
            long pages = 0, resident = 0;
            if (FILE *statm = std::fopen("/proc/self/statm", "r")) {
                if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2)
                    resident = 0;
                std::fclose(statm);
            }
            std::printf("stats %zu %zu %lld\n", g_qaioConnections, std::size_t(info.uordblks),
                        (long long)resident * sysconf(_SC_PAGESIZE));
        } else {
            std::printf("error unknown command\n");
        }
        std::fflush(stdout);
    }
}

int runQaio(const EchoServerOptions &options)
{
    qaio::EventLoop loop;
    qaio::ProtocolFactory factory = [] { return std::make_unique<EchoProtocol>(); };
    std::shared_ptr<qaio::Server> server;
    try {
        if (!options.unixPath.isEmpty()) {
            qaio::UnixServerOptions unixOptions;
            unixOptions.backlog = options.backlog;
            server = loop.runUntilComplete(loop.createUnixServer(factory, options.unixPath, std::move(unixOptions)));
        } else {
            qaio::ServerOptions tcpOptions;
            tcpOptions.backlog = options.backlog;
            if (!options.tlsCert.isEmpty()) {
                tcpOptions.ssl = std::make_shared<qaio::SslContext>(qaio::SslRole::Server);
                tcpOptions.ssl->loadCertChain(options.tlsCert, options.tlsKey);
            }
            server = loop.runUntilComplete(
                loop.createServer(factory, QStringList{QStringLiteral("127.0.0.1")}, options.port, std::move(tcpOptions)));
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "qaio-bench: %s\n", e.what());
        return 1;
    }
    const quint16 port = options.unixPath.isEmpty() ? server->sockets().front().localAddress().port() : 0;
    if (g_stopPipe[0] >= 0) {
        loop.addReader(g_stopPipe[0], [&loop] {
            char drain[16];
            while (::read(g_stopPipe[0], drain, sizeof drain) > 0) {
            }
            loop.stop();
        });
    }
    if (options.control) {
        ::fcntl(0, F_SETFL, ::fcntl(0, F_GETFL) | O_NONBLOCK);
        loop.addReader(0, [&loop] { answerControl(loop); });
    }
    announce(options, "qaio", port);
    loop.runForever();
    if (g_stopPipe[0] >= 0)
        loop.removeReader(g_stopPipe[0]);
    if (options.control)
        loop.removeReader(0);
    server->close();
    server->closeClients();
    loop.runUntilComplete(server->waitClosed());
    server.reset();
    loop.close();
    return 0;
}

// ---- plain Qt sockets -----------------------------------------------------------------

int runQt(const EchoServerOptions &options)
{
    if (!options.unixPath.isEmpty()) {
        std::fprintf(stderr, "qaio-bench: --unix is not available with --impl qt\n");
        return 2;
    }
    std::unique_ptr<QTcpServer> owned;
    if (!options.tlsCert.isEmpty()) {
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        QFile key(options.tlsKey);
        if (!key.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "qaio-bench: cannot read %s\n", qPrintable(options.tlsKey));
            return 1;
        }
        config.setLocalCertificateChain(QSslCertificate::fromPath(options.tlsCert));
        config.setPrivateKey(QSslKey(key.readAll(), QSsl::Ec));
        auto tls = std::make_unique<QSslServer>();
        tls->setSslConfiguration(config);
        owned = std::move(tls);
    } else {
        owned = std::make_unique<QTcpServer>();
    }
    QTcpServer &server = *owned;
    server.setListenBacklogSize(options.backlog);
    if (!server.listen(QHostAddress::LocalHost, options.port)) {
        std::fprintf(stderr, "qaio-bench: listen: %s\n", qPrintable(server.errorString()));
        return 1;
    }
    QObject::connect(&server, &QTcpServer::pendingConnectionAvailable, &server, [&server] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            QObject::connect(socket, &QTcpSocket::readyRead, socket, [socket] { socket->write(socket->readAll()); });
            QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
    std::unique_ptr<QSocketNotifier> stop;
    if (g_stopPipe[0] >= 0) {
        stop = std::make_unique<QSocketNotifier>(g_stopPipe[0], QSocketNotifier::Read);
        QObject::connect(stop.get(), &QSocketNotifier::activated, stop.get(), [] { QCoreApplication::quit(); });
    }
    announce(options, options.tlsCert.isEmpty() ? "Qt (QTcpServer)" : "Qt (QSslServer)", server.serverPort());
    QCoreApplication::exec();
    return 0;
}

} // namespace

int runEchoServer(const EchoServerOptions &options)
{
    installSignals(options.child);
    raiseFileLimit(std::uint64_t(1) << 20); // soft up to the hard limit: `idle` holds thousands
    if (options.cpu >= 0 && !pinToCpu(options.cpu))
        std::fprintf(stderr, "note: server: could not pin to CPU %d; running unpinned\n", options.cpu);
    if (options.udp)
        return runUdpEchoServer(options, g_stopPipe[0]);
    switch (options.impl) {
    case EchoImpl::Ref:
        if (!options.tlsCert.isEmpty())
            return runRefTls(options, g_stopPipe[0],
                             [&options](quint16 port) { announce(options, "reference (epoll + OpenSSL)", port); });
        return runRef(options);
    case EchoImpl::Qt:
        return runQt(options);
    case EchoImpl::Qaio:
        break;
    }
    return runQaio(options);
}

} // namespace qaiobench

#else

#include <cstdio>

namespace qaiobench {

int runEchoServer(const EchoServerOptions &)
{
    std::fprintf(stderr, "qaio-bench echo-server: not supported on this platform\n");
    return 1;
}

} // namespace qaiobench

#endif
