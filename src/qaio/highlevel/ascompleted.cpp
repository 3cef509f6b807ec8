// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/highlevel/ascompleted.h>

#include <algorithm>
#include <unordered_set>

namespace qaio::detail {

std::vector<FutureBase> distinctFutures(std::vector<FutureBase> futures)
{
    std::unordered_set<FutureStateBase *> seen;
    std::vector<FutureBase> out;
    out.reserve(futures.size());
    for (FutureBase &f : futures) {
        if (seen.insert(f.state()).second)
            out.push_back(std::move(f));
    }
    return out;
}

void AsCompletedCore::start(const std::vector<FutureBase> &futures, std::optional<Duration> timeout)
{
    // The callbacks share ownership: the queue outlives an AsCompleted that is moved
    // around, and dies with the last callback or next() that needs it.
    std::weak_ptr<AsCompletedCore> weak = weak_from_this();
    m_todo.reserve(futures.size());
    for (const FutureBase &f : futures) {
        const DoneCallbackId id = f.state()->addDoneCallback([self = shared_from_this()](FutureStateBase &done) {
            self->onCompletion(done);
        });
        m_todo.push_back(Entry{f, id});
    }
    if (!m_todo.empty() && timeout) {
        m_timer = m_loop->callLater(*timeout, [weak] {
            if (auto self = weak.lock())
                self->onTimeout();
        });
    }
}

void AsCompletedCore::detach()
{
    m_timer.cancel();
    for (Entry &e : m_todo)
        e.future.removeDoneCallback(e.callback);
    m_todo.clear();
}

void AsCompletedCore::onCompletion(FutureStateBase &f)
{
    if (m_todo.empty())
        return; // the timeout came first
    auto it = std::find_if(m_todo.begin(), m_todo.end(), [&f](const Entry &e) { return e.future.state() == &f; });
    if (it == m_todo.end())
        return;
    FutureBase done = std::move(it->future);
    m_todo.erase(it);
    put(std::move(done));
    if (m_todo.empty())
        m_timer.cancel();
}

void AsCompletedCore::onTimeout()
{
    std::vector<Entry> todo = std::move(m_todo);
    m_todo.clear();
    for (Entry &e : todo) {
        e.future.removeDoneCallback(e.callback);
        put(FutureBase()); // one TimeoutError for each result still owed
    }
}

void AsCompletedCore::put(FutureBase item)
{
    m_done.push_back(std::move(item));
    while (!m_getters.empty()) {
        Future<void> getter = std::move(m_getters.front());
        m_getters.pop_front();
        if (!getter.done()) {
            getter.setResult();
            break;
        }
    }
}

Coro<FutureBase> AsCompletedCore::nextDone(std::shared_ptr<AsCompletedCore> self)
{
    while (self->m_done.empty()) {
        Future<void> getter = self->m_loop->createFuture<void>();
        self->m_getters.push_back(getter);
        std::exception_ptr error;
        try {
            co_await getter;
        } catch (...) {
            error = std::current_exception();
        }
        if (error) {
            // As asyncio.Queue.get(): give a wake-up this getter received but cannot use
            // to the next getter in line.
            getter.cancel();
            std::erase(self->m_getters, getter);
            if (!self->m_done.empty() && !getter.cancelled()) {
                while (!self->m_getters.empty()) {
                    Future<void> next = std::move(self->m_getters.front());
                    self->m_getters.pop_front();
                    if (!next.done()) {
                        next.setResult();
                        break;
                    }
                }
            }
            std::rethrow_exception(error);
        }
    }
    FutureBase item = std::move(self->m_done.front());
    self->m_done.pop_front();
    co_return item;
}

} // namespace qaio::detail
