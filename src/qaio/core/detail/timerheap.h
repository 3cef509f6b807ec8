// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/handle.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace qaio::detail {

/*!
    A binary min-heap of timer handles ordered by (when, sequence). Cancelled handles
    stay in the heap (lazy removal) and are counted; compact() drops them all at once,
    which the loop does when they pass a fraction of the heap (asyncio's rule).
    The heap owns one reference to each handle it holds.
*/
class TimerHeap
{
public:
    ~TimerHeap() { clear(); }

    bool empty() const noexcept { return m_heap.empty(); }
    std::size_t size() const noexcept { return m_heap.size(); }
    std::size_t cancelledCount() const noexcept { return m_cancelled; }
    HandleImpl *top() const noexcept { return m_heap.front(); }

    void push(HandleImpl *h)
    {
        h->inTimerHeap = true;
        m_heap.push_back(h);
        std::push_heap(m_heap.begin(), m_heap.end(), later);
    }

    /*! Removes the earliest handle and returns it; the caller takes the heap's reference. */
    HandleImpl *pop() noexcept
    {
        std::pop_heap(m_heap.begin(), m_heap.end(), later);
        HandleImpl *h = m_heap.back();
        m_heap.pop_back();
        h->inTimerHeap = false;
        if (h->cancelled)
            --m_cancelled;
        return h;
    }

    void noteCancelled() noexcept { ++m_cancelled; }

    /*! Drops every cancelled handle and rebuilds the heap. */
    void compact()
    {
        auto keep = std::remove_if(m_heap.begin(), m_heap.end(), [](HandleImpl *h) {
            if (!h->cancelled)
                return false;
            h->inTimerHeap = false;
            h->deref();
            return true;
        });
        m_heap.erase(keep, m_heap.end());
        std::make_heap(m_heap.begin(), m_heap.end(), later);
        m_cancelled = 0;
    }

    void clear() noexcept
    {
        for (HandleImpl *h : m_heap) {
            h->inTimerHeap = false;
            h->deref();
        }
        m_heap.clear();
        m_cancelled = 0;
    }

private:
    static bool later(const HandleImpl *a, const HandleImpl *b) noexcept
    {
        if (a->when != b->when)
            return a->when > b->when;
        return a->sequence > b->sequence;
    }

    std::vector<HandleImpl *> m_heap;
    std::size_t m_cancelled = 0;
};

} // namespace qaio::detail
