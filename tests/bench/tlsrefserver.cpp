// Copyright (c) qaio authors. Licensed under the MIT license.
// The reference TLS echo server of `qaio-bench tls-echo` / `tls-handshake`: a bare
// level-triggered epoll loop with one OpenSSL SSL object per connection on memory BIOs
// (the way qaio's TLS layer uses OpenSSL, with nothing else around it): recv() into the
// incoming BIO, SSL_read() into one buffer, SSL_write() it back, send() what the
// outgoing BIO holds.
#include "echoserver.h"

#ifdef __linux__

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace qaiobench {

namespace {

struct TlsConnection
{
    SSL *ssl = nullptr;
    BIO *incoming = nullptr;
    BIO *outgoing = nullptr;
    std::string unsent; // ciphertext the kernel did not take yet
    bool open = false;
};

} // namespace

int runRefTls(const EchoServerOptions &options, int stopFd, const std::function<void(quint16)> &announce)
{
    SSL_CTX *context = SSL_CTX_new(TLS_server_method());
    if (!context || SSL_CTX_use_certificate_chain_file(context, options.tlsCert.toLocal8Bit().constData()) != 1 ||
        SSL_CTX_use_PrivateKey_file(context, options.tlsKey.toLocal8Bit().constData(), SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    const int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(options.port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        ::listen(listener, options.backlog) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        std::perror("listen");
        return 1;
    }
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    if (stopFd >= 0) {
        ev.data.fd = stopFd;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, stopFd, &ev);
    }
    announce(ntohs(address.sin_port));

    constexpr int kBufferSize = 256 * 1024;
    std::unique_ptr<char[]> buffer(new char[kBufferSize]);
    std::vector<TlsConnection> connections;
    auto drop = [&](int fd) {
        TlsConnection &c = connections[std::size_t(fd)];
        ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        SSL_free(c.ssl);
        c = TlsConnection();
    };
    // Sends what the outgoing BIO holds; what the kernel refuses waits for EPOLLOUT.
    auto flush = [&](int fd) -> bool {
        TlsConnection &c = connections[std::size_t(fd)];
        char *data = nullptr;
        const long pending = BIO_get_mem_data(c.outgoing, &data);
        if (pending > 0) {
            if (c.unsent.empty()) {
                const ssize_t sent = ::send(fd, data, std::size_t(pending), MSG_NOSIGNAL);
                if (sent < 0 && errno != EAGAIN)
                    return false;
                const std::size_t done = sent < 0 ? 0 : std::size_t(sent);
                c.unsent.assign(data + done, std::size_t(pending) - done);
            } else {
                c.unsent.append(data, std::size_t(pending));
            }
            (void)BIO_reset(c.outgoing);
        }
        epoll_event cev{};
        cev.events = c.unsent.empty() ? EPOLLIN : EPOLLOUT;
        cev.data.fd = fd;
        ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &cev);
        return true;
    };
    epoll_event events[256];
    for (;;) {
        const int n = ::epoll_wait(ep, events, 256, -1);
        if (n < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == stopFd) {
                ::close(listener);
                ::close(ep);
                SSL_CTX_free(context);
                return 0;
            }
            if (fd == listener) {
                for (;;) {
                    const int client = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (client < 0)
                        break;
                    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    if (std::size_t(client) >= connections.size())
                        connections.resize(std::size_t(client) + 1);
                    TlsConnection &c = connections[std::size_t(client)];
                    c.ssl = SSL_new(context);
                    c.incoming = BIO_new(BIO_s_mem());
                    c.outgoing = BIO_new(BIO_s_mem());
                    BIO_set_mem_eof_return(c.incoming, -1);
                    SSL_set_bio(c.ssl, c.incoming, c.outgoing);
                    SSL_set_accept_state(c.ssl);
                    c.open = true;
                    epoll_event cev{};
                    cev.events = EPOLLIN;
                    cev.data.fd = client;
                    ::epoll_ctl(ep, EPOLL_CTL_ADD, client, &cev);
                }
                continue;
            }
            TlsConnection &c = connections[std::size_t(fd)];
            if (!c.open)
                continue;
            if (!c.unsent.empty()) {
                const ssize_t sent = ::send(fd, c.unsent.data(), c.unsent.size(), MSG_NOSIGNAL);
                if (sent < 0 && errno != EAGAIN) {
                    drop(fd);
                    continue;
                }
                if (sent > 0)
                    c.unsent.erase(0, std::size_t(sent));
                if (!flush(fd))
                    drop(fd);
                continue;
            }
            const ssize_t got = ::recv(fd, buffer.get(), kBufferSize, 0);
            if (got == 0 || (got < 0 && errno != EAGAIN)) {
                drop(fd);
                continue;
            }
            if (got < 0)
                continue;
            BIO_write(c.incoming, buffer.get(), int(got));
            bool failed = false;
            if (!SSL_is_init_finished(c.ssl)) {
                const int result = SSL_do_handshake(c.ssl);
                if (result != 1) {
                    const int error = SSL_get_error(c.ssl, result);
                    failed = error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE;
                }
            }
            while (!failed && SSL_is_init_finished(c.ssl)) {
                const int read = SSL_read(c.ssl, buffer.get(), kBufferSize);
                if (read <= 0) {
                    const int error = SSL_get_error(c.ssl, read);
                    failed = error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE;
                    break;
                }
                size_t written = 0;
                if (SSL_write_ex(c.ssl, buffer.get(), std::size_t(read), &written) != 1)
                    failed = true;
            }
            ERR_clear_error();
            if (!flush(fd) || failed)
                drop(fd);
        }
    }
}

} // namespace qaiobench

#endif
