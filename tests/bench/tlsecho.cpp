// Copyright (c) qaio authors. Licensed under the MIT license.
// The TLS benchmarks: server CPU time per TLS round trip and per handshake, qaio's TLS
// layer against the same work done with OpenSSL and epoll alone, and against QSslServer.
#include "tlsecho.h"

#ifdef __linux__

#include "../auto/tls/testpki.h"
#include "benchprocess.h"
#include "loadclient.h"

#include <QtCore/QTemporaryDir>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace qaiobench {

namespace {

[[noreturn]] void sslFail(const char *what)
{
    char text[256] = "";
    ERR_error_string_n(ERR_get_error(), text, sizeof text);
    throw std::runtime_error(std::string(what) + ": " + text);
}

struct ClientContext
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    ClientContext()
    {
        if (!ctx)
            sslFail("SSL_CTX_new");
        SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr); // the servers are ours
        SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    }
    ~ClientContext() { SSL_CTX_free(ctx); }
};

void setBlocking(int fd, bool blocking)
{
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK));
}

// One TLS connection of the client, made with a blocking handshake.
SSL *handshake(SSL_CTX *ctx, int fd, SSL_SESSION *resume = nullptr)
{
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (resume)
        SSL_set_session(ssl, resume);
    if (SSL_connect(ssl) != 1) {
        SSL_free(ssl);
        sslFail("SSL_connect");
    }
    return ssl;
}

// A blocking one-byte round trip (it also takes in TLS 1.3's session tickets).
void pingPong(SSL *ssl)
{
    char byte = 'x';
    if (SSL_write(ssl, &byte, 1) != 1 || SSL_read(ssl, &byte, 1) != 1)
        sslFail("round trip");
}

// The tls-echo load: one message of `size` bytes in flight on each connection.
class TlsLoad
{
public:
    TlsLoad(std::vector<int> &fds, SSL_CTX *ctx, std::size_t size)
        : m_size(size), m_out(size, 'q'), m_in(std::max<std::size_t>(size, 64 * 1024), '\0')
    {
        m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
        for (int fd : fds) {
            Connection c;
            c.fd = fd;
            c.ssl = handshake(ctx, fd);
            pingPong(c.ssl);
            setBlocking(fd, false);
            m_conns.push_back(c);
        }
        for (std::size_t i = 0; i < m_conns.size(); ++i) {
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.u64 = i;
            ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_conns[i].fd, &ev);
        }
    }
    ~TlsLoad()
    {
        for (Connection &c : m_conns)
            SSL_free(c.ssl);
        ::close(m_epoll);
    }

    double run(std::uint64_t perConnection)
    {
        const auto start = std::chrono::steady_clock::now();
        std::size_t active = m_conns.size();
        for (std::size_t i = 0; i < m_conns.size(); ++i) {
            m_conns[i].remaining = perConnection;
            m_conns[i].sent = m_conns[i].received = 0;
            progress(i, active);
        }
        epoll_event events[256];
        while (active > 0) {
            const int n = ::epoll_wait(m_epoll, events, 256, 10000);
            if (n == 0)
                throw std::runtime_error("the TLS echo server stopped answering");
            for (int k = 0; k < n; ++k)
                progress(std::size_t(events[k].data.u64), active);
        }
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

private:
    struct Connection
    {
        int fd = -1;
        SSL *ssl = nullptr;
        std::size_t sent = 0, received = 0;
        std::uint64_t remaining = 0;
        bool wantWrite = false;
    };

    void progress(std::size_t index, std::size_t &active)
    {
        Connection &c = m_conns[index];
        while (c.remaining > 0) {
            bool blocked = false;
            while (c.sent < m_size) {
                const int n = SSL_write(c.ssl, m_out.data() + c.sent, int(m_size - c.sent));
                if (n > 0) {
                    c.sent += std::size_t(n);
                    continue;
                }
                const int error = SSL_get_error(c.ssl, n);
                if (error != SSL_ERROR_WANT_WRITE && error != SSL_ERROR_WANT_READ)
                    sslFail("SSL_write");
                watchWrite(c, index, error == SSL_ERROR_WANT_WRITE);
                blocked = true;
                break;
            }
            if (!blocked && c.wantWrite)
                watchWrite(c, index, false);
            while (c.received < c.sent) {
                const int n = SSL_read(c.ssl, m_in.data(), int(m_in.size()));
                if (n > 0) {
                    c.received += std::size_t(n);
                    continue;
                }
                const int error = SSL_get_error(c.ssl, n);
                if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE)
                    sslFail("SSL_read");
                return; // more when the socket is readable
            }
            if (c.received < m_size)
                return;
            c.sent = c.received = 0;
            if (--c.remaining == 0)
                --active;
        }
    }

    void watchWrite(Connection &c, std::size_t index, bool on)
    {
        if (c.wantWrite == on)
            return;
        c.wantWrite = on;
        epoll_event ev{};
        ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
        ev.data.u64 = index;
        ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
    }

    std::size_t m_size;
    std::string m_out;
    std::string m_in;
    int m_epoll = -1;
    std::vector<Connection> m_conns;
};

struct Server
{
    const char *name; // --impl value and figure prefix
    bool enabled;
    double bestCpuNs = std::numeric_limits<double>::infinity();
    double bestResumedCpuNs = std::numeric_limits<double>::infinity();
    double bestRate = 0;
    bool resumes = true; // the server resumed every session offered (QSslServer does not)
};

QStringList serverArgs(const Server &server, const tlstest::Pki &pki)
{
    return {QStringLiteral("--impl"), QLatin1String(server.name), QStringLiteral("--cpu"), QStringLiteral("0"),
            QStringLiteral("--tls"), pki.serverCert, pki.serverKey};
}

void measureEcho(Server &server, const TlsEchoOptions &options, const tlstest::Pki &pki, SSL_CTX *ctx)
{
    ServerProcess process;
    process.start(serverArgs(server, pki));
    std::vector<int> fds = LoadClient::connectMany(process.port(), options.conns);
    try {
        TlsLoad load(fds, ctx, options.size);
        load.run(std::min<std::uint64_t>(options.count, 100)); // warm-up
        const std::uint64_t before = process.cpuNs();
        const double wall = load.run(options.count);
        const std::uint64_t after = process.cpuNs();
        const double roundTrips = double(options.count) * double(options.conns);
        server.bestCpuNs = std::min(server.bestCpuNs, double(after - before) / roundTrips);
        if (wall > 0)
            server.bestRate = std::max(server.bestRate, roundTrips / wall);
    } catch (...) {
        closeAll(fds);
        throw;
    }
    closeAll(fds);
    process.stop();
}

// `count` connections one after the other: connect, handshake (resuming `session` if
// given), a one-byte round trip, close_notify, close. Returns whether every one resumed.
bool connectSerially(quint16 port, SSL_CTX *ctx, std::uint64_t count, SSL_SESSION *session)
{
    bool resumed = true;
    for (std::uint64_t i = 0; i < count; ++i) {
        std::vector<int> fds = LoadClient::connectMany(port, 1);
        SSL *ssl = nullptr;
        try {
            ssl = handshake(ctx, fds.front(), session);
            pingPong(ssl);
            resumed = resumed && SSL_session_reused(ssl);
            SSL_shutdown(ssl);
        } catch (...) {
            SSL_free(ssl);
            closeAll(fds);
            throw;
        }
        SSL_free(ssl);
        closeAll(fds);
    }
    return resumed;
}

void measureHandshakes(Server &server, const TlsEchoOptions &options, const tlstest::Pki &pki, SSL_CTX *ctx)
{
    ServerProcess process;
    process.start(serverArgs(server, pki));
    // A session to resume: its ticket comes after the handshake, with the round trip.
    std::vector<int> fds = LoadClient::connectMany(process.port(), 1);
    SSL *first = handshake(ctx, fds.front());
    pingPong(first);
    SSL_SESSION *session = SSL_get1_session(first);
    SSL_shutdown(first);
    SSL_free(first);
    closeAll(fds);
    try {
        connectSerially(process.port(), ctx, std::min<std::uint64_t>(options.count, 20), nullptr); // warm-up
        std::uint64_t before = process.cpuNs();
        const auto start = std::chrono::steady_clock::now();
        connectSerially(process.port(), ctx, options.count, nullptr);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::uint64_t after = process.cpuNs();
        server.bestCpuNs = std::min(server.bestCpuNs, double(after - before) / double(options.count));
        if (wall > 0)
            server.bestRate = std::max(server.bestRate, double(options.count) / wall);
        before = process.cpuNs();
        server.resumes = connectSerially(process.port(), ctx, options.count, session);
        after = process.cpuNs();
        server.bestResumedCpuNs = std::min(server.bestResumedCpuNs, double(after - before) / double(options.count));
    } catch (...) {
        SSL_SESSION_free(session);
        throw;
    }
    SSL_SESSION_free(session);
    process.stop();
}

template <class Measure>
int runServers(const char *bench, const TlsEchoOptions &options, Server (&servers)[3], Measure measure)
{
    if (!pinToCpu(1))
        std::fprintf(stderr, "note: could not pin the load client to CPU 1; running unpinned\n");
    raiseFileLimit(options.conns + 64);
    std::fprintf(stderr, "note: %s conns=%zu size=%s count=%llu repeat=%d, TLS 1.3 (%s), %s\n", bench, options.conns,
                 formatSize(options.size).c_str(), (unsigned long long)options.count, options.repeat,
                 OpenSSL_version(OPENSSL_VERSION), describeDispatch().c_str());
    QTemporaryDir dir;
    const tlstest::Pki pki = tlstest::makePki(dir.path());
    ClientContext client;
    try {
        for (int r = 0; r < options.repeat; ++r) // interleaved: a slow phase spreads over all
            for (Server &server : servers)
                if (server.enabled)
                    measure(server, options, pki, client.ctx);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "qaio-bench %s: %s\n", bench, e.what());
        return 1;
    }
    return 0;
}

} // namespace

int runTlsEcho(const TlsEchoOptions &options)
{
    Server servers[] = {{"ref", options.ref}, {"qaio", options.qaio}, {"qt", options.qt}};
    if (const int failed = runServers("tls-echo", options, servers, measureEcho))
        return failed;
    for (const Server &server : servers)
        if (server.enabled)
            std::printf("tls_%s_cpu_ns_per_rt %.1f\n", server.name, server.bestCpuNs);
    if (servers[0].enabled && servers[1].enabled)
        std::printf("tls_cpu_ratio %.3f\n", servers[1].bestCpuNs / servers[0].bestCpuNs);
    if (servers[1].enabled && servers[2].enabled)
        std::printf("qsslsocket_cpu_ratio %.3f\n", servers[1].bestCpuNs / servers[2].bestCpuNs);
    for (const Server &server : servers)
        if (server.enabled)
            std::printf("tls_%s_rt_per_s %.0f\n", server.name, server.bestRate);
    return 0;
}

int runTlsHandshake(const TlsEchoOptions &options)
{
    Server servers[] = {{"ref", options.ref}, {"qaio", options.qaio}, {"qt", options.qt}};
    if (const int failed = runServers("tls-handshake", options, servers, measureHandshakes))
        return failed;
    for (const Server &server : servers) {
        if (!server.enabled)
            continue;
        std::printf("tls_%s_cpu_us_per_handshake %.1f\n", server.name, server.bestCpuNs / 1000);
        if (server.resumes)
            std::printf("tls_%s_cpu_us_per_resumption %.1f\n", server.name, server.bestResumedCpuNs / 1000);
        else
            std::printf("tls_%s_cpu_us_per_resumption nan (sessions offered were not resumed)\n", server.name);
    }
    if (servers[0].enabled && servers[1].enabled) {
        std::printf("tls_handshake_ratio %.3f\n", servers[0].bestCpuNs / servers[1].bestCpuNs);
        if (servers[0].resumes && servers[1].resumes)
            std::printf("tls_resumed_ratio %.3f\n", servers[0].bestResumedCpuNs / servers[1].bestResumedCpuNs);
    }
    for (const Server &server : servers)
        if (server.enabled)
            std::printf("tls_%s_handshakes_per_s %.0f\n", server.name, server.bestRate);
    return 0;
}

} // namespace qaiobench

#else

#include <cstdio>

namespace qaiobench {

int runTlsEcho(const TlsEchoOptions &)
{
    std::fprintf(stderr, "qaio-bench tls-echo: not supported on this platform\n");
    return 1;
}

int runTlsHandshake(const TlsEchoOptions &)
{
    std::fprintf(stderr, "qaio-bench tls-handshake: not supported on this platform\n");
    return 1;
}

} // namespace qaiobench

#endif
