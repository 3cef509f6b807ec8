// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file socketaddress.h
    SocketAddress: an IPv4/IPv6 host and port, or a Unix socket path (or Linux abstract
    name), as the sock* methods, transports' extraInfo() and DNS results carry them.

    \code
    qaio::SocketAddress tcp(QHostAddress::LocalHost, 8080);
    qaio::SocketAddress local = qaio::SocketAddress::fromUnixPath("/tmp/app.sock");
    qDebug() << tcp.toString();   // "127.0.0.1:8080"
    \endcode

    Errors: fromUnixPath() throws ValueError (naming \c path) when the path is empty or does
    not fit a sockaddr_un (107 bytes on Linux), fromAbstractName() when the name is too
    long, and the constructor when \a host is neither an IPv4 nor an IPv6 address (a null
    QHostAddress, or QHostAddress::Any, which means both).

    Two addresses are equal when their native forms are byte for byte the same, so a
    socket bound to an address with a non-zero port (or to a Unix path) reports an equal
    localAddress().
*/

#include <qaio/base/qaioglobal.h>

#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtNetwork/QHostAddress>

#include <array>
#include <cstddef>

namespace qaio {

enum class AddressFamily { Unspecified, IPv4, IPv6, Unix };
enum class SocketType { Stream, Datagram };

class QAIO_EXPORT SocketAddress
{
public:
    SocketAddress() = default;
    SocketAddress(const QHostAddress &host, quint16 port);
    /*! A filesystem Unix socket address. */
    static SocketAddress fromUnixPath(const QString &path);
    /*! A Linux abstract-namespace Unix socket address (no file); \a name without the NUL. */
    static SocketAddress fromAbstractName(const QByteArray &name);
    /*! Copies a native sockaddr of \a length bytes. */
    static SocketAddress fromNative(const void *sockaddr, std::size_t length);

    bool isValid() const noexcept { return m_length != 0; }
    AddressFamily family() const;
    QHostAddress host() const;
    quint16 port() const;
    /*! The Unix socket path (empty for abstract or unnamed addresses). */
    QString path() const;
    bool isAbstract() const;
    QByteArray abstractName() const;
    /*! "127.0.0.1:80", "[::1]:80", "/tmp/a.sock", "@name", or "" when invalid. */
    QString toString() const;

    const void *nativeData() const noexcept { return m_storage.data(); }
    void *nativeData() noexcept { return m_storage.data(); }
    std::size_t nativeSize() const noexcept { return m_length; }
    static constexpr std::size_t capacity() noexcept { return 128; }
    void setNativeSize(std::size_t length) noexcept { m_length = length; }

    friend bool operator==(const SocketAddress &a, const SocketAddress &b) noexcept;

private:
    alignas(8) std::array<unsigned char, 128> m_storage{};
    std::size_t m_length = 0;
};

} // namespace qaio
