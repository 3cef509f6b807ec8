// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file socket.h
    Socket: an owning, move-only socket descriptor, for the EventLoop::sock*() methods and
    for the \c sock option of createConnection() / createServer().

    Sockets made by qaio are non-blocking and close-on-exec. A descriptor from elsewhere
    can be adopted (ownership moves to the Socket) or duplicated (e.g. a QTcpSocket's
    socketDescriptor(), which the QTcpSocket keeps owning).

    Errors: system call failures throw OSError (and its subclasses, see oserror.h) with
    the operation and address in the message; operations on a closed (or moved-from)
    Socket throw RuntimeError("<operation>: the socket is closed").

    A duplicate shares the open file description with the original: its non-blocking flag
    (setBlocking()) is the same for both, while closing one leaves the other open.

    \code
    qaio::Socket listener(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
    listener.setReuseAddress(true);
    listener.bind({QHostAddress::LocalHost, 0});
    listener.listen();
    qDebug() << "listening on" << listener.localAddress().toString();
    auto [client, peer] = co_await loop.sockAccept(listener);
    \endcode
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/platform/socketaddress.h>

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayView>

#include <utility>

namespace qaio {

class QAIO_EXPORT Socket
{
public:
    /*! An invalid socket (fileno() == -1). */
    Socket() noexcept = default;
    /*! Creates a new non-blocking socket. Throws OSError. */
    Socket(AddressFamily family, SocketType type, int protocol = 0);
    /*! Takes ownership of \a descriptor (reads its family and type); its blocking mode is
        kept. Throws ValueError for a negative descriptor and OSError if it is not a socket
        (the descriptor then stays with the caller). */
    static Socket adopt(qintptr descriptor);
    /*! Takes a duplicate of \a descriptor; the original stays with its owner. */
    static Socket duplicate(qintptr descriptor);
    /*! A connected pair of Unix sockets (socketpair). */
    static std::pair<Socket, Socket> pair(SocketType type = SocketType::Stream);

    Socket(Socket &&other) noexcept;
    Socket &operator=(Socket &&other) noexcept;
    Socket(const Socket &) = delete;
    Socket &operator=(const Socket &) = delete;
    ~Socket();

    bool isValid() const noexcept { return m_fd >= 0; }
    qintptr fileno() const noexcept { return m_fd; }
    AddressFamily family() const noexcept { return m_family; }
    SocketType type() const noexcept { return m_type; }
    int protocol() const noexcept { return m_protocol; }

    void bind(const SocketAddress &address);
    void listen(int backlog = 100);
    void setBlocking(bool blocking);
    bool isBlocking() const;
    void setReuseAddress(bool on);
    /*! Throws NotImplementedError where the platform has no SO_REUSEPORT. */
    void setReusePort(bool on);
    void setKeepAlive(bool on);
    void setNoDelay(bool on);
    void setBroadcast(bool on);
    /*! Raw setsockopt()/getsockopt() for anything else. */
    void setOption(int level, int name, int value);
    int option(int level, int name) const;
    /*! setsockopt() with a structured value, e.g. SO_LINGER's \c{struct linger} (Python's
        setsockopt(level, name, bytes)):
        \code
        const linger abortive{1, 0}; // close() resets the connection
        sock.setOption(SOL_SOCKET, SO_LINGER,
                       QByteArrayView(reinterpret_cast<const char *>(&abortive), sizeof(abortive)));
        \endcode */
    void setOption(int level, int name, QByteArrayView value);
    /*! getsockopt() of a structured value of at most \a maxSize bytes. */
    QByteArray option(int level, int name, qsizetype maxSize) const;

    /*! Sends what the kernel accepts of \a data now, without waiting; returns the bytes
        sent. Throws BlockingIOError when nothing can be sent now, OSError subclasses on
        failure. Use EventLoop::sockSendall() to wait until everything is sent. */
    qsizetype send(QByteArrayView data);
    /*! Receives up to \a maxSize bytes available now, without waiting; an empty result
        means the peer closed. Throws BlockingIOError when nothing is available yet. Use
        EventLoop::sockRecv() to wait for data. */
    QByteArray recv(qsizetype maxSize);
    SocketAddress localAddress() const;
    /*! Throws OSError (ENOTCONN) when not connected. */
    SocketAddress peerAddress() const;
    void shutdown(bool read, bool write);

    /*! Closes the descriptor (idempotent). */
    void close() noexcept;
    /*! Gives up ownership: returns the descriptor and leaves this Socket invalid. */
    qintptr detach() noexcept;

private:
    Socket(qintptr fd, AddressFamily family, SocketType type, int protocol) noexcept
        : m_fd(fd), m_family(family), m_type(type), m_protocol(protocol)
    {
    }
    void requireOpen(const char *operation) const;

    qintptr m_fd = -1;
    AddressFamily m_family = AddressFamily::Unspecified;
    SocketType m_type = SocketType::Stream;
    int m_protocol = 0;
};

} // namespace qaio
