// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QString>

#include <exception>

namespace qaiotest {

/*! The message of the \a E held by \a error; empty if it holds something else. */
template <class E>
QString exceptionMessage(const std::exception_ptr &error)
{
    try {
        std::rethrow_exception(error);
    } catch (const E &e) {
        return QString::fromUtf8(e.what());
    } catch (...) {
        return QString();
    }
}

/*! Calls \a call; the message of the \a E it threw, "(nothing thrown)" if it returned,
    empty if it threw something else. */
template <class E, class F>
QString messageOf(F &&call)
{
    try {
        call();
    } catch (...) {
        return exceptionMessage<E>(std::current_exception());
    }
    return QStringLiteral("(nothing thrown)");
}

} // namespace qaiotest
