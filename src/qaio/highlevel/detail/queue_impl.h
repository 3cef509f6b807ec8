// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// Implementation of queue.h: the non-template core (lines of getters and putters,
// unfinished tasks, shutdown) and the three storages.

#include <qaio/highlevel/detail/primitivestate.h>
#include <qaio/highlevel/event.h>

#include <algorithm>
#include <deque>
#include <exception>
#include <vector>

namespace qaio::detail {

/*! What every queue holds besides its items. PrimitiveState::waiters are the getters. */
class QAIO_EXPORT QueueCore : public PrimitiveState
{
public:
    QueueCore(const char *kind, qsizetype maxsize, QString name, SourceLocation where);
    ~QueueCore() override;

    virtual qsizetype size() const noexcept = 0;
    /*! Drops every item (shutdown(immediate)). */
    virtual void clearItems() noexcept = 0;

    QString describe() const override;
    qsizetype waiterCount() const noexcept override { return qsizetype(waiters.size() + putters.size()); }

    bool full() const noexcept { return maxsize > 0 && size() >= maxsize; }
    /*! Throws QueueShutDown or QueueFull if an item cannot be put now. */
    void checkCanPut() const;
    /*! Throws QueueShutDown or QueueEmpty if no item can be taken now. */
    void checkCanGet() const;
    /*! After an item went in: one more unfinished task, the first getter woken. */
    void itemPut();
    /*! After an item went out: the first putter woken. */
    void itemTaken() { wakeFirstPending(putters); }
    /*! After a get() or put() wait: if it failed (\a failure), a wake-up this waiter got
        and cannot use is passed on to the next in \a line (asyncio's rule), and \a failure
        is rethrown. */
    static void passOnAndRethrow(const std::exception_ptr &failure, WaiterLine &line, bool woken, bool canProceed);
    void taskDone();
    void shutdown(bool immediate);

    const char *const kind;
    const qsizetype maxsize;
    WaiterLine putters;
    qsizetype unfinishedTasks = 0;
    bool shutDown = false;
    Event finished; // set while unfinishedTasks == 0
};

/*! Queue's and LifoQueue's items: which end get() takes from. */
template <class T, bool LastInFirstOut>
struct SequenceStorage
{
    static constexpr const char *kind = LastInFirstOut ? "LifoQueue" : "Queue";
    std::deque<T> items;
    void push(T &&item) { items.push_back(std::move(item)); }
    T pop()
    {
        if constexpr (LastInFirstOut) {
            T item = std::move(items.back());
            items.pop_back();
            return item;
        } else {
            T item = std::move(items.front());
            items.pop_front();
            return item;
        }
    }
};

template <class T, class Compare>
struct HeapStorage
{
    static constexpr const char *kind = "PriorityQueue";
    std::vector<T> items;
    // std's heaps keep the largest on top: compare reversed, so the smallest leaves first.
    static bool after(const T &a, const T &b) { return Compare()(b, a); }
    void push(T &&item)
    {
        items.push_back(std::move(item));
        std::push_heap(items.begin(), items.end(), after);
    }
    T pop()
    {
        std::pop_heap(items.begin(), items.end(), after);
        T item = std::move(items.back());
        items.pop_back();
        return item;
    }
};

template <class T, class Storage>
struct QueueState final : QueueCore
{
    QueueState(qsizetype maxsize, QString name, SourceLocation where)
        : QueueCore(Storage::kind, maxsize, std::move(name), where)
    {
    }
    qsizetype size() const noexcept override { return qsizetype(storage.items.size()); }
    void clearItems() noexcept override { storage.items.clear(); }

    template <class U>
    void putNowait(U &&item)
    {
        checkCanPut();
        T value(std::forward<U>(item));
        storage.push(std::move(value));
        itemPut();
    }
    T getNowait()
    {
        checkCanGet();
        T item = storage.pop();
        itemTaken();
        return item;
    }

    Storage storage;
};

template <class T, class Storage>
Coro<void> putIntoQueue(std::shared_ptr<QueueState<T, Storage>> s, T item)
{
    while (s->full()) {
        if (s->shutDown)
            break; // putNowait() throws QueueShutDown
        WaitingPlace place = s->joinLine(s->putters, AwaitEdge::Kind::Queue, "Queue.put");
        const std::exception_ptr failure = co_await place.waitForTurn();
        QueueCore::passOnAndRethrow(failure, s->putters, place.woken(), !s->full());
    }
    s->putNowait(std::move(item));
}

template <class T, class Storage>
Coro<T> getFromQueue(std::shared_ptr<QueueState<T, Storage>> s)
{
    while (s->size() == 0) {
        if (s->shutDown)
            break; // getNowait() throws QueueShutDown
        WaitingPlace place = s->joinLine(AwaitEdge::Kind::Queue, "Queue.get");
        const std::exception_ptr failure = co_await place.waitForTurn();
        QueueCore::passOnAndRethrow(failure, s->waiters, place.woken(), s->size() > 0);
    }
    co_return s->getNowait();
}

QAIO_EXPORT Coro<void> joinQueue(std::shared_ptr<QueueCore> s);

} // namespace qaio::detail

namespace qaio {

template <class T, class Storage>
BasicQueue<T, Storage>::BasicQueue(qsizetype maxsize, QString name, SourceLocation where)
    : BasicQueue(std::make_shared<State>(maxsize, std::move(name), where))
{
}

template <class T, class Storage>
BasicQueue<T, Storage>::BasicQueue(std::shared_ptr<State> state) : SyncPrimitive(state.get()), d(std::move(state))
{
}

template <class T, class Storage>
Coro<void> BasicQueue<T, Storage>::put(T item)
{
    return detail::putIntoQueue<T, Storage>(d, std::move(item));
}

template <class T, class Storage>
void BasicQueue<T, Storage>::putNowait(T &&item)
{
    d->putNowait(std::move(item));
}

template <class T, class Storage>
void BasicQueue<T, Storage>::putNowait(const T &item)
{
    d->putNowait(item);
}

template <class T, class Storage>
Coro<T> BasicQueue<T, Storage>::get()
{
    return detail::getFromQueue<T, Storage>(d);
}

template <class T, class Storage>
T BasicQueue<T, Storage>::getNowait()
{
    return d->getNowait();
}

template <class T, class Storage>
void BasicQueue<T, Storage>::taskDone()
{
    d->taskDone();
}

template <class T, class Storage>
Coro<void> BasicQueue<T, Storage>::join()
{
    return detail::joinQueue(d);
}

template <class T, class Storage>
void BasicQueue<T, Storage>::shutdown(bool immediate)
{
    d->shutdown(immediate);
}

template <class T, class Storage>
qsizetype BasicQueue<T, Storage>::maxsize() const noexcept
{
    return d->maxsize;
}

template <class T, class Storage>
qsizetype BasicQueue<T, Storage>::qsize() const noexcept
{
    return d->size();
}

template <class T, class Storage>
bool BasicQueue<T, Storage>::empty() const noexcept
{
    return d->size() == 0;
}

template <class T, class Storage>
bool BasicQueue<T, Storage>::full() const noexcept
{
    return d->full();
}

template <class T, class Storage>
bool BasicQueue<T, Storage>::isShutDown() const noexcept
{
    return d->shutDown;
}

} // namespace qaio
