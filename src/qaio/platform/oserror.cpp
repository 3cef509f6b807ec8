// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/platform/oserror.h>

#include <qaio/platform/socketops_p.h>

namespace qaio {

OSError::OSError(int errorCode, const QString &context) : OSError(errorCode, context, systemErrorText(errorCode)) {}

OSError::OSError(const QString &message) : Error(message), m_errorCode(0) {}

OSError::OSError(int errorCode, const QString &context, const QString &systemText)
    : Error(QStringLiteral("%1: %2 [errno %3]").arg(context, systemText).arg(errorCode)), m_errorCode(errorCode)
{
}

GaiError::GaiError(int resolverCode, const QString &context)
    : OSError(resolverCode, context, detail::sys::resolverErrorText(resolverCode))
{
}

std::exception_ptr makeOSError(int errorCode, const QString &context)
{
    using detail::sys::ErrorKind;
    switch (detail::sys::classifyError(errorCode)) {
    case ErrorKind::WouldBlock:
        return std::make_exception_ptr(BlockingIOError(errorCode, context));
    case ErrorKind::BrokenPipe:
        return std::make_exception_ptr(BrokenPipeError(errorCode, context));
    case ErrorKind::ConnectionAborted:
        return std::make_exception_ptr(ConnectionAbortedError(errorCode, context));
    case ErrorKind::ConnectionRefused:
        return std::make_exception_ptr(ConnectionRefusedError(errorCode, context));
    case ErrorKind::ConnectionReset:
        return std::make_exception_ptr(ConnectionResetError(errorCode, context));
    case ErrorKind::FileExists:
        return std::make_exception_ptr(FileExistsError(errorCode, context));
    case ErrorKind::FileNotFound:
        return std::make_exception_ptr(FileNotFoundError(errorCode, context));
    case ErrorKind::Permission:
        return std::make_exception_ptr(PermissionError(errorCode, context));
    case ErrorKind::ProcessLookup:
        return std::make_exception_ptr(ProcessLookupError(errorCode, context));
    case ErrorKind::ChildProcess:
        return std::make_exception_ptr(ChildProcessError(errorCode, context));
    case ErrorKind::Other:
        break;
    }
    return std::make_exception_ptr(OSError(errorCode, context));
}

void throwOSError(int errorCode, const QString &context)
{
    std::rethrow_exception(makeOSError(errorCode, context));
}

QString systemErrorText(int errorCode)
{
    return detail::sys::errorText(errorCode);
}

} // namespace qaio
