// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/highlevel/wait.h>

#include <qaio/core/loopcore.h>

#include <memory>

namespace qaio::detail {

namespace {
// Shared with the done callbacks: one that was already scheduled when wait() returned
// still runs afterwards (remove only reaches callbacks not yet scheduled).
struct WaitShared
{
    Future<void> waiter;
    TimerHandle timer;
    std::size_t counter = 0;
    ReturnWhen returnWhen = ReturnWhen::AllCompleted;

    void release()
    {
        timer.cancel();
        if (!waiter.done())
            waiter.setResult();
    }
};
} // namespace

Coro<void> waitErased(std::vector<FutureStateBase *> futures, std::optional<Duration> timeout, ReturnWhen returnWhen)
{
    LoopCore &loop = detail::requireRunningLoop();
    auto shared = std::make_shared<WaitShared>();
    shared->waiter = loop.createFuture<void>();
    shared->waiter.state()->tagAwait(AwaitEdge::Kind::Other, "wait");
    shared->counter = futures.size();
    shared->returnWhen = returnWhen;
    if (timeout)
        shared->timer = loop.callLater(*timeout, [waiter = shared->waiter]() mutable {
            if (!waiter.done())
                waiter.setResult();
        });

    std::vector<DoneCallbackId> ids;
    ids.reserve(futures.size());
    for (FutureStateBase *f : futures) {
        ids.push_back(f->addDoneCallback([shared](FutureStateBase &done) {
            --shared->counter;
            bool release = shared->counter == 0 || shared->returnWhen == ReturnWhen::FirstCompleted;
            if (!release && shared->returnWhen == ReturnWhen::FirstException &&
                done.status != FutureStatus::Cancelled) {
                release = done.retrieveException() != nullptr;
            }
            if (release)
                shared->release();
        }));
    }

    std::exception_ptr error;
    try {
        co_await shared->waiter;
    } catch (...) {
        error = std::current_exception();
    }
    shared->timer.cancel();
    for (std::size_t i = 0; i < futures.size(); ++i)
        futures[i]->removeDoneCallback(ids[i]);
    if (error)
        std::rethrow_exception(error);
}

Coro<void> cancelAndWait(FutureBase future)
{
    LoopCore &loop = detail::requireRunningLoop();
    Future<void> waiter = loop.createFuture<void>();
    const DoneCallbackId id = future.addDoneCallback([waiter](const FutureBase &) mutable {
        if (!waiter.done())
            waiter.setResult();
    });
    std::exception_ptr error;
    try {
        future.cancel();
        co_await waiter;
    } catch (...) {
        error = std::current_exception();
    }
    future.removeDoneCallback(id);
    if (error)
        std::rethrow_exception(error);
}

} // namespace qaio::detail
