// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// What the remote inspector (inspect/remoteinspector.h) needs from the OS to serve only
// its own user: a private directory for its sockets and the user id of a connected peer.
// POSIX back-end: platform/posix/privatesocketdir_posix.cpp. Nothing here throws.

#include <QtCore/QString>
#include <QtCore/QtGlobal>

#include <cstdint>
#include <optional>

namespace qaio::detail::sys {

/*! The user id this process runs as. */
std::uint32_t currentUserId() noexcept;

/*! The user id of the process at the other end of the connected local socket \a fd
    (SO_PEERCRED on Linux, getpeereid() elsewhere), or nullopt if the OS cannot tell. */
std::optional<std::uint32_t> peerUserId(qintptr fd) noexcept;

/*! Where inspectable processes put their sockets by default:
    $XDG_RUNTIME_DIR/qaio-inspect when that is set, else /tmp/qaio-inspect-<uid>. */
QString defaultInspectDirectory();

/*! Creates \a dir (mode 0700) if missing. Returns an empty string when it exists, is a
    directory (not a symbolic link), belongs to this user and nobody else may enter it
    (no group or other permission bits), else a message saying which of these fails. */
QString ensurePrivateDirectory(const QString &dir);

/*! The permission bits of \a path (e.g. 0600), or -1 if it cannot be examined. */
int permissionBits(const QString &path) noexcept;

} // namespace qaio::detail::sys
