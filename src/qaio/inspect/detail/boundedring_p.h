// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace qaio::detail {

/*! The last capacity() items pushed, in fixed memory once full. */
template <class T>
class BoundedRing
{
public:
    explicit BoundedRing(std::size_t capacity) : m_capacity(capacity) {}

    void push(T item)
    {
        if (m_capacity == 0)
            return;
        if (m_items.size() < m_capacity) {
            m_items.push_back(std::move(item));
            return;
        }
        m_items[m_next] = std::move(item);
        m_next = (m_next + 1) % m_capacity;
    }
    /*! Oldest first. */
    std::vector<T> items() const
    {
        std::vector<T> out;
        out.reserve(m_items.size());
        for (std::size_t i = 0; i < m_items.size(); ++i)
            out.push_back(m_items[(m_next + i) % m_items.size()]);
        return out;
    }
    std::size_t size() const noexcept { return m_items.size(); }
    std::size_t capacity() const noexcept { return m_capacity; }

private:
    std::vector<T> m_items;
    std::size_t m_capacity;
    std::size_t m_next = 0; // the oldest item once full
};

} // namespace qaio::detail
