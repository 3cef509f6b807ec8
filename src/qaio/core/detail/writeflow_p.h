// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// What every writing transport (stream or datagram) shares with asyncio's
// _FlowControlMixin: the default marks, their validation, and the threshold after which
// writes to a lost connection are logged.

#include <qaio/base/errors.h>
#include <qaio/core/transports.h>

#include <optional>

namespace qaio::detail {

constexpr qsizetype kDefaultHighWater = 64 * 1024;
// asyncio's LOG_THRESHOLD_FOR_CONNLOST_WRITES.
constexpr int kLogThresholdForConnLostWrites = 5;

/*! asyncio's _set_write_buffer_limits(): with neither mark, high is \a defaultHigh (64 KiB;
    TLS's is 512 KiB); with one, the other follows (low = high / 4, high = 4 * low). Throws
    ValueError("high (x) must be >= low (y) must be >= 0"). */
inline WriteBufferLimits checkedWriteBufferLimits(std::optional<qsizetype> high, std::optional<qsizetype> low,
                                                  qsizetype defaultHigh = kDefaultHighWater)
{
    const qsizetype h = high ? *high : (low ? 4 * *low : defaultHigh);
    const qsizetype l = low ? *low : h / 4;
    if (!(h >= l && l >= 0))
        throw ValueError(QStringLiteral("high (%1) must be >= low (%2) must be >= 0").arg(h).arg(l));
    return {l, h};
}

} // namespace qaio::detail
