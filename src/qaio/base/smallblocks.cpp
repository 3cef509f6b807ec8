// Copyright (c) qaio authors. Licensed under the MIT license.
// The per-thread cache of small blocks (base/detail/smallblocks.h). A queue's put() and
// get(), a lock's acquire() or an event's wait() each cost a coroutine frame, a future
// and a callback handle: with malloc/free that was a third of their time.
#include <qaio/base/detail/smallblocks.h>

#include <new>
#include <utility>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QAIO_PLAIN_SMALL_BLOCKS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define QAIO_PLAIN_SMALL_BLOCKS 1
#endif

// One TLS access per call: initial-exec where the toolchain offers it (ELF), instead of a
// __tls_get_addr call per access from a shared library.
#if defined(__ELF__) && (defined(__GNUC__) || defined(__clang__))
#define QAIO_FAST_TLS __attribute__((tls_model("initial-exec")))
#else
#define QAIO_FAST_TLS
#endif

namespace qaio::detail {

#ifdef QAIO_PLAIN_SMALL_BLOCKS

void *allocateSmallBlock(std::size_t size)
{
    return ::operator new(size);
}

void freeSmallBlock(void *block, std::size_t) noexcept
{
    ::operator delete(block);
}

#else

namespace {

constexpr std::size_t kGranule = 64;
constexpr std::size_t kSizeClasses = 16; // blocks up to 16 * 64 bytes are cached
constexpr unsigned kBlocksPerClass = 64;

struct FreeBlock
{
    FreeBlock *next;
};

enum class CacheState : unsigned char { Unused, Live, Destroyed };

// Trivially destructible, so it stays readable while the thread's other thread_locals
// are destroyed; CacheRelease gives the blocks back when the thread ends.
struct BlockCache
{
    FreeBlock *heads[kSizeClasses];
    unsigned counts[kSizeClasses];
    CacheState state;
};

thread_local QAIO_FAST_TLS BlockCache t_cache;

struct CacheRelease
{
    ~CacheRelease()
    {
        t_cache.state = CacheState::Destroyed;
        for (FreeBlock *&head : t_cache.heads) {
            while (head)
                ::operator delete(std::exchange(head, head->next));
        }
    }
};

/*! The size class of \a size, or kSizeClasses when too large to cache. */
std::size_t sizeClassOf(std::size_t size) noexcept
{
    const std::size_t index = (size + kGranule - 1) / kGranule;
    return index == 0 ? 0 : (index <= kSizeClasses ? index - 1 : kSizeClasses);
}

/*! The thread's cache, registering its release on first use; nullptr once released. */
BlockCache *threadCache() noexcept
{
    BlockCache &cache = t_cache;
    if (cache.state == CacheState::Live) [[likely]]
        return &cache;
    if (cache.state == CacheState::Destroyed)
        return nullptr;
    static thread_local CacheRelease release;
    (void)release;
    cache.state = CacheState::Live;
    return &cache;
}

} // namespace

void *allocateSmallBlock(std::size_t size)
{
    const std::size_t sizeClass = sizeClassOf(size);
    if (sizeClass == kSizeClasses)
        return ::operator new(size);
    if (BlockCache *cache = threadCache()) {
        if (FreeBlock *block = cache->heads[sizeClass]) {
            cache->heads[sizeClass] = block->next;
            --cache->counts[sizeClass];
            return block;
        }
    }
    return ::operator new((sizeClass + 1) * kGranule);
}

void freeSmallBlock(void *block, std::size_t size) noexcept
{
    const std::size_t sizeClass = sizeClassOf(size);
    if (sizeClass < kSizeClasses) {
        BlockCache *cache = threadCache();
        if (cache && cache->counts[sizeClass] < kBlocksPerClass) {
            cache->heads[sizeClass] = new (block) FreeBlock{cache->heads[sizeClass]};
            ++cache->counts[sizeClass];
            return;
        }
    }
    ::operator delete(block);
}

#endif

} // namespace qaio::detail
