// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// What createServer()/createUnixServer() need from the OS beyond socketops_p.h: bind
// errors they treat specially, and the identity of a Unix socket file, so that closing a
// server removes the file only if nobody replaced it meanwhile (asyncio's cleanup_socket).
// POSIX implementation: platform/posix/listenops_posix.cpp.

#include <QtCore/QString>

#include <optional>
#include <utility>

namespace qaio::detail::sys {

/*! EADDRINUSE */
bool isAddressInUse(int error) noexcept;
/*! EADDRNOTAVAIL: the address family is not enabled on this host (bpo-30945). */
bool isAddressNotAvailable(int error) noexcept;
/*! (device, inode) of the socket file at \a path, or nothing if it is not a socket. */
std::optional<std::pair<quint64, quint64>> socketFileId(const QString &path) noexcept;
/*! Removes the file at \a path; returns 0 or the error. */
int removeFile(const QString &path) noexcept;

} // namespace qaio::detail::sys
