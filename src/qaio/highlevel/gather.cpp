// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/highlevel/gather.h>

namespace qaio::detail {

namespace {
// Trivially copyable and two pointers wide at most: std::function stores it inline, so
// subscribing to a child allocates nothing beyond the child's own callback list.
struct GatherCallback
{
    GatherCore *core;
    void operator()(FutureStateBase &child) const { core->childDone(child); }
};
static_assert(std::is_trivially_copyable_v<GatherCallback>);
} // namespace

GatherCore::~GatherCore()
{
    for (FutureStateBase *c : m_children)
        c->deref();
}

void GatherCore::start()
{
    if (m_children.empty()) {
        // gather() of nothing: done at once with an empty result, as asyncio's.
        storeResults();
        m_outer->finishWithValue();
        return;
    }
    std::size_t pending = 0;
    for (FutureStateBase *c : m_children)
        pending += c->isDone() ? 0 : 1;
    if (pending) {
        // The subscriptions keep the gathering future alive until the last one has run,
        // like the closures of asyncio's _done_callback do. The callback itself owns
        // nothing (so it needs no allocation); the price: if the loop is destroyed with
        // the gather still pending, its dropped callbacks never release this reference
        // and the gather's bookkeeping leaks, where asyncio would leave it to the GC.
        m_outer->ref();
        m_callbacksPending = pending;
        for (FutureStateBase *c : m_children) {
            if (!c->isDone())
                c->addDoneCallback(GatherCallback{this});
        }
    }
    // Children finished before the gather are accounted for now, after subscribing to the
    // others: if all were done, the gathering future is done before gather() returns.
    // Nothing above can finish a child (completions reach us through the loop), so the
    // children done now are exactly those that got no callback.
    for (FutureStateBase *c : m_children) {
        if (c->isDone()) {
            ++m_finished;
            process(*c);
        }
    }
}

void GatherCore::childDone(FutureStateBase &child)
{
    ++m_finished;
    process(child);
    if (--m_callbacksPending == 0)
        m_outer->deref(); // may delete this
}

void GatherCore::process(FutureStateBase &child)
{
    if (m_outer->isDone()) {
        // Already failed (or completed by hand): the child's exception is seen, so it is
        // not reported as never retrieved.
        if (child.status != FutureStatus::Cancelled)
            child.logTraceback = false;
        return;
    }
    if (!m_returnExceptions) {
        if (child.status == FutureStatus::Cancelled) {
            m_outer->cancelFuture(child.cancelMessage);
            return;
        }
        if (child.exception) {
            child.logTraceback = false;
            m_outer->finishWithException(child.exception);
            return;
        }
    }
    if (m_finished != m_children.size())
        return;
    if (m_cancelRequested) {
        // The gather was cancelled: that wins over returnExceptions (CPython issue 32684).
        m_outer->cancelFuture(child.cancelMessage);
        return;
    }
    try {
        storeResults();
    } catch (...) {
        m_outer->finishWithException(std::current_exception());
        return;
    }
    m_outer->finishWithValue();
}

bool GatherCore::cancelChildren(const QString &message)
{
    if (m_outer->isDone())
        return false;
    bool any = false;
    for (FutureStateBase *c : m_children) {
        if (c->cancel(message))
            any = true;
    }
    if (any)
        m_cancelRequested = true;
    return any;
}

} // namespace qaio::detail
