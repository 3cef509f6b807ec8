// Copyright (c) qaio authors. Licensed under the MIT license.
#include "loopguard.h"

#include <QtCore/QDir>

LoopGuard::LoopGuard(bool virtualClock) : m_loop(qaio::newEventLoop())
{
    m_fdsAtStart = openFdCount();
    if (virtualClock) {
        m_clock = std::make_shared<qaio::VirtualClock>();
        m_loop->setClock(m_clock);
    }
    qaio::setEventLoop(m_loop.get());
    m_loop->setExceptionHandler([this](qaio::EventLoop &, const qaio::ExceptionContext &context) {
        m_calls.push_back(context);
        for (int i = 0; i < m_expected.size(); ++i) {
            if (context.message.contains(m_expected.at(i)) || context.toString().contains(m_expected.at(i))) {
                m_expected.removeAt(i);
                return;
            }
        }
        m_unexpected << context.toString();
    });
}

LoopGuard::~LoopGuard()
{
    if (!m_finished)
        finish();
}

void LoopGuard::expectException(const QString &fragment)
{
    m_expected << fragment;
}

bool LoopGuard::finish()
{
    if (m_finished)
        return m_failures.isEmpty();
    m_finished = true;
    qaio::EventLoop &loop = *m_loop;
    const std::size_t leftoverTasks = loop.pendingTaskCount();
    if (leftoverTasks) {
        QStringList names;
        for (const qaio::TaskInfo &info : loop.taskInfos())
            names << QStringLiteral("%1 (%2, created at line %3)")
                         .arg(info.name, qaio::TaskInfo::stateName(info.state))
                         .arg(info.createdAt.line());
        m_failures << QStringLiteral("%1 task(s) still pending: %2").arg(leftoverTasks).arg(names.join(", "));
        // Let them end cleanly so the rest of the suite is not affected.
        for (qaio::TaskBase &task : loop.allTasks())
            task.cancel(QStringLiteral("test teardown"));
        if (!loop.isClosed() && !loop.isRunning()) {
            for (int i = 0; i < 100 && loop.pendingTaskCount(); ++i)
                loop.runOnce();
        }
    }
    const std::size_t scheduled = loop.isClosed() ? 0 : loop.scheduledCallbackCount();
    if (scheduled && !leftoverTasks)
        m_failures << QStringLiteral("%1 callback(s) still scheduled at teardown").arg(scheduled);
    if (!loop.isRunning())
        loop.close();
    if (loop.liveFutureCount())
        m_failures << QStringLiteral("%1 future(s) still alive at teardown").arg(loop.liveFutureCount());
    if (qaio::runningLoopOrNull() == nullptr)
        qaio::setEventLoop(nullptr);
    m_loop.reset();
    for (const QString &e : m_expected)
        m_failures << QStringLiteral("expected exception-handler call not seen: %1").arg(e);
    for (const QString &u : m_unexpected)
        m_failures << QStringLiteral("unexpected exception-handler call: %1").arg(u);
    const int fds = openFdCount();
    if (m_fdsAtStart >= 0 && fds > m_fdsAtStart)
        m_failures << QStringLiteral("%1 file descriptor(s) leaked").arg(fds - m_fdsAtStart);
    return m_failures.isEmpty();
}

int LoopGuard::openFdCount()
{
    QDir fdDir(QStringLiteral("/proc/self/fd"));
    if (!fdDir.exists())
        return -1;
    return int(fdDir.entryList(QDir::Files | QDir::System | QDir::NoDotAndDotDot).size()) - 1; // minus the listing's own fd
}
