// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/executor.h>

#include <qaio/base/errors.h>

#include <QtCore/QThread>
#include <QtCore/QThreadPool>

#include <algorithm>

namespace qaio {

Executor::~Executor() = default;

ThreadPoolExecutor::ThreadPoolExecutor(int maxWorkers) : m_pool(std::make_unique<QThreadPool>())
{
    if (maxWorkers < 0)
        throw ValueError(QStringLiteral("ThreadPoolExecutor(): maxWorkers must be >= 0, got %1").arg(maxWorkers));
    if (maxWorkers == 0)
        maxWorkers = std::min(32, QThread::idealThreadCount() + 4);
    m_pool->setMaxThreadCount(maxWorkers);
    m_pool->setObjectName(QStringLiteral("qaio-executor"));
}

ThreadPoolExecutor::~ThreadPoolExecutor()
{
    m_pool->waitForDone();
}

void ThreadPoolExecutor::submit(std::function<void()> job)
{
    if (m_shutdown)
        throw RuntimeError("cannot schedule new jobs after shutdown");
    m_pool->start(std::move(job));
}

void ThreadPoolExecutor::shutdown(bool wait)
{
    m_shutdown = true;
    if (wait)
        m_pool->waitForDone();
}

int ThreadPoolExecutor::maxWorkers() const
{
    return m_pool->maxThreadCount();
}

} // namespace qaio
