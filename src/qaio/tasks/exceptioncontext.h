// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file exceptioncontext.h
    ExceptionContext: what EventLoop::callExceptionHandler() passes to the handler, as
    asyncio's context dict ('message', 'exception', 'future', 'task', 'handle',
    'protocol', 'transport', 'socket', ...).

    \code
    loop.setExceptionHandler([](qaio::EventLoop &loop, const qaio::ExceptionContext &ctx) {
        qCritical() << ctx.toString();
        loop.defaultExceptionHandler(ctx);   // keep the default logging too
    });
    \endcode
*/

#include <qaio/tasks/future.h>
#include <qaio/core/handle.h>
#include <qaio/base/qaioglobal.h>

#include <QtCore/QString>
#include <QtCore/QVariantMap>

#include <exception>

namespace qaio {

class BaseTransport;
class BaseProtocol;

struct QAIO_EXPORT ExceptionContext
{
    QString message;              // always set
    std::exception_ptr exception; // the error, if one was raised
    FutureBase future;            // the future (or task) concerned, if any
    Handle handle;                // the callback that raised, if any
    BaseTransport *transport = nullptr;
    BaseProtocol *protocol = nullptr;
    qintptr socket = -1;
    SourceLocation sourceLocation; // where the object concerned was created
    QString objectDescription;           // e.g. a task that no longer exists
    QVariantMap extra;                   // anything else worth logging

    /*! Everything above as multi-line text (what the default handler logs). */
    QString toString() const;
};

} // namespace qaio
