// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/tasks/future.h>

#include <qaio/tasks/exceptioncontext.h>
#include <qaio/tasks/task.h>
#include <qaio/core/detail/introspectionsink_p.h>

#include <algorithm>

namespace qaio::detail {

FutureStateBase::FutureStateBase(LoopCore *loop, const SourceLocation &where) : loop(loop), where(where) {}

FutureStateBase::~FutureStateBase()
{
    reportUnretrievedException();
    if (loop)
        unlinkFromLoop();
}

void FutureStateBase::reportUnretrievedException() noexcept
{
    if (!logTraceback || !loop)
        return;
    logTraceback = false;
    if (loop->m_introspection)
        loop->m_introspection->exceptionNeverRetrieved(*this);
    ExceptionContext context;
    context.message = task ? QStringLiteral("Task exception was never retrieved")
                           : QStringLiteral("Future exception was never retrieved");
    context.exception = exception;
    context.objectDescription = describe();
    context.sourceLocation = where;
    loop->callExceptionHandler(context);
}

void FutureStateBase::requireLoop() const
{
    if (!loop)
        throw RuntimeError("the event loop of this future was destroyed");
}

void FutureStateBase::requirePending(const char *operation) const
{
    if (task)
        throw RuntimeError(QStringLiteral("Task does not support %1()").arg(QLatin1String(operation)));
    if (status != FutureStatus::Pending)
        throw InvalidStateError(QStringLiteral("invalid state: %1() on a future that is already %2: %3")
                                    .arg(QLatin1String(operation),
                                         status == FutureStatus::Cancelled ? QStringLiteral("cancelled")
                                                                           : QStringLiteral("finished"),
                                         describe()));
}

bool FutureStateBase::cancel(const QString &message)
{
    if (task)
        return task->cancel(message);
    return cancelFuture(message);
}

bool FutureStateBase::cancelFuture(const QString &message)
{
    logTraceback = false;
    if (status != FutureStatus::Pending)
        return false;
    status = FutureStatus::Cancelled;
    cancelMessage = message;
    scheduleCallbacks();
    return true;
}

void FutureStateBase::setException(std::exception_ptr error)
{
    requirePending("setException");
    finishWithException(std::move(error));
}

void FutureStateBase::finishWithException(std::exception_ptr error)
{
    if (!error)
        throw ValueError("setException(): error is null");
    exception = std::move(error);
    status = FutureStatus::Finished;
    logTraceback = true;
    scheduleCallbacks();
}

void FutureStateBase::finishWithValue()
{
    status = FutureStatus::Finished;
    scheduleCallbacks();
}

void FutureStateBase::throwUnlessValue()
{
    switch (status) {
    case FutureStatus::Pending:
        throw InvalidStateError("Result is not set.");
    case FutureStatus::Cancelled:
        throw CancelledError(cancelMessage);
    case FutureStatus::Finished:
        break;
    }
    if (exception) {
        logTraceback = false;
        std::rethrow_exception(exception);
    }
}

std::exception_ptr FutureStateBase::retrieveException()
{
    if (status == FutureStatus::Pending)
        throw InvalidStateError("Exception is not set.");
    if (status == FutureStatus::Cancelled)
        throw CancelledError(cancelMessage);
    logTraceback = false;
    return exception;
}

DoneCallbackId FutureStateBase::addDoneCallback(std::function<void(FutureStateBase &)> fn, const void *key)
{
    if (!fn)
        throw ValueError("addDoneCallback(): fn is empty");
    requireLoop();
    const DoneCallbackId id = nextCallbackId++;
    if (status != FutureStatus::Pending) {
        loop->callSoon([self = FutureBase::fromState(this), fn = std::move(fn)]() mutable { fn(*self.state()); },
                       where);
        return id;
    }
    callbacks.push_back(DoneCallback{id, key, std::move(fn)});
    return id;
}

template <class Predicate>
int FutureStateBase::eraseCallbacks(Predicate remove)
{
    int removed = 0;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < callbacks.size(); ++i) {
        if (remove(callbacks[i])) {
            ++removed;
            if (i < waitingTaskPosition)
                --waitingTaskPosition;
            continue;
        }
        if (kept != i)
            callbacks[kept] = std::move(callbacks[i]);
        ++kept;
    }
    callbacks.resize(kept);
    return removed;
}

int FutureStateBase::removeDoneCallback(DoneCallbackId id)
{
    return eraseCallbacks([id](const DoneCallback &cb) { return cb.id == id; });
}

int FutureStateBase::removeDoneCallbacksByKey(const void *key)
{
    if (!key)
        return 0;
    return eraseCallbacks([key](const DoneCallback &cb) { return cb.key == key; });
}

void FutureStateBase::scheduleCallbacks()
{
    TaskStateBase *const task = std::exchange(waitingTask, nullptr);
    if (callbacks.empty() && !task)
        return;
    std::vector<DoneCallback> pending;
    pending.swap(callbacks);
    if (!loop || loop->isClosed()) {
        qCDebug(lcQaio) << "dropping done callbacks of" << describe() << ": its loop is closed";
        return;
    }
    const std::size_t taskAt = std::min(waitingTaskPosition, pending.size());
    for (std::size_t i = 0; i <= pending.size(); ++i) {
        if (task && i == taskAt)
            task->scheduleStep();
        if (i < pending.size())
            loop->callSoonDetached([self = FutureBase::fromState(this), fn = std::move(pending[i].fn)]() mutable {
                fn(*self.state());
            }, where);
    }
}

QString FutureStateBase::describe() const
{
    QString what;
    if (task)
        what = QStringLiteral("Task '%1'").arg(task->displayName());
    else if (label)
        what = QStringLiteral("Future (%1)").arg(QLatin1String(label));
    else
        what = QStringLiteral("Future");
    const char *state = status == FutureStatus::Pending     ? "pending"
                        : status == FutureStatus::Cancelled ? "cancelled"
                                                            : "finished";
    return QStringLiteral("%1 <%2> created at %3:%4")
        .arg(what, QLatin1String(state), QString::fromUtf8(where.file_name()))
        .arg(where.line());
}

void FutureStateBase::detachFromLoop() noexcept
{
    reportUnretrievedException();
    loop = nullptr;
    prevInLoop = nextInLoop = nullptr;
}

void FutureStateBase::unlinkFromLoop() noexcept
{
    if (prevInLoop)
        prevInLoop->nextInLoop = nextInLoop;
    else if (loop->m_futures == this)
        loop->m_futures = nextInLoop;
    if (nextInLoop)
        nextInLoop->prevInLoop = prevInLoop;
    prevInLoop = nextInLoop = nullptr;
    --loop->m_liveFutures;
}

void registerFuture(LoopCore *loop, FutureStateBase *state)
{
    state->nextInLoop = loop->m_futures;
    if (loop->m_futures)
        loop->m_futures->prevInLoop = state;
    loop->m_futures = state;
    ++loop->m_liveFutures;
#if QAIO_INTROSPECTION
    if (state->task) // a task knows its parent already: no second thread-local read
        state->createdByTask = state->task->parentId;
    else if (const TaskStateBase *creator = currentTaskSlot())
        state->createdByTask = creator->id;
#endif
}

} // namespace qaio::detail
