// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/handle.h>

#include <qaio/core/loopcore.h>

namespace qaio {

namespace detail {
HandleImpl::~HandleImpl() = default;
} // namespace detail

void Handle::cancel()
{
    if (!d || d->cancelled)
        return;
    d->cancelled = true;
    if (d->inTimerHeap)
        d->loop->timerCancelled(d);
    d->releaseCallback();
}

QString Handle::describe() const
{
    if (!d)
        return QStringLiteral("<invalid handle>");
    return QStringLiteral("%1 scheduled at %2:%3 (%4)%5")
        .arg(d->isTimer ? QStringLiteral("TimerHandle") : QStringLiteral("Handle"),
             QString::fromUtf8(d->where.file_name()))
        .arg(d->where.line())
        .arg(QString::fromUtf8(d->where.function_name()),
             d->cancelled ? QStringLiteral(" cancelled") : QString());
}

} // namespace qaio
