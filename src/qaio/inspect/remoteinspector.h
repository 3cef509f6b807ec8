// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file remoteinspector.h
    RemoteInspector: serves an Inspector's snapshots to other processes of the same user,
    over a local socket, for `qaio-inspect` and the QML inspector attached from outside.
    Opt-in: construct one, call EventLoop::serveInspector(), or set QAIO_INSPECT=NAME in
    the environment of a program (its first EventLoop then serves under NAME).

    Only the same user can connect: the socket is `<directory>/<NAME>.<pid>` with mode
    0600 in a directory of mode 0700 that belongs to the user ($XDG_RUNTIME_DIR/qaio-inspect,
    else /tmp/qaio-inspect-<uid>; QAIO_INSPECT_DIR overrides), and a peer of another user
    id (SO_PEERCRED) is refused and disconnected. A connection can read snapshots, follow
    them as a stream (at most maxSnapshotsPerSecond, default 10) and cancel tasks: nothing
    else. The protocol (newline-delimited JSON, versioned) is docs/inspector-protocol.md.

    Errors: the constructor throws ValueError for a name that is not 1 to 64 characters
    of [A-Za-z0-9._-], RuntimeError when the directory is not private to the user (it
    says why) or the socket cannot be created, and when not on the loop's thread.

    \code
    qaio::Inspector inspector(loop);
    qaio::RemoteInspector remote(inspector, "my-app");
    // shell: qaio-inspect --tree my-app
    \endcode
*/

#include <qaio/base/qaioglobal.h>

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <cstdint>
#include <memory>
#include <optional>

namespace qaio {

class Inspector;

struct RemoteInspectorOptions
{
    QString directory;              // empty: QAIO_INSPECT_DIR, else the default above
    int maxSnapshotsPerSecond = 10; // the most a subscription may ask for
    qsizetype maxRequestBytes = 64 * 1024;
    /*! The user allowed to connect; empty: this process's user. Tests name another
        user to see a connection refused. */
    std::optional<std::uint32_t> allowedUserId;
};

class QAIO_EXPORT RemoteInspector
{
public:
    RemoteInspector(Inspector &inspector, const QString &name, const RemoteInspectorOptions &options = {});
    ~RemoteInspector();
    RemoteInspector(const RemoteInspector &) = delete;
    RemoteInspector &operator=(const RemoteInspector &) = delete;

    QString name() const;
    /*! The path of the listening socket. */
    QString socketPath() const;
    /*! Connections being served now (refused ones are not counted). */
    int connectionCount() const;

    /*! The directory \a options lead to (see the file documentation). */
    static QString directory(const RemoteInspectorOptions &options = {});
    /*! The sockets in directory(\a options), named "NAME.PID", sorted; a process that
        ended without closing its socket may have left one behind. */
    static QStringList servingSockets(const RemoteInspectorOptions &options = {});
    /*! The socket path of \a name, "NAME" or "NAME.PID", among servingSockets(). Throws
        ValueError when no process serves \a name, or several do and \a name has no pid. */
    static QString socketPathFor(const QString &name, const RemoteInspectorOptions &options = {});

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace qaio
