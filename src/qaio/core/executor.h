// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file executor.h
    Executor: where EventLoop::runInExecutor() runs blocking functions.

    The default executor of a loop is a ThreadPoolExecutor (a private QThreadPool, so it
    never competes with QThreadPool::globalInstance()). Results always come back on the
    loop's thread. Implement Executor to run jobs elsewhere (a dedicated thread, a
    process pool, ...).

    \code
    // The future named first: a lambda inside the co_await trips g++ 12 (docs/toolchains.md).
    qaio::Future<QByteArray> hashing =
        loop.runInExecutor([data] { return QCryptographicHash::hash(data, QCryptographicHash::Sha256); });
    QByteArray digest = co_await hashing;
    \endcode
*/

#include <qaio/base/qaioglobal.h>

#include <atomic>
#include <functional>
#include <memory>

class QThreadPool;

namespace qaio {

class QAIO_EXPORT Executor
{
public:
    virtual ~Executor();
    /*! Runs \a job some time later, on some thread. Throws RuntimeError after shutdown(). */
    virtual void submit(std::function<void()> job) = 0;
    /*! Refuses new jobs; with \a wait, blocks until the jobs already submitted finished. */
    virtual void shutdown(bool wait) = 0;
};

class QAIO_EXPORT ThreadPoolExecutor final : public Executor
{
public:
    /*! \a maxWorkers 0 means asyncio's default: min(32, CPU count + 4). */
    explicit ThreadPoolExecutor(int maxWorkers = 0);
    ~ThreadPoolExecutor() override;
    void submit(std::function<void()> job) override;
    void shutdown(bool wait) override;
    int maxWorkers() const;

private:
    std::unique_ptr<QThreadPool> m_pool;
    std::atomic<bool> m_shutdown{false};
};

} // namespace qaio
