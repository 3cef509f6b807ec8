// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/platform/privatesocketdir_p.h>

#include <QtCore/QFile>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace qaio::detail::sys {

std::uint32_t currentUserId() noexcept
{
    return static_cast<std::uint32_t>(::geteuid());
}

std::optional<std::uint32_t> peerUserId(qintptr fd) noexcept
{
#if defined(SO_PEERCRED)
    struct ucred credentials{};
    socklen_t length = sizeof credentials;
    if (::getsockopt(int(fd), SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0 || length != sizeof credentials)
        return std::nullopt;
    return static_cast<std::uint32_t>(credentials.uid);
#else
    uid_t uid = 0;
    gid_t gid = 0;
    if (::getpeereid(int(fd), &uid, &gid) != 0)
        return std::nullopt;
    return static_cast<std::uint32_t>(uid);
#endif
}

QString defaultInspectDirectory()
{
    const QByteArray runtime = qgetenv("XDG_RUNTIME_DIR");
    if (!runtime.isEmpty())
        return QFile::decodeName(runtime) + QStringLiteral("/qaio-inspect");
    return QStringLiteral("/tmp/qaio-inspect-%1").arg(currentUserId());
}

QString ensurePrivateDirectory(const QString &dir)
{
    const QByteArray path = QFile::encodeName(dir);
    if (::mkdir(path.constData(), 0700) != 0 && errno != EEXIST)
        return QStringLiteral("cannot create %1: %2").arg(dir, QString::fromLocal8Bit(std::strerror(errno)));
    struct stat info{};
    if (::lstat(path.constData(), &info) != 0)
        return QStringLiteral("cannot examine %1: %2").arg(dir, QString::fromLocal8Bit(std::strerror(errno)));
    if (!S_ISDIR(info.st_mode))
        return QStringLiteral("%1 is not a directory").arg(dir);
    if (info.st_uid != ::geteuid())
        return QStringLiteral("%1 belongs to user %2, not to this process's user %3").arg(dir).arg(info.st_uid).arg(::geteuid());
    if ((info.st_mode & 077) != 0)
        return QStringLiteral("%1 has mode %2: other users may enter it (it must be 0700)")
            .arg(dir, QString::number(info.st_mode & 0777, 8).prepend(QLatin1Char('0')));
    return {};
}

int permissionBits(const QString &path) noexcept
{
    struct stat info{};
    if (::lstat(QFile::encodeName(path).constData(), &info) != 0)
        return -1;
    return int(info.st_mode & 07777);
}

} // namespace qaio::detail::sys
