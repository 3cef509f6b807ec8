// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#ifdef __linux__

#include <QtCore/QtGlobal>

#include <cstdint>
#include <memory>
#include <vector>

namespace qaiobench {

/*!
    The echo benchmarks' load generator: a raw level-triggered epoll loop that keeps one
    message of a fixed size in flight on each connection and counts round trips (the
    message sent whole and as many bytes received back). Runs on the calling thread.
    Throws std::runtime_error when a connection fails or the server stops answering.
*/
class LoadClient
{
public:
    /*! Opens \a count connections to 127.0.0.1:\a port (TCP_NODELAY); the client owns them. */
    static std::vector<int> connectMany(quint16 port, std::size_t count);

    /*! Drives the connected sockets \a fds (made non-blocking; not owned) with messages
        of \a size bytes. */
    LoadClient(std::vector<int> fds, std::size_t size);
    ~LoadClient();
    LoadClient(const LoadClient &) = delete;
    LoadClient &operator=(const LoadClient &) = delete;

    /*! Runs \a perConnection round trips on every connection; returns the wall time in
        seconds. */
    double run(std::uint64_t perConnection);

private:
    struct Connection
    {
        int fd;
        std::size_t sent = 0;
        std::size_t received = 0;
        std::uint64_t remaining = 0;
        bool wantWrite = false;
    };
    void sendSome(Connection &c);
    void setWantWrite(Connection &c, bool on);

    std::vector<Connection> m_conns;
    std::size_t m_size;
    int m_epoll = -1;
    std::unique_ptr<char[]> m_out;
    std::unique_ptr<char[]> m_in;
    std::size_t m_inSize;
};

/*! Closes every descriptor of \a fds. */
void closeAll(std::vector<int> &fds);

} // namespace qaiobench

#endif
