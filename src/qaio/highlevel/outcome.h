// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file outcome.h
    Outcome<T>: a finished operation's value or the exception it ended with.

    asyncio's \c{gather(..., return_exceptions=True)} returns a list that mixes results and
    exception objects. C++ cannot mix them in one container, so gather(returnExceptions, ...)
    returns an Outcome<T> per child instead. std::expected would be the standard shape, but
    it is C++23 and qaio targets C++20; Outcome is the same idea with an exception_ptr as the
    error, so value() rethrows the child's own exception, unchanged. A cancelled child's
    outcome holds a CancelledError (isCancelled() is true), as asyncio puts a CancelledError
    instance in the list.

    Errors: value() rethrows the stored exception; an Outcome is never empty.

    \code
    auto [a, b] = co_await qaio::gather(qaio::returnExceptions, fetch("a"), fetch("b"));
    if (a)
        use(a.value());
    else
        qWarning() << qaio::describeException(a.error());
    \endcode
*/

#include <qaio/base/errors.h>
#include <qaio/tasks/future.h>

#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

namespace qaio {

template <class T>
class Outcome
{
public:
    using value_type = T;
    using Stored = typename detail::StoredValue<T>::type;

    /*! A successful outcome holding \a args... (nothing for T = void). */
    template <class... Args>
    static Outcome fromValue(Args &&...args)
    {
        return Outcome(std::in_place_index<0>, std::forward<Args>(args)...);
    }
    /*! A failed outcome; \a error must not be null. */
    static Outcome fromError(std::exception_ptr error)
    {
        if (!error)
            throw ValueError("Outcome::fromError(): error is null");
        return Outcome(std::in_place_index<1>, std::move(error));
    }

    bool hasValue() const noexcept { return m_data.index() == 0; }
    bool hasError() const noexcept { return m_data.index() == 1; }
    explicit operator bool() const noexcept { return hasValue(); }
    /*! True when the error is a CancelledError (the child was cancelled). */
    bool isCancelled() const noexcept { return hasError() && isCancelledError(std::get<1>(m_data)); }

    /*! The exception, or nullptr for a successful outcome. */
    std::exception_ptr error() const noexcept { return hasError() ? std::get<1>(m_data) : std::exception_ptr(); }

    /*! The value; rethrows the stored exception for a failed outcome. */
    decltype(auto) value() &
    {
        rethrowIfError();
        if constexpr (!std::is_void_v<T>)
            return std::get<0>(m_data);
    }
    decltype(auto) value() const &
    {
        rethrowIfError();
        if constexpr (!std::is_void_v<T>)
            return std::get<0>(m_data);
    }
    decltype(auto) value() &&
    {
        rethrowIfError();
        if constexpr (!std::is_void_v<T>)
            return std::move(std::get<0>(m_data));
    }

private:
    template <std::size_t I, class... Args>
    explicit Outcome(std::in_place_index_t<I> index, Args &&...args) : m_data(index, std::forward<Args>(args)...)
    {
    }
    void rethrowIfError() const
    {
        if (hasError())
            std::rethrow_exception(std::get<1>(m_data));
    }

    std::variant<Stored, std::exception_ptr> m_data;
};

} // namespace qaio
