// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/platform/listenops_p.h>

#include <QtCore/QFile>

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

namespace qaio::detail::sys {

bool isAddressInUse(int error) noexcept
{
    return error == EADDRINUSE;
}

bool isAddressNotAvailable(int error) noexcept
{
    return error == EADDRNOTAVAIL;
}

std::optional<std::pair<quint64, quint64>> socketFileId(const QString &path) noexcept
{
    const QByteArray native = QFile::encodeName(path);
    struct stat info{};
    if (::stat(native.constData(), &info) < 0 || !S_ISSOCK(info.st_mode))
        return std::nullopt;
    return std::pair{quint64(info.st_dev), quint64(info.st_ino)};
}

int removeFile(const QString &path) noexcept
{
    const QByteArray native = QFile::encodeName(path);
    return ::unlink(native.constData()) < 0 ? errno : 0;
}

} // namespace qaio::detail::sys
