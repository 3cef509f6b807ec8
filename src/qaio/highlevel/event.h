// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file event.h
    Event: a flag tasks can wait for, as asyncio.Event.

    wait() returns at once while the flag is set, else suspends the task until set() is
    called; set() wakes every waiter (in the order they came) and keeps the flag set until
    clear(). Waiting suspends the task, never the Qt thread.

    An Event belongs to the loop of the first task that waits on it (asyncio's
    _LoopBoundMixin); create it anywhere. Destroying it while tasks wait is safe: they keep
    waiting until cancelled.

    Errors: wait() throws RuntimeError("... is bound to a different event loop") from
    another loop, and CancelledError when its task is cancelled while it waits.

    \code
    qaio::Event ready(QStringLiteral("model loaded"));

    qaio::Coro<void> consumer()
    {
        co_await ready.wait();          // until someone calls ready.set()
        useTheModel();
    }
    \endcode
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/highlevel/syncprimitive.h>
#include <qaio/tasks/coro.h>

#include <QtCore/QString>

#include <memory>

namespace qaio {

namespace detail {
struct EventState;
}

/*!
    \class qaio::Event
    asyncio.Event. See the file documentation above.
*/
class QAIO_EXPORT Event : public SyncPrimitive
{
public:
    /*! An event not set; \a name and the creation site show up in messages. */
    explicit Event(QString name = {}, SourceLocation where = SourceLocation::current());
    ~Event();

    /*! Returns once the flag is set (at once if it is). */
    Coro<void> wait();
    /*! Sets the flag and wakes every waiter. */
    void set();
    /*! Clears the flag: later wait() calls suspend until the next set(). */
    void clear() noexcept;
    bool isSet() const noexcept;

private:
    explicit Event(std::shared_ptr<detail::EventState> state);
    std::shared_ptr<detail::EventState> d;
};

} // namespace qaio
