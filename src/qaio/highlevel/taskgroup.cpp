// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/highlevel/taskgroup.h>

#include <qaio/tasks/exceptioncontext.h>

namespace qaio {

TaskGroup::~TaskGroup()
{
    // Only reached with tasks left when the parent's frame is destroyed abruptly (its
    // loop went away): their callbacks must not reach a dead group.
    for (Tracked &t : m_tasks)
        t.task.removeDoneCallback(t.callback);
}

QString TaskGroup::describe() const
{
    QString info;
    if (!m_tasks.empty())
        info += QStringLiteral(" tasks=%1").arg(m_tasks.size());
    if (!m_errors.empty())
        info += QStringLiteral(" errors=%1").arg(m_errors.size());
    if (m_aborting)
        info += QStringLiteral(" cancelling");
    else if (m_entered)
        info += QStringLiteral(" entered");
    return QStringLiteral("<TaskGroup%1>").arg(info);
}

void TaskGroup::enter()
{
    if (m_entered)
        throw RuntimeError(QStringLiteral("TaskGroup %1 has already been entered").arg(describe()));
    m_parent = currentTask();
    if (!m_parent.isValid())
        throw RuntimeError(QStringLiteral("TaskGroup %1 cannot determine the parent task").arg(describe()));
    m_loop = &detail::loopOf(m_parent);
    m_entered = true;
}

void TaskGroup::requireAccepting() const
{
    if (!m_entered)
        throw RuntimeError(QStringLiteral("TaskGroup %1 has not been entered").arg(describe()));
    if (m_exiting && m_tasks.empty())
        throw RuntimeError(QStringLiteral("TaskGroup %1 is finished").arg(describe()));
    if (m_aborting)
        throw RuntimeError(QStringLiteral("TaskGroup %1 is shutting down").arg(describe()));
}

void TaskGroup::track(const TaskBase &task)
{
    detail::FutureStateBase *state = task.state();
    m_tasks.reserve(m_tasks.size() + 1);
    // Subscribe even to a task that is already done (an eager task factory): reporting
    // its failure now would cancel the parent too early (CPython gh-128550).
    const DoneCallbackId id = state->addDoneCallback([this](detail::FutureStateBase &s) { onTaskDone(s); });
    m_index.emplace(state, m_tasks.size());
    m_tasks.push_back(Tracked{task, id});
    // An eager task may have made the group abort before it joined (CPython gh-155418).
    if (m_aborting && !task.done())
        task.state()->cancel(QString());
}

void TaskGroup::abort()
{
    m_aborting = true;
    for (Tracked &t : m_tasks) {
        if (!t.task.done())
            t.task.cancel();
    }
}

void TaskGroup::onTaskDone(detail::FutureStateBase &s)
{
    auto it = m_index.find(&s);
    if (it != m_index.end()) {
        const std::size_t pos = it->second;
        m_index.erase(it);
        if (pos != m_tasks.size() - 1) {
            m_tasks[pos] = std::move(m_tasks.back());
            m_index[m_tasks[pos].task.state()] = pos;
        }
        m_tasks.pop_back();
    }

    if (m_onCompleted.isValid() && m_tasks.empty() && !m_onCompleted.done())
        m_onCompleted.setResult();

    if (s.status == detail::FutureStatus::Cancelled)
        return;
    std::exception_ptr error = s.retrieveException();
    if (!error)
        return;
    m_errors.push_back(error);

    if (m_parent.done()) {
        ExceptionContext context;
        context.message = QStringLiteral("Task %1 has errored out but its parent task %2 is already completed")
                              .arg(s.describe(), m_parent.describe());
        context.exception = error;
        context.future = FutureBase::fromState(&s);
        m_loop->callExceptionHandler(context);
        return;
    }

    if (!m_aborting && !m_parentCancelRequested) {
        // Interrupt whatever the parent is awaiting in the group's block; the request is
        // withdrawn (uncancel) when the group ends, so code after the group runs normally.
        abort();
        m_parentCancelRequested = true;
        m_parent.cancel();
    }
}

Coro<void> TaskGroup::exit(std::exception_ptr error)
{
    m_exiting = true;
    const bool bodyCancelled = error && isCancelledError(error);
    std::exception_ptr propagateCancellation = bodyCancelled ? error : nullptr;
    if (error && !m_aborting)
        abort();

    // A loop, because the parent may be cancelled again (and again) while it waits.
    std::exception_ptr pendingCancellation;
    while (!m_tasks.empty()) {
        if (!m_onCompleted.isValid())
            m_onCompleted = m_loop->createFuture<void>();
        try {
            co_await m_onCompleted;
        } catch (const CancelledError &) {
            pendingCancellation = std::current_exception();
            if (!m_aborting) {
                // The parent is cancelled from outside while children still run.
                propagateCancellation = pendingCancellation;
                abort();
            }
        }
        m_onCompleted = Future<void>();
    }

    if (m_parentCancelRequested) {
        // The group cancelled its parent: it must take that request back.
        if (m_parent.uncancel() == 0)
            propagateCancellation = nullptr;
        else if (!propagateCancellation)
            propagateCancellation = pendingCancellation; // the remaining request is not ours
    }

    // Errors have priority over a cancellation.
    if (propagateCancellation && m_errors.empty())
        std::rethrow_exception(propagateCancellation);

    if (error && !bodyCancelled)
        m_errors.push_back(error);

    if (!m_errors.empty()) {
        // The ExceptionGroup replaces a CancelledError from outside: cancel the parent
        // again so that request is not lost.
        if (m_parent.cancelling()) {
            m_parent.uncancel();
            m_parent.cancel();
        }
        std::vector<std::exception_ptr> errors = std::move(m_errors);
        m_errors.clear();
        throw ExceptionGroup(QStringLiteral("unhandled errors in a TaskGroup"), std::move(errors));
    }
}

} // namespace qaio
