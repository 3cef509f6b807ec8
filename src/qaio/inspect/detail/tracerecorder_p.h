// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/base/clock.h>
#include <qaio/base/detail/sourcelocation.h>
#include <qaio/inspect/detail/boundedring_p.h>

#include <QtCore/QJsonObject>
#include <QtCore/QString>

#include <cstdint>
#include <unordered_map>

namespace qaio::detail {

/*!
    What Inspector::startTrace() records, in a ring of fixed capacity: task steps,
    lifetimes, the await edges that woke a step, qaio's dispatches, slow callbacks and
    timer lag. toJson() writes Chrome's trace-event format, which ui.perfetto.dev and
    chrome://tracing load. Only the loop's thread touches it.
*/
class TraceRecorder
{
public:
    explicit TraceRecorder(std::size_t capacity, TimePoint origin) : m_events(capacity), m_origin(origin) {}

    void taskStarted(std::uint64_t id, const QString &name, TimePoint at);
    void taskFinished(std::uint64_t id, const QString &name, const QString &state, TimePoint at);
    void step(std::uint64_t id, TimePoint begin, TimePoint end, std::uint64_t wokenByTask);
    void dispatch(TimePoint begin, TimePoint end, Duration maxTimerLag);
    void slowCallback(const SourceLocation &site, TimePoint end, Duration took);

    /*! {"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}} */
    QJsonObject toJson(qint64 pid) const;
    std::size_t eventCount() const noexcept { return m_events.size(); }

private:
    struct Event
    {
        enum class Type : std::uint8_t { TaskBegin, TaskEnd, Step, Dispatch, SlowCallback };
        Type type = Type::Step;
        std::uint64_t taskId = 0;
        std::uint64_t wokenByTask = 0;
        TimePoint at{};      // start
        Duration length{};   // Step, Dispatch, SlowCallback
        Duration timerLag{}; // Dispatch
        QString text;        // TaskBegin/End: name; TaskEnd: also the state after '\n'; SlowCallback: site
    };

    BoundedRing<Event> m_events;
    TimePoint m_origin;
};

} // namespace qaio::detail
