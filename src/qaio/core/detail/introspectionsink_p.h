// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/base/clock.h>

#include <cstdint>

namespace qaio::detail {

class FutureStateBase;
class HandleImpl;
class TaskStateBase;

/*!
    What the loop and its tasks tell an attached Inspector (inspect/inspector.h) as it
    happens: the events a snapshot cannot reconstruct later. Only called while one is
    attached (LoopCore::m_introspection), except slow steps, which are rare by definition.
*/
class IntrospectionSink
{
public:
    /*! \a task has just finished (result, exception or cancelled), still registered. */
    virtual void taskFinished(const TaskStateBase &task, bool keptByNobody) noexcept = 0;
    /*! A task step took at least slowCallbackDuration(). */
    virtual void slowStep(const TaskStateBase &task, Duration took) noexcept = 0;
    /*! A callback (not a task step) took at least slowCallbackDuration(). */
    virtual void slowCallback(const HandleImpl &handle, Duration took) noexcept = 0;
    /*! \a future is going away with an exception nobody retrieved. */
    virtual void exceptionNeverRetrieved(const FutureStateBase &future) noexcept = 0;
    /*! One outermost dispatch of qaio's work ran from \a begin to \a end (loop clock);
        the latest timer in it was \a maxTimerLag late. */
    virtual void dispatched(TimePoint begin, TimePoint end, Duration maxTimerLag) noexcept = 0;
    // While a trace is recorded (LoopCore::m_traceSteps) only:
    /*! \a task was registered with the loop (before its first step). */
    virtual void taskStarted(const TaskStateBase &task) noexcept = 0;
    /*! A step of \a task ran; \a wokenByTask: the task whose end woke it, or 0. */
    virtual void stepRan(const TaskStateBase &task, TimePoint begin, TimePoint end, std::uint64_t wokenByTask) noexcept = 0;

protected:
    ~IntrospectionSink() = default;
};

} // namespace qaio::detail
