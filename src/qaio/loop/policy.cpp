// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/loop/policy.h>

#include <QtCore/QAbstractEventDispatcher>
#include <QtCore/QCoreApplication>
#include <QtCore/QThread>

#include <mutex>

namespace qaio {

namespace {

struct ThreadLoopSlot
{
    EventLoop *current = nullptr;
    std::unique_ptr<EventLoop> owned; // the loop the default policy made for this thread
};

ThreadLoopSlot &threadSlot()
{
    static thread_local ThreadLoopSlot slot;
    return slot;
}

std::mutex s_policyMutex;
std::unique_ptr<EventLoopPolicy> s_policy;

bool threadCanHostLoop()
{
    if (QAbstractEventDispatcher::instance(QThread::currentThread()))
        return true;
    // Before QCoreApplication exists, only the main thread is running Qt code.
    return QCoreApplication::instance() == nullptr;
}

// The layers below the facade (qaio::signal(), ensureFuture(), ...) ask for this thread's
// loop through core/loopcore.h; the policy answering lives up here.
LoopCore &policyLoop()
{
    return getEventLoopPolicy().getEventLoop();
}

[[maybe_unused]] const bool s_policyLoopInstalled = [] {
    detail::setPolicyLoopProvider(&policyLoop);
    return true;
}();

} // namespace

EventLoopPolicy::~EventLoopPolicy() = default;

EventLoop &DefaultEventLoopPolicy::getEventLoop()
{
    ThreadLoopSlot &slot = threadSlot();
    if (slot.current)
        return *slot.current;
    if (!threadCanHostLoop())
        throw RuntimeError(QStringLiteral("There is no current event loop in thread '%1' (it has no Qt event "
                                          "dispatcher; use a QThread)")
                               .arg(QThread::currentThread()->objectName()));
    slot.owned = std::make_unique<EventLoop>();
    slot.current = slot.owned.get();
    return *slot.current;
}

void DefaultEventLoopPolicy::setEventLoop(EventLoop *loop)
{
    ThreadLoopSlot &slot = threadSlot();
    slot.current = loop;
}

std::unique_ptr<EventLoop> DefaultEventLoopPolicy::newEventLoop()
{
    return std::make_unique<EventLoop>();
}

EventLoopPolicy &getEventLoopPolicy()
{
    std::lock_guard lock(s_policyMutex);
    if (!s_policy)
        s_policy = std::make_unique<DefaultEventLoopPolicy>();
    return *s_policy;
}

void setEventLoopPolicy(std::unique_ptr<EventLoopPolicy> policy)
{
    std::lock_guard lock(s_policyMutex);
    s_policy = std::move(policy);
}

EventLoop &getEventLoop()
{
    if (EventLoop *running = runningLoopOrNull())
        return *running;
    return getEventLoopPolicy().getEventLoop();
}

void setEventLoop(EventLoop *loop)
{
    getEventLoopPolicy().setEventLoop(loop);
}

std::unique_ptr<EventLoop> newEventLoop()
{
    return getEventLoopPolicy().newEventLoop();
}

} // namespace qaio
