// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/base/qaioglobal.h>

#include <cstddef>

namespace qaio::detail {

/*!
    Memory for the small objects the loop makes and drops all the time: coroutine frames
    (one per call of a coroutine function), future states and callback handles. Each
    thread keeps a few recently freed blocks of each size (up to 1 KiB, in steps of 64
    bytes) and hands them out again, which is much cheaper than malloc/free. A block may
    be freed on another thread than the one that allocated it. Under AddressSanitizer
    this is plain operator new/delete, so every lifetime stays checked.
*/
QAIO_EXPORT void *allocateSmallBlock(std::size_t size);
/*! Frees \a block, allocated with allocateSmallBlock(\a size). */
QAIO_EXPORT void freeSmallBlock(void *block, std::size_t size) noexcept;

/*! Gives a class the allocator above (derived classes inherit it; the sized delete of a
    virtual destructor passes the most-derived size). */
#define QAIO_SMALL_BLOCK_ALLOCATED                                                                                  \
    static void *operator new(std::size_t size) { return ::qaio::detail::allocateSmallBlock(size); }              \
    static void operator delete(void *block, std::size_t size) noexcept { ::qaio::detail::freeSmallBlock(block, size); }

} // namespace qaio::detail
