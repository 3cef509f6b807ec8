// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file asyncgenerator.h
    AsyncGenerator<T>: a coroutine that both awaits and yields, as Python's async generators.

    A function returning AsyncGenerator<T> may \c co_await anything a Coro can (futures,
    tasks, sleep(), other Coros, signals) and \c{co_yield} values of type T. Like a Coro it
    is lazy and runs inline in the task that consumes it: \c{co_await gen.next()} resumes the
    body until its next \c co_yield and returns the value, or std::nullopt once the body
    returned. An exception thrown by the body propagates out of next(); the generator is
    finished afterwards.

    aclose() ends a generator early: it resumes the body with GeneratorExit thrown at the
    \c co_yield where it is suspended, so its catch blocks and destructors run, and the
    cleanup may await. A generator that was never started is simply marked finished. If the
    body yields again instead of finishing, aclose() throws
    RuntimeError("async generator ignored GeneratorExit") and the generator is finished.

    Every generator started while a loop runs is registered with that loop until it
    finishes (asyncio's firstiter hook); EventLoop::shutdownAsyncgens() acloses all of them
    concurrently, typically before closing the loop. Destroying an unfinished AsyncGenerator
    destroys its coroutine frame without resuming it: destructors of its locals run, but
    not its catch blocks.

    C++ forbids \c co_await inside a catch block: to await during cleanup, note the
    GeneratorExit in the handler and await after it, as below.

    Errors: next() and aclose() throw RuntimeError if the generator is already running (its
    body is suspended inside another next() or aclose(), e.g. of another task), and
    ValueError on an empty (moved-from or default-constructed) AsyncGenerator.

    \code
    qaio::AsyncGenerator<int> ticks(int count)
    {
        bool closing = false;
        try {
            for (int i = 0; i < count; ++i) {
                co_await qaio::sleep(std::chrono::milliseconds(10));
                co_yield i;
            }
        } catch (const qaio::GeneratorExit &) {
            closing = true;         // aclose() was called at a co_yield
        }
        co_await qaio::sleep(0);    // cleanup may await (not inside the catch block)
        if (closing)
            qDebug() << "closed early";
    }

    qaio::Coro<int> sumFirstThree()
    {
        qaio::AsyncGenerator<int> gen = ticks(100);
        int sum = 0;
        for (int n = 0; n < 3; ++n) {
            std::optional<int> item = co_await gen.next();
            if (!item)
                break;
            sum += *item;
        }
        co_await gen.aclose();      // runs the cleanup above now
        co_return sum;
    }
    \endcode
*/

// qaioglobal.h first: moc cannot parse <coroutine> (via coro.h) before a Qt header.
#include <qaio/base/qaioglobal.h>

#include <qaio/tasks/coro.h>
#include <qaio/base/errors.h>

#include <QtCore/QString>

#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace qaio {

class LoopCore;

/*!
    \class qaio::GeneratorExit
    Thrown into an AsyncGenerator at its \c co_yield by aclose() (Python's GeneratorExit).
    Like CancelledError it is deliberately not a std::exception, so that a
    \c{catch (const std::exception &)} meant for I/O errors does not swallow it. A generator
    may catch it to clean up, then must return (or rethrow) rather than yield again.
*/
class QAIO_EXPORT GeneratorExit
{
public:
    const char *what() const noexcept { return "GeneratorExit"; }
};

template <class T>
class AsyncGenerator;

namespace detail {

class AsyncGenRef;

/*!
    The type-erased promise of every AsyncGenerator: how the body is resumed and suspended,
    the reference count of the coroutine frame, and the loop registration.
*/
class QAIO_EXPORT AsyncGenBase
{
public:
    AsyncGenBase() = default;
    AsyncGenBase(const AsyncGenBase &) = delete;
    AsyncGenBase &operator=(const AsyncGenBase &) = delete;
    ~AsyncGenBase();

    std::suspend_always initial_suspend() const noexcept { return {}; }
    struct FinalAwaiter
    {
        AsyncGenBase *gen;
        bool await_ready() const noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<>) const noexcept { return gen->suspendAtEnd(); }
        void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return FinalAwaiter{this}; }
    void unhandled_exception() noexcept { error = std::current_exception(); }
    void return_void() const noexcept {}

    struct YieldAwaiter
    {
        AsyncGenBase *gen;
        bool await_ready() const noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<>) const noexcept { return gen->suspendAtYield(); }
        void await_resume() const { gen->resumedAtYield(); }
    };

    // The frame lives as long as the AsyncGenerator and any operation in progress on it.
    void ref() noexcept { ++refs; }
    void deref() noexcept
    {
        if (--refs == 0)
            self.destroy(); // destroys *this too
    }

    /*! Throws RuntimeError if the body is already running inside \a operation's caller. */
    void requireIdle(const char *operation) const;
    /*! Hands control to the body; it comes back to \a awaiting at its next yield or end. */
    std::coroutine_handle<> resumeFrom(std::coroutine_handle<> awaiting);
    std::coroutine_handle<> suspendAtYield() noexcept;
    std::coroutine_handle<> suspendAtEnd() noexcept;
    /*! At a co_yield, on resumption: throws GeneratorExit when aclose() resumed the body. */
    void resumedAtYield();
    /*! Finished for good: later next() calls give std::nullopt. */
    void markFinished() noexcept;
    /*! The loop the generator is registered with is being destroyed. */
    void detachFromLoop() noexcept { loop = nullptr; }
    QString describe() const;

    /*! aclose() for any generator; \a gen keeps the frame alive until it is done. */
    static Coro<void> aclose(AsyncGenRef gen);

    std::coroutine_handle<> self;
    std::coroutine_handle<> continuation;
    std::exception_ptr error;
    LoopCore *loop = nullptr; // the loop this generator is registered with, while it is
    std::uint32_t refs = 1;
    bool started = false;
    bool running = false;
    bool finished = false;
    bool throwExit = false;         // the body resumes at a co_yield with GeneratorExit
    bool closing = false;           // aclose() is in progress
    bool yieldedWhileClosing = false;

private:
    void registerWithRunningLoop();
    void unregister() noexcept;
};

/*! A counted reference to a generator's frame. */
class AsyncGenRef
{
public:
    AsyncGenRef() noexcept = default;
    explicit AsyncGenRef(AsyncGenBase *gen) noexcept : m_gen(gen)
    {
        if (m_gen)
            m_gen->ref();
    }
    AsyncGenRef(const AsyncGenRef &other) noexcept : AsyncGenRef(other.m_gen) {}
    AsyncGenRef(AsyncGenRef &&other) noexcept : m_gen(std::exchange(other.m_gen, nullptr)) {}
    AsyncGenRef &operator=(AsyncGenRef other) noexcept
    {
        std::swap(m_gen, other.m_gen);
        return *this;
    }
    ~AsyncGenRef()
    {
        if (m_gen)
            m_gen->deref();
    }
    AsyncGenBase *get() const noexcept { return m_gen; }
    AsyncGenBase *operator->() const noexcept { return m_gen; }

private:
    AsyncGenBase *m_gen = nullptr;
};

template <class T>
class AsyncGenPromise final : public AsyncGenBase
{
public:
    AsyncGenerator<T> get_return_object() noexcept;

    template <class U = T>
        requires std::is_constructible_v<T, U &&>
    YieldAwaiter yield_value(U &&value)
    {
        current.emplace(std::forward<U>(value));
        return YieldAwaiter{this};
    }

    std::optional<T> current;
};

template <class T>
class AsyncGenNextAwaiter
{
public:
    explicit AsyncGenNextAwaiter(AsyncGenPromise<T> *gen) noexcept : m_ref(gen), m_gen(gen) {}

    bool await_ready()
    {
        if (m_gen->finished) {
            m_wasFinished = true;
            return true;
        }
        m_gen->requireIdle("anext");
        return false;
    }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) { return m_gen->resumeFrom(awaiting); }
    std::optional<T> await_resume()
    {
        if (m_wasFinished)
            return std::nullopt;
        if (m_gen->error)
            std::rethrow_exception(std::exchange(m_gen->error, nullptr));
        std::optional<T> item = std::move(m_gen->current);
        m_gen->current.reset();
        return item;
    }

private:
    AsyncGenRef m_ref; // the consumer may drop the AsyncGenerator while the body runs
    AsyncGenPromise<T> *m_gen;
    bool m_wasFinished = false;
};

} // namespace detail

/*!
    \class qaio::AsyncGenerator
    The return type of an async generator function. See the file documentation above.
    Move-only; use it from the loop's thread.
*/
template <class T>
class [[nodiscard]] AsyncGenerator
{
    static_assert(!std::is_reference_v<T>, "AsyncGenerator<T>: T must be a value type");

public:
    using promise_type = detail::AsyncGenPromise<T>;
    using value_type = T;

    AsyncGenerator() noexcept = default;
    explicit AsyncGenerator(promise_type *promise) noexcept : m_promise(promise) {}
    AsyncGenerator(AsyncGenerator &&other) noexcept : m_promise(std::exchange(other.m_promise, nullptr)) {}
    AsyncGenerator &operator=(AsyncGenerator &&other) noexcept
    {
        if (this != &other) {
            if (m_promise)
                m_promise->deref();
            m_promise = std::exchange(other.m_promise, nullptr);
        }
        return *this;
    }
    AsyncGenerator(const AsyncGenerator &) = delete;
    AsyncGenerator &operator=(const AsyncGenerator &) = delete;
    /*! Destroys the coroutine frame unless an operation on it is still in progress. */
    ~AsyncGenerator()
    {
        if (m_promise)
            m_promise->deref();
    }

    bool isValid() const noexcept { return m_promise != nullptr; }
    /*! True once the body returned, threw, or was closed: next() gives std::nullopt. */
    bool isFinished() const noexcept { return !m_promise || m_promise->finished; }
    /*! True while the body runs inside a next() or aclose() (asyncio's ag_running). */
    bool isRunning() const noexcept { return m_promise && m_promise->running; }

    /*! Awaitable: runs the body to its next \c co_yield and gives the value, or std::nullopt
        once the body has finished. Rethrows what the body throws. */
    detail::AsyncGenNextAwaiter<T> next()
    {
        requireValid("next");
        return detail::AsyncGenNextAwaiter<T>(m_promise);
    }

    /*! Closes the generator: GeneratorExit is thrown at its \c co_yield and its cleanup runs.
        Rethrows any other exception the cleanup throws; throws RuntimeError if the body
        yields again. Does nothing on a finished generator. */
    Coro<void> aclose()
    {
        requireValid("aclose");
        return detail::AsyncGenBase::aclose(detail::AsyncGenRef(m_promise));
    }

private:
    void requireValid(const char *operation) const
    {
        if (!m_promise)
            throw ValueError(QStringLiteral("%1(): the generator is empty (moved-from or default-constructed)")
                                 .arg(QLatin1String(operation)));
    }

    promise_type *m_promise = nullptr;
};

namespace detail {
template <class T>
AsyncGenerator<T> AsyncGenPromise<T>::get_return_object() noexcept
{
    self = std::coroutine_handle<AsyncGenPromise<T>>::from_promise(*this);
    return AsyncGenerator<T>(this);
}
} // namespace detail

} // namespace qaio
