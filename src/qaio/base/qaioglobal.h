// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file qaioglobal.h
    Export macros and the logging categories shared by every qaio header.

    qaio logs through QLoggingCategory. The categories are:
    \list
    \li \c qaio          general loop messages and the default exception handler
    \li \c qaio.debug    debug mode reports (slow callbacks, wrong-thread calls)
    \endlist
    Enable them as usual: \c{QT_LOGGING_RULES="qaio.*=true"}.
*/

#include <QtCore/qglobal.h>
#include <QtCore/QLoggingCategory>

#include <qaio/base/detail/sourcelocation.h>

#if defined(QAIO_STATIC)
#  define QAIO_EXPORT
#elif defined(QAIO_BUILD_LIBRARY)
#  define QAIO_EXPORT Q_DECL_EXPORT
#else
#  define QAIO_EXPORT Q_DECL_IMPORT
#endif

// clang (14 at least) aborts in its backend ("Cannot represent a difference across
// sections", LLVM issue 49689) on a coroutine that is a template or an inline free
// function when -fsanitize=function (part of -fsanitize=undefined) is on. Such coroutines
// in headers carry this attribute, which turns off that one check for them only.
#if defined(__clang__)
#  define QAIO_CORO_NO_SANITIZE_FUNCTION __attribute__((no_sanitize("function")))
#else
#  define QAIO_CORO_NO_SANITIZE_FUNCTION
#endif

// The introspection bookkeeping (await sites, step timing, loop figures: see
// inspect/inspector.h) is on unless the library was configured with
// QAIO_INTROSPECTION=OFF (CMake) or CONFIG+=qaio_no_introspection (qmake), which define
// it to 0 for the library and its users alike: it changes the layout of tasks.
#ifndef QAIO_INTROSPECTION
#  define QAIO_INTROSPECTION 1
#endif

namespace qaio {
QAIO_EXPORT const QLoggingCategory &lcQaio();
QAIO_EXPORT const QLoggingCategory &lcQaioDebug();
} // namespace qaio
