// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file queue.h
    Queue<T>, LifoQueue<T>, PriorityQueue<T, Compare>: queues between tasks of one loop,
    as asyncio.Queue, asyncio.LifoQueue and asyncio.PriorityQueue.

    put() waits while the queue is full (maxsize > 0 items), get() while it is empty;
    waiters are served in the order they came, and one cancelled after being woken passes
    its turn on (CPython's rules). putNowait() and getNowait() never wait: they throw
    QueueFull and QueueEmpty. Every put() counts an unfinished task; taskDone() marks one
    finished and join() waits until none is left. shutdown() (Python 3.13) makes put()
    throw QueueShutDown, and get() too once the queue is empty; shutdown(true) also drops
    the items left (counting them done) so get() throws at once; every waiting getter and
    putter wakes up. Values are moved in and out, never copied: move-only types work. The
    queue is for tasks of one loop; from other threads use runCoroutineThreadsafe().

    Errors: putNowait() throws QueueFull("queue is full (maxsize=N)") and getNowait()
    QueueEmpty("queue is empty") (nothing is moved from the argument when it throws);
    put(), get() and their nowait forms throw QueueShutDown("queue is shut down");
    taskDone() throws ValueError("taskDone() called too many times"); waits throw
    RuntimeError("... is bound to a different event loop") from another loop and
    CancelledError when their task is cancelled.

    \code
    qaio::Queue<QUrl> jobs(100, QStringLiteral("downloads"));   // at most 100 waiting

    qaio::Coro<void> worker()
    {
        for (;;) {
            QUrl url = co_await jobs.get();
            co_await download(url);
            jobs.taskDone();
        }
    }

    qaio::Coro<void> downloadAll(QList<QUrl> urls)
    {
        for (const QUrl &url : urls)
            co_await jobs.put(url);
        co_await jobs.join();    // every taskDone() called
    }
    \endcode
*/

#include <qaio/base/qaioglobal.h>
#include <qaio/highlevel/syncprimitive.h>
#include <qaio/tasks/coro.h>

#include <QtCore/QString>

#include <functional>
#include <memory>

namespace qaio {

namespace detail {
template <class T, class Storage>
struct QueueState;
template <class T, bool LastInFirstOut>
struct SequenceStorage;
template <class T, class Compare>
struct HeapStorage;
} // namespace detail

/*!
    \class qaio::BasicQueue
    What the three queues share; \a Storage decides the order items leave in. Use Queue,
    LifoQueue or PriorityQueue.
*/
template <class T, class Storage>
class BasicQueue : public SyncPrimitive
{
public:
    /*! A queue holding at most \a maxsize items (0 or less: no limit). */
    explicit BasicQueue(qsizetype maxsize = 0, QString name = {}, SourceLocation where = SourceLocation::current());

    /*! Puts \a item, waiting while the queue is full. */
    Coro<void> put(T item);
    /*! Puts \a item now; throws QueueFull (leaving \a item untouched) if the queue is full. */
    void putNowait(T &&item);
    void putNowait(const T &item);
    /*! Removes and returns an item, waiting while the queue is empty. */
    Coro<T> get();
    /*! Removes and returns an item now; throws QueueEmpty if there is none. */
    T getNowait();

    /*! Marks one item taken with get() as processed. Throws ValueError if called more
        often than items were put. */
    void taskDone();
    /*! Waits until every item put has been marked done with taskDone(). */
    Coro<void> join();
    /*! Refuses further put()s, wakes every waiting getter and putter; with \a immediate,
        drops the items left so get() fails at once too. */
    void shutdown(bool immediate = false);

    qsizetype maxsize() const noexcept;
    /*! Items in the queue. */
    qsizetype qsize() const noexcept;
    bool empty() const noexcept;
    /*! Whether maxsize() items are in the queue (never for an unbounded queue). */
    bool full() const noexcept;
    /*! Whether shutdown() was called. */
    bool isShutDown() const noexcept;

protected:
    using State = detail::QueueState<T, Storage>;
    std::shared_ptr<State> d;

private:
    explicit BasicQueue(std::shared_ptr<State> state);
};

/*! asyncio.Queue: first in, first out. */
template <class T>
class Queue : public BasicQueue<T, detail::SequenceStorage<T, false>>
{
public:
    using BasicQueue<T, detail::SequenceStorage<T, false>>::BasicQueue;
};

/*! asyncio.LifoQueue: last in, first out. */
template <class T>
class LifoQueue : public BasicQueue<T, detail::SequenceStorage<T, true>>
{
public:
    using BasicQueue<T, detail::SequenceStorage<T, true>>::BasicQueue;
};

/*! asyncio.PriorityQueue: the smallest item by \a Compare leaves first (heapq's order;
    items that compare equal leave in no particular order, as in asyncio). */
template <class T, class Compare = std::less<T>>
class PriorityQueue : public BasicQueue<T, detail::HeapStorage<T, Compare>>
{
public:
    using BasicQueue<T, detail::HeapStorage<T, Compare>>::BasicQueue;
};

} // namespace qaio

#include <qaio/highlevel/detail/queue_impl.h>
