// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file errors.h
    The exception types qaio throws, mirroring asyncio's.

    \list
    \li qaio::Error              base of qaio's ordinary errors (derives std::runtime_error)
    \li qaio::RuntimeError       misuse: closed loop, loop already running, wrong thread
    \li qaio::InvalidStateError  future in the wrong state (result of a pending future, ...)
    \li qaio::TimeoutError       waitFor / timeout expired
    \li qaio::NotImplementedError the platform cannot do it (e.g. Unix signals on Windows)
    \li qaio::ValueError         a bad argument; derives std::invalid_argument, the message names it
    \li qaio::CancelledError     the awaiting task was cancelled; deliberately NOT a std::exception
    \li qaio::ExceptionGroup     several errors at once (TaskGroup)
    \endlist

    CancelledError is not derived from std::exception for the same reason asyncio made
    it a BaseException: a \c{catch (const std::exception &)} meant for I/O errors must not
    swallow a cancellation. Catch it explicitly (\c{catch (const qaio::CancelledError &)})
    and rethrow unless you really mean to ignore the cancel request.

    \code
    try {
        co_await qaio::waitFor(fetch(), std::chrono::seconds(2));
    } catch (const qaio::TimeoutError &) {
        qWarning() << "too slow";
    }
    \endcode
*/

#include <qaio/base/qaioglobal.h>

#include <QtCore/QString>

#include <exception>
#include <stdexcept>
#include <vector>

namespace qaio {

class QAIO_EXPORT Error : public std::runtime_error
{
public:
    explicit Error(const QString &message);
    explicit Error(const char *message) : std::runtime_error(message) {}
    QString message() const { return QString::fromUtf8(what()); }
};

class QAIO_EXPORT RuntimeError : public Error
{
public:
    using Error::Error;
};

class QAIO_EXPORT InvalidStateError : public Error
{
public:
    using Error::Error;
};

class QAIO_EXPORT TimeoutError : public Error
{
public:
    using Error::Error;
    TimeoutError() : Error("timed out") {}
};

class QAIO_EXPORT NotImplementedError : public Error
{
public:
    using Error::Error;
};

class QAIO_EXPORT ValueError : public std::invalid_argument
{
public:
    explicit ValueError(const QString &message);
    explicit ValueError(const char *message) : std::invalid_argument(message) {}
    QString message() const { return QString::fromUtf8(what()); }
};

/*! Thrown by Barrier::wait() when the barrier is aborted or reset while a task waits
    (asyncio.BrokenBarrierError). */
class QAIO_EXPORT BrokenBarrierError : public RuntimeError
{
public:
    using RuntimeError::RuntimeError;
};

/*! Thrown by getNowait() of an empty queue (asyncio.QueueEmpty). */
class QAIO_EXPORT QueueEmpty : public Error
{
public:
    using Error::Error;
};

/*! Thrown by putNowait() of a full queue (asyncio.QueueFull). */
class QAIO_EXPORT QueueFull : public Error
{
public:
    using Error::Error;
};

/*! Thrown by a queue's put() and get() once shutdown() was called (asyncio.QueueShutDown,
    Python 3.13): get() only when the queue is empty too. */
class QAIO_EXPORT QueueShutDown : public Error
{
public:
    using Error::Error;
};

/*!
    Thrown at the suspension point of a cancelled task (and by Future::result() of a
    cancelled future). Carries the message given to cancel().
*/
class QAIO_EXPORT CancelledError
{
public:
    explicit CancelledError(QString message = {}) : m_message(std::move(message)) {}
    const QString &message() const noexcept { return m_message; }
    const char *what() const noexcept { return "CancelledError"; }

private:
    QString m_message;
};

/*!
    Thrown by qaio::run() and Runner::run() when Ctrl+C (SIGINT) cancelled the main task and
    the task let the cancellation through (asyncio's KeyboardInterrupt from asyncio.run()).
    Like CancelledError it is not a std::exception, so that a plain
    \c{catch (const std::exception &)} does not swallow it. A program usually ends with it:
    \code
    try {
        return qaio::run(mainTask());
    } catch (const qaio::KeyboardInterrupt &) {
        return 130; // 128 + SIGINT, what a shell reports for Ctrl+C
    }
    \endcode
*/
class QAIO_EXPORT KeyboardInterrupt
{
public:
    const char *what() const noexcept { return "KeyboardInterrupt"; }
};

/*!
    Several exceptions raised together, as by TaskGroup when more than one child fails.
    what() lists the sub-exceptions.
*/
class QAIO_EXPORT ExceptionGroup : public Error
{
public:
    ExceptionGroup(const QString &message, std::vector<std::exception_ptr> exceptions);
    const std::vector<std::exception_ptr> &exceptions() const noexcept { return m_exceptions; }

private:
    std::vector<std::exception_ptr> m_exceptions;
};

/*! Returns "TypeName: message" for logging an exception_ptr; never throws. */
QAIO_EXPORT QString describeException(const std::exception_ptr &error);

/*! True when \a error holds an exception of type \a E or derived from it (false for a
    null \a error). Never throws.
    \code
    if (qaio::holds<qaio::ConnectionResetError>(future.exception())) reconnect();
    \endcode */
template <class E>
bool holds(const std::exception_ptr &error) noexcept
{
    if (!error)
        return false;
    try {
        std::rethrow_exception(error);
    } catch (const E &) {
        return true;
    } catch (...) {
        return false;
    }
}

/*! True when \a error holds a qaio::CancelledError (holds<CancelledError>()). */
inline bool isCancelledError(const std::exception_ptr &error) noexcept
{
    return holds<CancelledError>(error);
}

} // namespace qaio
