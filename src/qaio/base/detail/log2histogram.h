// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/base/clock.h>

#include <array>
#include <bit>
#include <cstdint>

namespace qaio::detail {

/*! Durations in fixed memory: bucket 0 counts those under 1024 ns, bucket k those in
    [2^(k+9), 2^(k+10)) ns, the last everything from 2^(kBuckets+8) ns (about 268 ms) up. */
struct Log2Histogram
{
    static constexpr int kBuckets = 20;
    std::array<std::uint32_t, kBuckets> counts{};

    static int bucketOf(Duration d) noexcept
    {
        const auto ns = static_cast<std::uint64_t>(d.count() < 0 ? 0 : d.count());
        const int width = static_cast<int>(std::bit_width(ns >> 10));
        return width < kBuckets ? width : kBuckets - 1;
    }
    /*! The smallest duration bucket \a i counts. */
    static Duration bucketFloor(int i) noexcept { return i == 0 ? Duration::zero() : Duration(std::int64_t(1) << (i + 9)); }
    void add(Duration d) noexcept
    {
        std::uint32_t &count = counts[static_cast<std::size_t>(bucketOf(d))];
        if (count != UINT32_MAX)
            ++count;
    }
};

} // namespace qaio::detail
