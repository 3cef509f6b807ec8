// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace qaio::detail {

/*! A FIFO of trivially copyable values in a power-of-two ring: no allocation per push
    once the ring has grown, unlike std::deque's block churn. */
template <class T>
class RingQueue
{
public:
    bool empty() const noexcept { return m_size == 0; }
    std::size_t size() const noexcept { return m_size; }

    void push(T value)
    {
        if (m_size == m_capacity)
            grow();
        m_items[(m_head + m_size) & (m_capacity - 1)] = value;
        ++m_size;
    }

    T pop() noexcept
    {
        T value = m_items[m_head];
        m_head = (m_head + 1) & (m_capacity - 1);
        --m_size;
        return value;
    }

    template <class F>
    void forEach(F &&fn) const
    {
        for (std::size_t i = 0; i < m_size; ++i)
            fn(m_items[(m_head + i) & (m_capacity - 1)]);
    }

private:
    void grow()
    {
        const std::size_t capacity = m_capacity ? m_capacity * 2 : 64;
        auto items = std::make_unique<T[]>(capacity);
        for (std::size_t i = 0; i < m_size; ++i)
            items[i] = m_items[(m_head + i) & (m_capacity - 1)];
        m_items = std::move(items);
        m_capacity = capacity;
        m_head = 0;
    }

    std::unique_ptr<T[]> m_items;
    std::size_t m_capacity = 0;
    std::size_t m_head = 0;
    std::size_t m_size = 0;
};

} // namespace qaio::detail
