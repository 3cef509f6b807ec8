// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/detail/readbuffer_p.h>

namespace qaio::detail {

namespace {
thread_local ThreadReadBuffer t_readBuffer;
} // namespace

ThreadReadBuffer &threadReadBuffer() noexcept
{
    return t_readBuffer;
}

} // namespace qaio::detail
