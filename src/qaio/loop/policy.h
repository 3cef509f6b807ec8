// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file policy.h
    Obtaining the event loop, and event loop policies (asyncio's get_running_loop(),
    get_event_loop(), set_event_loop(), new_event_loop(), AbstractEventLoopPolicy,
    get_event_loop_policy(), set_event_loop_policy()).

    The default policy gives each thread that has a Qt event dispatcher (the main thread
    with a QCoreApplication, and every running QThread) one loop, created on first use and
    destroyed when the thread ends. Threads without a dispatcher (a bare std::thread) get
    none: getEventLoop() throws RuntimeError there.

    \code
    QCoreApplication app(argc, argv);
    qaio::EventLoop &loop = qaio::getEventLoop();   // this thread's loop
    auto isolated = qaio::newEventLoop();           // a separate loop you own
    \endcode
*/

#include <qaio/loop/eventloop.h>
#include <qaio/base/qaioglobal.h>

#include <memory>

namespace qaio {

/*! Base class of event loop policies (asyncio's AbstractEventLoopPolicy). */
class QAIO_EXPORT EventLoopPolicy
{
public:
    virtual ~EventLoopPolicy();
    /*! The current thread's loop. Throws RuntimeError if there is none and none can be made. */
    virtual EventLoop &getEventLoop() = 0;
    /*! Makes \a loop (not owned, may be nullptr) the current thread's loop. */
    virtual void setEventLoop(EventLoop *loop) = 0;
    /*! A new loop owned by the caller, bound to the calling thread. */
    virtual std::unique_ptr<EventLoop> newEventLoop() = 0;
};

/*! One loop per thread that has a Qt event dispatcher. */
class QAIO_EXPORT DefaultEventLoopPolicy : public EventLoopPolicy
{
public:
    EventLoop &getEventLoop() override;
    void setEventLoop(EventLoop *loop) override;
    std::unique_ptr<EventLoop> newEventLoop() override;
};

/*! The process-wide policy (a DefaultEventLoopPolicy unless replaced). */
QAIO_EXPORT EventLoopPolicy &getEventLoopPolicy();
/*! Replaces the process-wide policy; nullptr restores the default. */
QAIO_EXPORT void setEventLoopPolicy(std::unique_ptr<EventLoopPolicy> policy);

/*! The running loop if any, else the policy's loop for this thread. */
QAIO_EXPORT EventLoop &getEventLoop();
/*! getEventLoopPolicy().setEventLoop(loop). */
QAIO_EXPORT void setEventLoop(EventLoop *loop);
/*! getEventLoopPolicy().newEventLoop(). */
QAIO_EXPORT std::unique_ptr<EventLoop> newEventLoop();

} // namespace qaio
