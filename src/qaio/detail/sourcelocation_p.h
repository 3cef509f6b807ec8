// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// std::source_location for clang 14 with libstdc++ 12 (Debian 12's pair): libstdc++ only
// defines it when the compiler has __builtin_source_location, which clang gained in 15.
// qaio's API records creation sites with std::source_location, so without this the
// library does not compile with a supported compiler. The replacement is built on the
// __builtin_FILE/LINE/... intrinsics, which evaluate at the outermost call site when used
// in default arguments, exactly what std::source_location::current() promises.

#include <source_location>

#if !defined(__cpp_lib_source_location) && defined(__clang__)
#  include <cstdint>

namespace std { // NOLINT(cert-dcl58-cpp): fills a gap of the standard library itself

struct source_location
{
    static constexpr source_location current(const char *file = __builtin_FILE(),
                                             const char *function = __builtin_FUNCTION(),
                                             uint_least32_t line = __builtin_LINE(),
                                             uint_least32_t column = __builtin_COLUMN()) noexcept
    {
        source_location location;
        location.m_file = file;
        location.m_function = function;
        location.m_line = line;
        location.m_column = column;
        return location;
    }

    constexpr source_location() noexcept = default;
    constexpr uint_least32_t line() const noexcept { return m_line; }
    constexpr uint_least32_t column() const noexcept { return m_column; }
    constexpr const char *file_name() const noexcept { return m_file; }
    constexpr const char *function_name() const noexcept { return m_function; }

private:
    const char *m_file = "";
    const char *m_function = "";
    uint_least32_t m_line = 0;
    uint_least32_t m_column = 0;
};

} // namespace std
#endif
