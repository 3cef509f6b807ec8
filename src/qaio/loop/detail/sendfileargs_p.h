// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/qglobal.h>

#include <optional>

QT_FORWARD_DECLARE_CLASS(QFile)

namespace qaio::detail {

/*! The argument check of sockSendfile() and sendfile() (asyncio's _check_sendfile_params):
    \a file open for reading and a regular file, \a offset >= 0, \a count > 0 if given.
    Throws ValueError naming \a function and the argument. */
void checkSendfileArguments(const char *function, const QFile &file, qint64 offset, std::optional<qint64> count);

} // namespace qaio::detail
