// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file oserror.h
    Operating-system errors, mirroring Python's OSError hierarchy as asyncio raises them.

    \list
    \li qaio::OSError                  any failed system call; errorCode() is errno (or the
                                       WSA error on Windows)
    \li qaio::BlockingIOError          the operation would block
    \li qaio::ConnectionError          base of the four below
    \li qaio::BrokenPipeError          EPIPE / ESHUTDOWN: writing to a closed connection
    \li qaio::ConnectionAbortedError   ECONNABORTED
    \li qaio::ConnectionRefusedError   ECONNREFUSED: nobody listens there
    \li qaio::ConnectionResetError     ECONNRESET: the peer reset the connection
    \li qaio::FileExistsError, FileNotFoundError, PermissionError
    \li qaio::ProcessLookupError       ESRCH: no such process (a child already reaped)
    \li qaio::ChildProcessError        ECHILD: not a child of this process
    \li qaio::GaiError                 getaddrinfo()/getnameinfo() failed; errorCode() is the
                                       resolver's EAI_* code
    \endlist

    The message names the operation and the address concerned, then the system's text:
    \c{"connect to 127.0.0.1:9: Connection refused [errno 111]"}.

    \code
    try {
        auto [transport, protocol] = co_await loop.createConnection(factory, "localhost", 9);
    } catch (const qaio::ConnectionRefusedError &e) {
        qWarning() << "nothing listens:" << e.what();
    } catch (const qaio::OSError &e) {
        qWarning() << "connect failed, errno" << e.errorCode();
    }
    \endcode
*/

#include <qaio/base/errors.h>
#include <qaio/base/qaioglobal.h>

#include <exception>

namespace qaio {

class QAIO_EXPORT OSError : public Error
{
public:
    /*! \a context says what failed ("connect to 127.0.0.1:80"); the system text is added. */
    OSError(int errorCode, const QString &context);
    /*! An error with no system error code (errorCode() is 0), such as createConnection()'s
        "Multiple exceptions: ..." (Python's OSError(message)). */
    explicit OSError(const QString &message);
    int errorCode() const noexcept { return m_errorCode; }

protected:
    OSError(int errorCode, const QString &context, const QString &systemText);

private:
    int m_errorCode;
};

#define QAIO_DECLARE_OSERROR(Name, Base)                                                                               \
    class QAIO_EXPORT Name : public Base                                                                               \
    {                                                                                                                  \
    public:                                                                                                            \
        using Base::Base;                                                                                              \
    };

QAIO_DECLARE_OSERROR(BlockingIOError, OSError)
QAIO_DECLARE_OSERROR(ConnectionError, OSError)
QAIO_DECLARE_OSERROR(BrokenPipeError, ConnectionError)
QAIO_DECLARE_OSERROR(ConnectionAbortedError, ConnectionError)
QAIO_DECLARE_OSERROR(ConnectionRefusedError, ConnectionError)
QAIO_DECLARE_OSERROR(ConnectionResetError, ConnectionError)
QAIO_DECLARE_OSERROR(FileExistsError, OSError)
QAIO_DECLARE_OSERROR(FileNotFoundError, OSError)
QAIO_DECLARE_OSERROR(PermissionError, OSError)
QAIO_DECLARE_OSERROR(ProcessLookupError, OSError)
QAIO_DECLARE_OSERROR(ChildProcessError, OSError)

#undef QAIO_DECLARE_OSERROR

/*! A resolver failure; errorCode() is the EAI_* code and the message the resolver's text. */
class QAIO_EXPORT GaiError : public OSError
{
public:
    GaiError(int resolverCode, const QString &context);
};

/*! The OSError subclass matching \a errorCode, as an exception_ptr (for futures). */
QAIO_EXPORT std::exception_ptr makeOSError(int errorCode, const QString &context);
/*! Throws the OSError subclass matching \a errorCode. */
[[noreturn]] QAIO_EXPORT void throwOSError(int errorCode, const QString &context);
/*! The system's text for \a errorCode (strerror). */
QAIO_EXPORT QString systemErrorText(int errorCode);

} // namespace qaio
