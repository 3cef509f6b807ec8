// Copyright (c) qaio authors. Licensed under the MIT license.
#include "loadclient.h"

#ifdef __linux__

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

namespace qaiobench {

namespace {

[[noreturn]] void fail(const std::string &what)
{
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

} // namespace

std::vector<int> LoadClient::connectMany(quint16 port, std::size_t count)
{
    std::vector<int> fds;
    fds.reserve(count);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    try {
        for (std::size_t i = 0; i < count; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0)
                fail("socket");
            fds.push_back(fd);
            const int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            // Blocking: on loopback the handshake completes at once (the kernel queues
            // the connection until the server accepts it).
            int rc;
            do {
                rc = ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address);
            } while (rc != 0 && errno == EINTR);
            if (rc != 0)
                fail("connect to 127.0.0.1:" + std::to_string(port));
        }
    } catch (...) {
        closeAll(fds);
        throw;
    }
    return fds;
}

void closeAll(std::vector<int> &fds)
{
    for (int fd : fds)
        ::close(fd);
    fds.clear();
}

LoadClient::LoadClient(std::vector<int> fds, std::size_t size)
    : m_size(size), m_inSize(std::max<std::size_t>(size, 64 * 1024))
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0)
        fail("epoll_create1");
    m_out.reset(new char[size]);
    for (std::size_t i = 0; i < size; ++i)
        m_out[i] = char('a' + i % 26);
    m_in.reset(new char[m_inSize]);
    m_conns.reserve(fds.size());
    for (int fd : fds) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        m_conns.push_back(Connection{fd});
    }
    for (std::size_t i = 0; i < m_conns.size(); ++i) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_conns[i].fd, &ev) != 0)
            fail("epoll_ctl");
    }
}

LoadClient::~LoadClient()
{
    ::close(m_epoll);
}

void LoadClient::setWantWrite(Connection &c, bool on)
{
    if (c.wantWrite == on)
        return;
    c.wantWrite = on;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.u64 = std::uint64_t(&c - m_conns.data());
    if (::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev) != 0)
        fail("epoll_ctl");
}

void LoadClient::sendSome(Connection &c)
{
    while (c.sent < m_size) {
        const ssize_t n = ::send(c.fd, m_out.get() + c.sent, m_size - c.sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            fail("send");
        }
        c.sent += std::size_t(n);
    }
    setWantWrite(c, c.sent < m_size);
}

double LoadClient::run(std::uint64_t perConnection)
{
    if (perConnection == 0 || m_conns.empty())
        return 0;
    const auto begin = std::chrono::steady_clock::now();
    std::size_t active = m_conns.size();
    for (Connection &c : m_conns) {
        c.remaining = perConnection;
        c.sent = c.received = 0;
        sendSome(c);
    }
    epoll_event events[256];
    while (active > 0) {
        const int n = ::epoll_wait(m_epoll, events, 256, 60000);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail("epoll_wait");
        }
        if (n == 0)
            throw std::runtime_error("the echo server did not answer within 60 s");
        for (int i = 0; i < n; ++i) {
            Connection &c = m_conns[std::size_t(events[i].data.u64)];
            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                // One message in flight: never more than its missing bytes can arrive.
                const ssize_t got = ::recv(c.fd, m_in.get(), std::min(m_inSize, m_size - c.received), 0);
                if (got == 0) {
                    errno = ECONNRESET;
                    fail("the echo server closed a connection");
                }
                if (got < 0) {
                    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                        fail("recv");
                } else {
                    c.received += std::size_t(got);
                }
            }
            if ((events[i].events & EPOLLOUT) && c.sent < m_size)
                sendSome(c);
            if (c.received == m_size && c.sent == m_size && c.remaining > 0) {
                if (--c.remaining == 0) {
                    --active;
                } else {
                    c.sent = c.received = 0;
                    sendSome(c);
                }
            }
        }
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
}

} // namespace qaiobench

#endif
