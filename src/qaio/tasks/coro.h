// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file coro.h
    Coro<T>: the return type of a qaio coroutine function.

    A Coro is lazy, like a Python coroutine object: nothing runs until it is awaited or
    turned into a task. \c{co_await f()} runs \c f inline in the awaiting task (like
    \c{await f()}); EventLoop::createTask(f()) schedules it concurrently as a Task<T>
    (like \c{create_task}). A Coro is move-only and may be awaited once.

    Inside a Coro, await qaio futures and tasks, sleep(), other Coros, signals
    (qaio::signal) and QFutures (qaio::qfuture). Exceptions propagate to the awaiter.

    \code
    qaio::Coro<int> answer()
    {
        co_await qaio::sleep(std::chrono::milliseconds(5));
        co_return 42;
    }

    qaio::Coro<void> main_()
    {
        int a = co_await answer();                      // inline
        qaio::Task<int> t = qaio::createTask(answer()); // concurrent
        int b = co_await t;
        qDebug() << a + b;
    }
    \endcode
*/

// A Qt header first: moc cannot parse <concepts> when <coroutine> is the first include it sees.
#include <QtCore/qglobal.h>

#include <qaio/base/detail/smallblocks.h>
#include <qaio/base/qaioglobal.h>

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace qaio {

template <class T = void>
class Coro;

namespace detail {

struct CoroPromiseBase
{
    // A frame is allocated at every call of a coroutine function: from the small-block cache.
    QAIO_SMALL_BLOCK_ALLOCATED

    std::coroutine_handle<> continuation;
    std::exception_ptr error;
#if QAIO_INTROSPECTION
    // For the inspector: where this frame's last co_await is, and the Coro it awaits now
    // (nullptr unless suspended in one): from a task's root down this chain is the task's
    // await stack, its innermost site where the task waits.
    SourceLocation awaitSite;
    CoroPromiseBase *awaitedCoro = nullptr;

    /*! Records the site of every co_await (the default argument is evaluated there).
        A temporary awaitable is passed on moved, by value: g++ 12 copies an awaiter it
        is given as an xvalue (docs/toolchains.md), so qaio's awaiters are movable. */
    template <class Awaitable>
    decltype(auto) await_transform(Awaitable &&awaitable, SourceLocation where = SourceLocation::current())
    {
        awaitSite = where;
        if constexpr (std::is_lvalue_reference_v<Awaitable>)
            return (awaitable);
        else
            return std::remove_cvref_t<Awaitable>(std::move(awaitable));
    }
#endif

    std::suspend_always initial_suspend() const noexcept { return {}; }

    struct FinalAwaiter
    {
        bool await_ready() const noexcept { return false; }
        template <class Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) const noexcept
        {
            std::coroutine_handle<> next = h.promise().continuation;
            return next ? next : std::noop_coroutine();
        }
        void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() const noexcept { return {}; }

    void unhandled_exception() noexcept { error = std::current_exception(); }
};

template <class T>
class CoroPromise : public CoroPromiseBase
{
public:
    Coro<T> get_return_object() noexcept;

    template <class U = T>
        requires std::is_convertible_v<U &&, T>
    void return_value(U &&v)
    {
        value.emplace(std::forward<U>(v));
    }

    /*! Rethrows the coroutine's exception or moves its result out. */
    T takeResult()
    {
        if (error)
            std::rethrow_exception(error);
        return std::move(*value);
    }

    std::optional<T> value;
};

template <>
class CoroPromise<void> : public CoroPromiseBase
{
public:
    Coro<void> get_return_object() noexcept;
    void return_void() const noexcept {}
    void takeResult() const
    {
        if (error)
            std::rethrow_exception(error);
    }
};

} // namespace detail

template <class T>
class [[nodiscard]] Coro
{
public:
    using promise_type = detail::CoroPromise<T>;
    using value_type = T;
    using Handle = std::coroutine_handle<promise_type>;

    Coro() noexcept = default;
    explicit Coro(Handle h) noexcept : m_handle(h) {}
    Coro(Coro &&other) noexcept : m_handle(std::exchange(other.m_handle, {})) {}
    Coro &operator=(Coro &&other) noexcept
    {
        if (this != &other) {
            reset();
            m_handle = std::exchange(other.m_handle, {});
        }
        return *this;
    }
    Coro(const Coro &) = delete;
    Coro &operator=(const Coro &) = delete;
    ~Coro() { reset(); }

    bool isValid() const noexcept { return bool(m_handle); }
    /*! Gives up ownership of the coroutine frame (a Task takes it). */
    Handle release() noexcept { return std::exchange(m_handle, {}); }

    class Awaiter
    {
    public:
        explicit Awaiter(Handle h) noexcept : m_handle(h) {}
        bool await_ready() const noexcept { return false; }
        template <class Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> awaiting) noexcept
        {
            m_handle.promise().continuation = awaiting;
#if QAIO_INTROSPECTION
            if constexpr (std::is_base_of_v<detail::CoroPromiseBase, Promise>) {
                m_parent = &awaiting.promise();
                m_parent->awaitedCoro = &m_handle.promise();
            }
#endif
            return m_handle;
        }
        T await_resume()
        {
#if QAIO_INTROSPECTION
            if (m_parent)
                m_parent->awaitedCoro = nullptr;
#endif
            return m_handle.promise().takeResult();
        }

    private:
        Handle m_handle;
#if QAIO_INTROSPECTION
        detail::CoroPromiseBase *m_parent = nullptr;
#endif
    };

    /*! Runs the coroutine inline in the awaiting coroutine; returns its result. */
    Awaiter operator co_await() && noexcept { return Awaiter(m_handle); }

private:
    void reset() noexcept
    {
        if (m_handle)
            m_handle.destroy();
        m_handle = {};
    }
    Handle m_handle;
};

namespace detail {
template <class T>
Coro<T> CoroPromise<T>::get_return_object() noexcept
{
    return Coro<T>(std::coroutine_handle<CoroPromise<T>>::from_promise(*this));
}
inline Coro<void> CoroPromise<void>::get_return_object() noexcept
{
    return Coro<void>(std::coroutine_handle<CoroPromise<void>>::from_promise(*this));
}
} // namespace detail

} // namespace qaio
