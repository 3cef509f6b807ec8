// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// The system calls qaio's sockets are made of, behind one portable interface. The POSIX
// implementation is platform/posix/socketops_posix.cpp; a Winsock one goes to
// platform/win/. Functions report failures through their return value and an error code
// (errno or WSA error), never by throwing: the callers decide what is an error.

#include <qaio/platform/socketaddress.h>

#include <QtCore/QByteArrayView>

#include <cstddef>
#include <cstdint>

namespace qaio::detail::sys {

using NativeSocket = qintptr;
constexpr NativeSocket InvalidSocket = -1;

enum class ErrorKind {
    Other,
    WouldBlock,
    BrokenPipe,
    ConnectionAborted,
    ConnectionRefused,
    ConnectionReset,
    FileExists,
    FileNotFound,
    Permission,
    ProcessLookup,
    ChildProcess,
};

ErrorKind classifyError(int error) noexcept;
QString errorText(int error);
QString resolverErrorText(int resolverCode);
bool isWouldBlock(int error) noexcept;
bool isInProgress(int error) noexcept;
bool isInterrupted(int error) noexcept;
/*! Errors that accept() reports for one connection only (the listener is fine). */
bool isTransientAcceptError(int error) noexcept;
/*! Out of descriptors or memory: accepting should pause for a while. */
bool isResourceExhausted(int error) noexcept;
int notConnectedError() noexcept;
int invalidArgumentError() noexcept;

int nativeFamily(AddressFamily family);
AddressFamily familyFromNative(int nativeFamily) noexcept;

/*! A new socket, non-blocking and close-on-exec. */
NativeSocket openSocket(AddressFamily family, SocketType type, int protocol, int &error) noexcept;
/*! A connected pair (AF_UNIX), non-blocking and close-on-exec. */
bool openSocketPair(SocketType type, NativeSocket pair[2], int &error) noexcept;
void closeSocket(NativeSocket fd) noexcept;
NativeSocket duplicateSocket(NativeSocket fd, int &error) noexcept;
int setNonBlocking(NativeSocket fd, bool nonBlocking) noexcept;
bool isNonBlocking(NativeSocket fd) noexcept;
/*! 0 if \a fd is an open descriptor, else the error (EBADF). */
int checkDescriptor(NativeSocket fd) noexcept;
/*! Reads type, family and protocol of an existing socket. */
int describeSocket(NativeSocket fd, SocketType &type, AddressFamily &family, int &protocol) noexcept;

int bindSocket(NativeSocket fd, const SocketAddress &address) noexcept;
int listenSocket(NativeSocket fd, int backlog) noexcept;
/*! 0 when connected, an in-progress error for a pending non-blocking connect, or an error. */
int connectSocket(NativeSocket fd, const SocketAddress &address) noexcept;
/*! The pending SO_ERROR of a socket (0 if none). */
int pendingSocketError(NativeSocket fd) noexcept;
/*! Accepts one connection (non-blocking, close-on-exec) or returns InvalidSocket. */
NativeSocket acceptSocket(NativeSocket listener, SocketAddress *peer, int &error) noexcept;
int shutdownSocket(NativeSocket fd, bool read, bool write) noexcept;
SocketAddress localAddress(NativeSocket fd, int &error) noexcept;
SocketAddress peerAddress(NativeSocket fd, int &error) noexcept;

std::ptrdiff_t receive(NativeSocket fd, void *buffer, std::size_t size, int &error) noexcept;
std::ptrdiff_t send(NativeSocket fd, const void *data, std::size_t size, int &error) noexcept;
/*! Gathers \a count parts into one send (writev); at most maxVectorParts() are used. */
std::ptrdiff_t sendVector(NativeSocket fd, const QByteArrayView *parts, std::size_t count, int &error) noexcept;
std::size_t maxVectorParts() noexcept;
std::ptrdiff_t receiveFrom(NativeSocket fd, void *buffer, std::size_t size, SocketAddress *from, int &error) noexcept;
/*! One datagram into \a buffer: its size, cut to \a size when it was larger
    (\a truncated is then set), and its sender written straight into \a from (no copy; left
    invalid for an unnamed sender). -1 with \a error set on failure. */
std::ptrdiff_t receiveDatagram(NativeSocket fd, void *buffer, std::size_t size, SocketAddress &from, bool &truncated,
                               int &error) noexcept;
/*! The most datagrams receiveDatagrams() takes at once. */
constexpr std::size_t kMaxDatagramBatch = 16;
/*! Up to \a count (<= kMaxDatagramBatch) queued datagrams in one call where the system
    has one (recvmmsg() on Linux; elsewhere one receiveDatagram()): the i-th into
    \a buffer + i * \a slotSize, its size (cut to \a slotSize) in \a sizes[i],
    \a truncated[i] set if it was cut, its sender written into \a senders[i]. Returns
    how many were received (fewer than \a count: the queue is empty now), or -1 with
    \a error set. */
int receiveDatagrams(NativeSocket fd, char *buffer, std::size_t slotSize, std::size_t count, SocketAddress *senders,
                     std::size_t *sizes, bool *truncated, int &error) noexcept;
std::ptrdiff_t sendTo(NativeSocket fd, const void *data, std::size_t size, const SocketAddress &to,
                      int &error) noexcept;
/*! Zero-copy file to socket; returns -1 with error set, a "not supported" error where the
    platform has no such call (callers fall back to read/write). */
std::ptrdiff_t sendFile(NativeSocket out, int fileDescriptor, std::int64_t offset, std::size_t count,
                        int &error) noexcept;
bool isSendFileUnsupported(int error) noexcept;

enum class SocketOption { ReuseAddress, ReusePort, KeepAlive, NoDelay, Broadcast, IPv6Only, ReceiveBuffer, SendBuffer };
int setSocketOption(NativeSocket fd, SocketOption option, int value) noexcept;
int socketOption(NativeSocket fd, SocketOption option, int &value) noexcept;
int setRawOption(NativeSocket fd, int level, int name, const void *value, std::size_t size) noexcept;
int rawOption(NativeSocket fd, int level, int name, void *value, std::size_t *size) noexcept;

/*! Removes a stale Unix socket file; 0 if it was removed or did not exist. */
int removeStaleUnixSocket(const QString &path, bool &wasSocket) noexcept;

} // namespace qaio::detail::sys
