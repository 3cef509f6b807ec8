// Copyright (c) qaio authors. Licensed under the MIT license.
// asyncio.Queue (Lib/asyncio/queues.py, 3.13 with shutdown()): the part that does not
// depend on the item type.
#include <qaio/highlevel/queue.h>

namespace qaio::detail {

QueueCore::QueueCore(const char *kind, qsizetype maxsize, QString name, SourceLocation where)
    : PrimitiveState(std::move(name), where), kind(kind), maxsize(maxsize), finished(QString(), where)
{
    finished.set();
}

QueueCore::~QueueCore() = default;

QString QueueCore::describe() const
{
    QString state = QStringLiteral("maxsize=%1, qsize=%2").arg(maxsize).arg(size());
    if (!waiters.empty())
        state += QStringLiteral(", getters:%1").arg(waiters.size());
    if (!putters.empty())
        state += QStringLiteral(", putters:%1").arg(putters.size());
    if (unfinishedTasks > 0)
        state += QStringLiteral(", tasks=%1").arg(unfinishedTasks);
    if (shutDown)
        state += QStringLiteral(", shut down");
    return describePrimitive(kind, name, state, 0, where);
}

void QueueCore::checkCanPut() const
{
    if (shutDown)
        throw QueueShutDown("queue is shut down");
    if (full())
        throw QueueFull(QStringLiteral("queue is full (maxsize=%1)").arg(maxsize));
}

void QueueCore::checkCanGet() const
{
    if (size() > 0)
        return;
    if (shutDown)
        throw QueueShutDown("queue is shut down");
    throw QueueEmpty("queue is empty");
}

void QueueCore::itemPut()
{
    ++unfinishedTasks;
    finished.clear();
    wakeFirstPending(waiters);
}

void QueueCore::passOnAndRethrow(const std::exception_ptr &failure, WaiterLine &line, bool woken, bool canProceed)
{
    if (!failure)
        return;
    if (woken && canProceed)
        wakeFirstPending(line);
    std::rethrow_exception(failure);
}

void QueueCore::taskDone()
{
    if (unfinishedTasks <= 0)
        throw ValueError("taskDone() called too many times");
    if (--unfinishedTasks == 0)
        finished.set();
}

void QueueCore::shutdown(bool immediate)
{
    shutDown = true;
    if (immediate) {
        unfinishedTasks = std::max<qsizetype>(0, unfinishedTasks - size());
        clearItems();
        if (unfinishedTasks == 0)
            finished.set();
    }
    // Every waiter looks again and finds the queue shut down.
    wakePending(waiters, qsizetype(waiters.size()));
    wakePending(putters, qsizetype(putters.size()));
}

Coro<void> joinQueue(std::shared_ptr<QueueCore> s)
{
    if (s->unfinishedTasks > 0)
        co_await s->finished.wait();
}

} // namespace qaio::detail
