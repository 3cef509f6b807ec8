// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file taskgroup.h
    TaskGroup and withTaskGroup(): structured concurrency, as asyncio.TaskGroup.

    C++ has no asynchronous \c with statement, so the group's block is a coroutine:
    \c{co_await qaio::withTaskGroup(body)} creates a TaskGroup, runs \c{body(group)} inline
    in the current task (the group's parent), then waits for every task created with
    group.createTask() before returning the body's result. The group object lives until
    withTaskGroup() returns; do not keep references to it longer.

    Semantics follow CPython's taskgroups.py (3.12, with the later fixes to its uncancel
    handling):
    \list
    \li The first child that fails (with anything but CancelledError) cancels the other
        children and the parent (the body, or the final wait), once; after the group has
        ended, the cancellation it sent to its parent is withdrawn with uncancel().
    \li A child ending with CancelledError is not an error.
    \li When the group ends, every error (children in completion order, then the body's
        own exception) is thrown together as qaio::ExceptionGroup
        ("unhandled errors in a TaskGroup"); exceptions() lists them.
    \li An exception thrown by the body cancels the children too; it is part of the group.
    \li Cancelling the parent task from outside cancels the children, waits for them,
        and then throws CancelledError (or ExceptionGroup if children failed, in which
        case the parent is cancelled again so the outer cancellation is not lost).
    \endlist
    asyncio's SystemExit/KeyboardInterrupt special case has no C++ counterpart.

    Errors: createTask() throws RuntimeError once the group is shutting down (aborting
    after an error) or finished; withTaskGroup() throws RuntimeError outside a task,
    ExceptionGroup and CancelledError as above.

    \code
    co_await qaio::withTaskGroup([&](qaio::TaskGroup &group) -> qaio::Coro<void> {
        auto a = group.createTask(fetch("a"));
        auto b = group.createTask(fetch("b"));
        co_return;
    });   // both done here; if one failed, the other was cancelled and ExceptionGroup thrown
    \endcode
*/

#include <qaio/tasks/coro.h>
#include <qaio/highlevel/ensurefuture.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/future.h>
#include <qaio/base/qaioglobal.h>
#include <qaio/tasks/task.h>

#include <QtCore/QString>

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace qaio {

namespace detail {
struct TaskGroupAccess;
}

/*!
    \class qaio::TaskGroup
    A group of tasks awaited together; made by withTaskGroup().
*/
class QAIO_EXPORT TaskGroup
{
public:
    ~TaskGroup();
    TaskGroup(const TaskGroup &) = delete;
    TaskGroup &operator=(const TaskGroup &) = delete;

    /*! Creates a task in the group (asyncio's TaskGroup.create_task()). Throws
        RuntimeError if the group is shutting down or finished. */
    template <class T>
    Task<T> createTask(Coro<T> coro, const QString &name = {},
                       SourceLocation where = SourceLocation::current())
    {
        requireAccepting();
        Task<T> task = m_loop->createTask(std::move(coro), name, where);
        track(task);
        return task;
    }

    /*! Tasks of the group that have not finished yet. */
    std::size_t size() const noexcept { return m_tasks.size(); }
    /*! The errors collected so far, in completion order. */
    const std::vector<std::exception_ptr> &errors() const noexcept { return m_errors; }

private:
    friend struct detail::TaskGroupAccess;
    TaskGroup() = default;
    void enter();
    Coro<void> exit(std::exception_ptr error);
    void requireAccepting() const;
    void track(const TaskBase &task);
    void onTaskDone(detail::FutureStateBase &task);
    void abort();
    QString describe() const;

    struct Tracked
    {
        TaskBase task;
        DoneCallbackId callback;
    };

    LoopCore *m_loop = nullptr;
    TaskBase m_parent;
    std::vector<Tracked> m_tasks;
    std::unordered_map<detail::FutureStateBase *, std::size_t> m_index; // position in m_tasks
    std::vector<std::exception_ptr> m_errors;
    Future<void> m_onCompleted;
    bool m_entered = false;
    bool m_exiting = false;
    bool m_aborting = false;
    bool m_parentCancelRequested = false;
};

namespace detail {

struct TaskGroupAccess
{
    static TaskGroup *make() { return new TaskGroup; }
    static void enter(TaskGroup &g) { g.enter(); }
    static Coro<void> exit(TaskGroup &g, std::exception_ptr error) { return g.exit(std::move(error)); }
};

template <class Body>
using TaskGroupBodyResult = AwaitResult<std::invoke_result_t<Body &, TaskGroup &>>;

template <class T, class Body>
QAIO_CORO_NO_SANITIZE_FUNCTION Coro<T> runTaskGroup(Body body)
{
    std::unique_ptr<TaskGroup> group(TaskGroupAccess::make());
    TaskGroupAccess::enter(*group);
    std::optional<typename StoredValue<T>::type> result;
    std::exception_ptr error;
    try {
        if constexpr (std::is_void_v<T>) {
            co_await body(*group);
            result.emplace();
        } else {
            result.emplace(co_await body(*group));
        }
    } catch (...) {
        error = std::current_exception();
    }
    co_await TaskGroupAccess::exit(*group, error);
    // exit() throws whenever the body failed; this is only a safety net.
    if (error)
        std::rethrow_exception(error);
    if constexpr (!std::is_void_v<T>)
        co_return std::move(*result);
}

} // namespace detail

/*! Runs \a body(group) inline, then waits for the group's tasks; returns the body's result. */
template <class Body>
    requires CoroObject<std::invoke_result_t<Body &, TaskGroup &>>
Coro<detail::TaskGroupBodyResult<Body>> withTaskGroup(Body body)
{
    return detail::runTaskGroup<detail::TaskGroupBodyResult<Body>>(std::move(body));
}

} // namespace qaio
