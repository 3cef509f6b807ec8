// Copyright (c) qaio authors. Licensed under the MIT license.
// The scheduler: ticks, timers, the threadsafe inbox and the Qt driver (asyncio's _run_once()).
#include <qaio/core/loopcore.h>
#include <qaio/core/detail/introspectionsink_p.h>

#include <qaio/base/errors.h>
#include <qaio/core/detail/fdwatcher_p.h>
#include <qaio/core/detail/loopdriver_p.h>
#include <qaio/core/detail/loopresource_p.h>
#include <qaio/core/detail/threadsafeinbox_p.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QEventLoop>
#include <QtCore/QThread>
#include <QtCore/QTimerEvent>

#include <algorithm>
#include <limits>

#if QAIO_INTROSPECTION
namespace qaio::detail {
/*! now - when for a deadline already reached; a deadline that saturated at the clock's
    start (a huge negative delay) is as late as a Duration can say, without overflow. */
static Duration latenessOf(TimePoint when, TimePoint now) noexcept
{
    const std::int64_t n = now.time_since_epoch().count();
    const std::int64_t w = when.time_since_epoch().count();
    if (w < 0 && n > std::numeric_limits<std::int64_t>::max() + w)
        return Duration::max();
    return Duration(n - w);
}
} // namespace qaio::detail
#endif

namespace qaio {

namespace detail {

namespace {
thread_local LoopCore *t_runningLoop = nullptr;
LoopCore &(*g_policyLoopProvider)() = nullptr;
// asyncio: purge cancelled timers once there are more than 100 and over half are cancelled.
constexpr std::size_t kMinScheduledTimersForPurge = 100;
} // namespace

LoopCore *&runningLoopSlot() noexcept
{
    return t_runningLoop;
}

// ---- ThreadsafeInbox ------------------------------------------------------------------

bool ThreadsafeInbox::push(HandleImpl *h)
{
    std::lock_guard lock(m_mutex);
    if (m_closed)
        return false;
    m_pushed.push_back(h);
    wakeLocked();
    return true;
}

bool ThreadsafeInbox::release(HandleImpl *h)
{
    std::lock_guard lock(m_mutex);
    if (m_closed)
        return false;
    m_released.push_back(h);
    wakeLocked();
    return true;
}

void ThreadsafeInbox::wakeLocked()
{
    m_hasWork.store(true, std::memory_order_release);
    if (!m_wakePosted) {
        m_wakePosted = true;
        QCoreApplication::postEvent(m_driver, new QEvent(QEvent::Type(m_wakeEventType)));
    }
}

void ThreadsafeInbox::drain(std::vector<HandleImpl *> &pushed, std::vector<HandleImpl *> &released)
{
    std::lock_guard lock(m_mutex);
    pushed.swap(m_pushed);
    released.swap(m_released);
    m_wakePosted = false;
    m_hasWork.store(false, std::memory_order_relaxed);
}

std::vector<HandleImpl *> ThreadsafeInbox::close()
{
    std::lock_guard lock(m_mutex);
    m_closed = true;
    m_released.clear(); // parked handles belong to the loop, which drops them itself
    m_hasWork.store(false, std::memory_order_relaxed);
    return std::exchange(m_pushed, {});
}

void requireUsableLoop(const LoopCore &loop)
{
    loop.requireOpen();
    loop.requireOwnerThread();
}

void releaseParked(const std::shared_ptr<ThreadsafeInbox> &inbox, HandleImpl *handle) noexcept
{
    inbox->release(handle);
}

// ---- LoopDriver -----------------------------------------------------------------------

int LoopDriver::readyWakeEventType()
{
    static const int type = QEvent::registerEventType();
    return type;
}

int LoopDriver::inboxWakeEventType()
{
    static const int type = QEvent::registerEventType();
    return type;
}

void LoopDriver::post(int eventType)
{
    QCoreApplication::postEvent(this, new QEvent(QEvent::Type(eventType)));
}

bool LoopDriver::event(QEvent *e)
{
    const int type = e->type();
    if (type == readyWakeEventType()) {
        m_loop->m_wakePending = false;
    } else if (type != inboxWakeEventType()) {
        return QObject::event(e);
    }
    m_loop->runBatch();
    m_loop->afterBatch();
    return true;
}

void LoopDriver::timerEvent(QTimerEvent *e)
{
    if (e->timerId() != timer.timerId()) {
        QObject::timerEvent(e);
        return;
    }
    timer.stop();
    armedFor = std::chrono::nanoseconds(-1);
    m_loop->runBatch();
    m_loop->afterBatch();
}

LoopCore *runningLoopCore() noexcept
{
    return t_runningLoop;
}

LoopCore &requireRunningLoop()
{
    if (LoopCore *running = t_runningLoop)
        return *running;
    throw RuntimeError("no running event loop");
}

LoopCore &currentLoopCore()
{
    if (LoopCore *running = t_runningLoop)
        return *running;
    if (!g_policyLoopProvider)
        throw RuntimeError("no event loop policy is installed");
    return g_policyLoopProvider();
}

void setPolicyLoopProvider(LoopCore &(*provider)())
{
    g_policyLoopProvider = provider;
}

} // namespace detail

// ---- LoopCore -------------------------------------------------------------------------

LoopCore::LoopCore(EventLoop *eventLoop, ReactorBackend reactor)
    : m_eventLoop(eventLoop), m_ownerTag(detail::currentThreadTag()), m_driver(std::make_unique<detail::LoopDriver>(this))
{

    m_inbox = std::make_shared<detail::ThreadsafeInbox>(m_driver.get(), detail::LoopDriver::inboxWakeEventType());
    m_inboxHasWork = m_inbox->hasWorkFlag();
    m_debug = qEnvironmentVariableIntValue("QAIO_DEBUG") != 0;
    m_reactor = detail::Reactor::create(this, reactor);
    if (m_debug)
        qCDebug(lcQaioDebug, "event loop created, reactor %s", reactorBackendName(m_reactor->stats().backend));
}

LoopCore::~LoopCore()
{
    forgetRunning();
}

void LoopCore::forgetRunning() noexcept
{
    if (detail::t_runningLoop == this)
        detail::t_runningLoop = nullptr;
}

void LoopCore::throwClosed()
{
    throw RuntimeError("Event loop is closed");
}

void LoopCore::throwWrongThread()
{
    throw RuntimeError("Non-thread-safe operation invoked on an event loop other than the current one "
                       "(use callSoonThreadsafe() from other threads)");
}

void LoopCore::requireRunnable() const
{
    requireOpen();
    requireOwnerThread();
    if (isRunning())
        throw RuntimeError("This event loop is already running");
    if (detail::t_runningLoop && detail::t_runningLoop != this)
        throw RuntimeError("Cannot run the event loop while another loop is running");
    if (!QCoreApplication::instance())
        throw RuntimeError("EventLoop::runForever() needs a QCoreApplication (or QGuiApplication) instance");
}

void LoopCore::runForever()
{
    requireRunnable();
    QEventLoop qtLoop;
    LoopCore *previous = std::exchange(detail::t_runningLoop, this);
    m_activeQtLoop = &qtLoop;
    m_runLoopLevel = QThread::currentThread()->loopLevel() + 1;
    ++m_runDepth;
    postWake(); // at least one tick, so that stop() before runForever() is honoured
    qtLoop.exec();
    --m_runDepth;
    m_activeQtLoop = nullptr;
    m_runLoopLevel = 0;
    m_stopping = false;
    detail::t_runningLoop = previous;
}

void LoopCore::stop()
{
    m_stopping = true;
    if (!m_closed && !m_wakePending && detail::currentThreadTag() == m_ownerTag)
        postWake();
}

void LoopCore::closeCore()
{
    m_closed = true;
    for (detail::HandleImpl *h : m_inbox->close())
        h->deref();
    while (!m_ready.empty())
        m_ready.pop()->deref();
    m_timers.clear();
    for (detail::HandleImpl *h : m_parked)
        h->deref();
    m_parked.clear();
    // The reactor lets go of every descriptor at once, before the transports and servers
    // close theirs (no callbacks) and drop the self-references that kept them alive.
    removeAllSignalHandlers();
    m_reactor->shutDown();
    detail::LoopResource::closeAll(this);
    m_fdWatchers.clear();
    m_driver->timer.stop();
    if (m_debug)
        qCDebug(lcQaioDebug) << "event loop closed";
}

QObject *LoopCore::qtContext() const noexcept
{
    return m_driver.get();
}

void LoopCore::postWake()
{
    m_wakePending = true;
    m_driver->post(detail::LoopDriver::readyWakeEventType());
}

bool LoopCore::exitingRunForever() const
{
    // After stop() ended a tick, Qt may still deliver events it had already queued (a
    // second wake, a due timer) before exec() returns: asyncio runs nothing after that
    // tick. A nested Qt loop (QDialog::exec) inside runForever() keeps dispatching.
    const auto *qtLoop = static_cast<const QEventLoop *>(m_activeQtLoop);
    return qtLoop && !qtLoop->isRunning() && QThread::currentThread()->loopLevel() == m_runLoopLevel;
}

void LoopCore::runBatch()
{
    if (m_closed || exitingRunForever())
        return;
    LoopCore *previous = std::exchange(detail::t_runningLoop, this);
    if (m_batchDepth == 0)
        beginDispatch();
    ++m_batchDepth;
    m_stepStampValid = false;
    const bool virtualClock = m_clock && m_clock->isVirtual();
    // How long one Qt event may keep running ticks before Qt gets its turn again.
    const TimePoint sliceStart = steadyNow();
    for (unsigned ticks = 1;; ++ticks) {
        runTick();
        if (m_closed || (m_stopping && m_runDepth > 0) || exitingRunForever())
            break;
        const bool more = !m_ready.empty() || m_inbox->hasWork() || (virtualClock && hasReachableTimer());
        if (!more)
            break;
        if ((ticks & 15) == 0 && steadyNow() - sliceStart > detail::kDispatchTimeSlice)
            break;
    }
    m_stepStampValid = false;
    if (--m_batchDepth == 0)
        endDispatch();
    detail::t_runningLoop = previous;
}

void LoopCore::beginDispatch() noexcept
{
#if QAIO_INTROSPECTION
    ++m_dispatches;
    m_recentStampValid = false;
    if (m_introspection)
        m_dispatchBegin = time();
#endif
}

void LoopCore::endDispatch() noexcept
{
#if QAIO_INTROSPECTION
    m_recentStampValid = false;
    // An inspector attached during the dispatch sees it from the next one.
    if (m_introspection && m_dispatchBegin != TimePoint{})
        m_introspection->dispatched(m_dispatchBegin, time(), m_maxTimerLag);
    m_dispatchBegin = TimePoint{};
    m_maxTimerLag = Duration::zero();
#endif
}

void LoopCore::drainInbox()
{
    m_stepStampValid = false;
    std::vector<detail::HandleImpl *> pushed, released;
    m_inbox->drain(pushed, released);
    for (detail::HandleImpl *h : pushed)
        m_ready.push(h);
    for (detail::HandleImpl *h : released) {
        if (m_parked.erase(h))
            m_ready.push(h); // the parked reference moves to the ready queue
    }
}

void LoopCore::afterBatch()
{
    if (m_closed)
        return;
    if (m_stopping && m_runDepth > 0 && m_activeQtLoop) {
        m_stopping = false;
        static_cast<QEventLoop *>(m_activeQtLoop)->exit();
    }
    // A batch skipped while runForever() exits may leave threadsafe work undrained, and
    // its inbox wake already consumed: a ready wake picks it up later.
    if ((!m_ready.empty() || m_inbox->hasWork()) && !m_wakePending)
        postWake();
    armTimer();
}

void LoopCore::runOnce()
{
    requireOpen();
    requireOwnerThread();
    LoopCore *previous = std::exchange(detail::t_runningLoop, this);
    if (m_batchDepth == 0)
        beginDispatch();
    ++m_batchDepth;
    m_stepStampValid = false;
    runTick();
    m_stepStampValid = false;
    if (--m_batchDepth == 0)
        endDispatch();
    detail::t_runningLoop = previous;
    afterBatch();
}

void LoopCore::runTick()
{
    // Threadsafe callbacks that came before go ahead of the timers due now: asyncio appends
    // them to the ready deque as they arrive, and moves due timers at the tick's start.
    if (m_inbox->hasWork())
        drainInbox();
    if (!m_timers.empty())
        moveExpiredTimers();
    // Any callback of this tick may open a nested Qt loop (QDialog::exec()). That loop must
    // find the next tick's wake posted and the next deadline armed, or it serves neither
    // until it ends: a timer event stops Qt's timer before its batch runs.
    if (!m_ready.empty() && !m_wakePending)
        postWake();
    if (!m_timers.empty() && !m_driver->timer.isActive())
        armTimer();
    std::size_t todo = m_ready.size();
    const std::uint64_t generation = ++m_tickGeneration;
    while (todo-- > 0 && !m_ready.empty()) {
        detail::HandleImpl *h = m_ready.pop();
        if (!h->cancelled)
            runHandle(h);
        h->deref();
        if (m_tickGeneration != generation)
            break; // a nested Qt loop ran ticks of its own: the rest belongs to a later tick
    }
}

bool LoopCore::moveExpiredTimers()
{
    if (m_timers.empty())
        return false;
    if (m_timers.size() > detail::kMinScheduledTimersForPurge && m_timers.cancelledCount() * 2 > m_timers.size()) {
        m_timers.compact();
        m_stepStampValid = false;
    }
    while (!m_timers.empty() && m_timers.top()->cancelled)
        m_timers.pop()->deref();
    if (m_timers.empty())
        return false;
    TimePoint now = time();
    if (m_clock && m_clock->isVirtual() && m_ready.empty() && m_timers.top()->when > now && hasReachableTimer()) {
        m_clock->advanceTo(m_timers.top()->when);
        now = m_clock->now();
    }
    bool moved = false;
    while (!m_timers.empty()) {
        detail::HandleImpl *top = m_timers.top();
        if (top->cancelled) {
            m_timers.pop()->deref();
            continue;
        }
        if (top->when > now)
            break;
#if QAIO_INTROSPECTION
        const Duration lateness = detail::latenessOf(top->when, now);
        m_timerLag.add(lateness);
        m_maxTimerLag = std::max(m_maxTimerLag, lateness);
#endif
        m_ready.push(m_timers.pop()); // the heap's reference moves to the ready queue
        moved = true;
    }
#if QAIO_INTROSPECTION
    setRecentTime(now);
#endif
    return moved;
}

bool LoopCore::hasReachableTimer() const noexcept
{
    // A deadline that saturated at the clock's end (a delay of 1000 years, or infinite)
    // is never reached, not even by a virtual clock jumping ahead.
    return !m_timers.empty() && m_timers.size() > m_timers.cancelledCount() && m_timers.top()->when != TimePoint::max();
}

void LoopCore::runHandle(detail::HandleImpl *h) noexcept
{
    h->running = true;
#if QAIO_INTROSPECTION
    ++m_callbacksRun;
    const bool timed = (m_debug || m_introspection) && !h->isTaskStep; // a step times itself
#else
    const bool timed = m_debug;
#endif
    const TimePoint begin = timed ? time() : TimePoint{};
    if (!h->isTaskStep)
        m_stepStampValid = false;
    try {
        h->invoke();
    } catch (...) {
        detail::LoopError error;
        error.message = QStringLiteral("Exception in callback");
        error.exception = std::current_exception();
        error.handle = h;
        reportLoopError(error);
    }
    h->running = false;
    if (!h->isTaskStep) {
        m_stepStampValid = false;
        forgetRecentTime();
    }
    if (timed) {
        const Duration took = time() - begin;
#if QAIO_INTROSPECTION
        if (took >= m_slowCallbackDuration && m_introspection)
            m_introspection->slowCallback(*h, took);
#endif
        if (took >= m_slowCallbackDuration && m_debug) {
            h->ref();
            qCWarning(lcQaioDebug).noquote()
                << QStringLiteral("Executing %1 took %2 seconds")
                       .arg(Handle(h).describe())
                       .arg(std::chrono::duration<double>(took).count(), 0, 'f', 3);
        }
    }
    // A handle runs once: drop what the callback captured now, not when the last Handle
    // copy goes (a Handle kept in an ExceptionContext must not keep futures alive).
    h->releaseCallback();
}

TimerHandle LoopCore::scheduleTimer(detail::HandleImpl *h, TimePoint when)
{
    h->isTimer = true;
    h->when = when;
    h->sequence = ++m_timerSequence;
    m_timers.push(h); // the heap takes the initial reference
    h->ref();
    TimerHandle handle(h);
    // Arm now unless the armed deadline is already earlier: a callback may be about to
    // start a nested Qt loop, which must see this timer.
    if (m_clock && m_clock->isVirtual()) {
        if (!m_wakePending)
            postWake();
    } else if (!m_driver->timer.isActive() || when.time_since_epoch() < m_driver->armedFor) {
        armTimer();
    }
    return handle;
}

void LoopCore::armTimer()
{
    while (!m_timers.empty() && m_timers.top()->cancelled)
        m_timers.pop()->deref();
    if (m_timers.empty()) {
        if (m_driver->timer.isActive())
            m_driver->timer.stop();
        m_driver->armedFor = std::chrono::nanoseconds(-1);
        return;
    }
    if (m_clock && m_clock->isVirtual()) {
        if (!m_wakePending && hasReachableTimer())
            postWake();
        return;
    }
    const TimePoint deadline = m_timers.top()->when;
    if (m_driver->timer.isActive() && m_driver->armedFor == deadline.time_since_epoch())
        return;
    const Duration remaining = deadline - time();
    using Millis = std::chrono::duration<long long, std::milli>;
    long long ms = remaining.count() <= 0 ? 0 : std::chrono::ceil<Millis>(remaining).count();
    ms = std::min<long long>(ms, std::numeric_limits<int>::max());
    m_driver->timer.start(int(ms), Qt::PreciseTimer, m_driver.get());
    m_driver->armedFor = deadline.time_since_epoch();
}

void LoopCore::timerCancelled(detail::HandleImpl *) noexcept
{
    m_timers.noteCancelled();
}

void LoopCore::scheduleThreadsafe(detail::HandleImpl *h)
{
    if (!m_inbox->push(h)) {
        h->deref();
        throwClosed();
    }
}

void LoopCore::parkHandle(detail::HandleImpl *h)
{
    m_parked.insert(h);
}

void LoopCore::unparkAndDrop(detail::HandleImpl *h) noexcept
{
    if (m_parked.erase(h))
        h->deref();
}

void LoopCore::setClock(std::shared_ptr<Clock> clock)
{
    requireOwnerThread();
    if (m_timers.size() > m_timers.cancelledCount())
        throw RuntimeError("setClock(): timers are scheduled on the current clock");
    m_clock = std::move(clock);
}

std::size_t LoopCore::scheduledCallbackCount() const noexcept
{
    return m_ready.size() + (m_timers.size() - m_timers.cancelledCount());
}

} // namespace qaio
