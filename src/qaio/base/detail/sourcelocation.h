// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// qaio::SourceLocation: where a callback, future or task was created (asyncio's
// source_traceback in debug mode). It is std::source_location where the standard library
// provides it. libstdc++ 12 only defines std::source_location when the compiler has
// __builtin_source_location, which clang gained in 15, so with clang 14 (Debian 12's pair)
// qaio supplies its own type, built on the __builtin_FILE/LINE/... intrinsics: used in
// default arguments they evaluate at the outermost call site, exactly what
// std::source_location::current() promises. Both have the same members.

#include <source_location>

#if !defined(__cpp_lib_source_location)
#  include <cstdint>
#endif

namespace qaio {

#if defined(__cpp_lib_source_location)
using SourceLocation = std::source_location;
#else
struct SourceLocation
{
    static constexpr SourceLocation current(const char *file = __builtin_FILE(),
                                            const char *function = __builtin_FUNCTION(),
                                            std::uint_least32_t line = __builtin_LINE(),
                                            std::uint_least32_t column = __builtin_COLUMN()) noexcept
    {
        SourceLocation location;
        location.m_file = file;
        location.m_function = function;
        location.m_line = line;
        location.m_column = column;
        return location;
    }

    constexpr SourceLocation() noexcept = default;
    constexpr std::uint_least32_t line() const noexcept { return m_line; }
    constexpr std::uint_least32_t column() const noexcept { return m_column; }
    constexpr const char *file_name() const noexcept { return m_file; }
    constexpr const char *function_name() const noexcept { return m_function; }

private:
    const char *m_file = "";
    const char *m_function = "";
    std::uint_least32_t m_line = 0;
    std::uint_least32_t m_column = 0;
};
#endif

} // namespace qaio
