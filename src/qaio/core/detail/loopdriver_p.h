// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QBasicTimer>
#include <QtCore/QEvent>
#include <QtCore/QObject>

namespace qaio {
class LoopCore;
}

namespace qaio::detail {

/*!
    The loop's presence in Qt: receives the posted wake events and owns the one precise
    timer armed at the earliest deadline of the timer heap. Lives in the loop's thread.
*/
class LoopDriver final : public QObject
{
public:
    explicit LoopDriver(LoopCore *loop) : m_loop(loop) {}

    static int readyWakeEventType();
    static int inboxWakeEventType();

    void post(int eventType);
    QBasicTimer timer;
    std::chrono::nanoseconds armedFor{-1}; // deadline the timer is armed for (time since epoch)

protected:
    bool event(QEvent *e) override;
    void timerEvent(QTimerEvent *e) override;

private:
    LoopCore *m_loop;
};

} // namespace qaio::detail
