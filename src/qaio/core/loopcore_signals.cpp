// Copyright (c) qaio authors. Licensed under the MIT license.
// The loop's Unix signal handlers (asyncio's add_signal_handler() and
// remove_signal_handler()): the OS part is platform/signalpipe_p.h; here, which loop
// handles which signal, and the callbacks scheduled when the self-pipe wakes the loop.
#include <qaio/core/loopcore.h>

#include <qaio/base/errors.h>
#include <qaio/core/detail/fdwatcher_p.h>
#include <qaio/platform/oserror.h>
#include <qaio/platform/signalpipe_p.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QThread>

#include <cerrno>
#include <csignal>

namespace qaio {

namespace {
// Signal dispositions are process-wide: one loop handles them at a time. Only the main
// thread touches this.
LoopCore *g_signalLoop = nullptr;
} // namespace

void LoopCore::requireValidSignal(int signum, const char *operation) const
{
    if (!detail::sys::isValidSignal(signum))
        throw ValueError(QStringLiteral("%1(): signum: invalid signal number %2").arg(QLatin1String(operation)).arg(signum));
}

void LoopCore::addSignalHandler(int signum, std::function<void()> callback)
{
    installSignal(signum, std::move(callback), false, nullptr);
}

void LoopCore::installSignal(int signum, std::function<void()> callback, bool oneShot, const void *owner)
{
    if (!callback)
        throw ValueError("addSignalHandler(): callback is empty");
    requireValidSignal(signum, "addSignalHandler");
    requireOpen();
    requireOwnerThread();
    const QCoreApplication *app = QCoreApplication::instance();
    if (app && QThread::currentThread() != app->thread())
        throw RuntimeError("addSignalHandler(): signal handlers can only be added from the main thread");
    if (g_signalLoop && g_signalLoop != this)
        throw RuntimeError("addSignalHandler(): another event loop handles signals in this process; "
                           "close it or remove its handlers first");
    int error = 0;
    const qintptr pipe = detail::sys::signalPipeReadEnd(error);
    if (error == ENOSYS)
        throw NotImplementedError("addSignalHandler(): this platform has no Unix signals");
    if (pipe < 0)
        throwOSError(error, QStringLiteral("addSignalHandler(): cannot create the signal pipe"));
    if (const int failed = detail::sys::installSignalHandler(signum, oneShot)) {
        if (failed == EINVAL)
            throw RuntimeError(QStringLiteral("addSignalHandler(): sig %1 cannot be caught").arg(signum));
        if (failed == ENOSYS)
            throw NotImplementedError("addSignalHandler(): this platform has no Unix signals");
        throwOSError(failed, QStringLiteral("addSignalHandler(): signal %1").arg(signum));
    }
    if (m_signalHandlers.empty()) {
        watcherFor(pipe, "addSignalHandler").setReader([this] { dispatchSignals(); });
        g_signalLoop = this;
    }
    m_signalHandlers[signum] = SignalHandler{std::move(callback), owner};
}

namespace detail {

bool handleInterruptOnce(LoopCore &loop, std::function<void()> callback, const void *owner) noexcept
{
    // asyncio.Runner installs its handler only over Python's default one.
    if (!sys::isValidSignal(SIGINT) || !sys::hasDefaultDisposition(SIGINT) || loop.isClosed()
        || (g_signalLoop && g_signalLoop != &loop) || loop.m_signalHandlers.count(SIGINT))
        return false;
    try {
        loop.installSignal(SIGINT, std::move(callback), true, owner);
        return true;
    } catch (...) {
        return false; // not the main thread, no signals here: Ctrl+C keeps its default
    }
}

void stopHandlingInterrupt(LoopCore &loop, const void *owner) noexcept
{
    const auto it = loop.m_signalHandlers.find(SIGINT);
    if (it == loop.m_signalHandlers.end() || it->second.owner != owner || loop.isClosed())
        return;
    try {
        loop.removeSignalHandler(SIGINT);
    } catch (...) {
        qCWarning(lcQaio, "could not put SIGINT's default disposition back");
    }
}

} // namespace detail

bool LoopCore::removeSignalHandler(int signum)
{
    requireValidSignal(signum, "removeSignalHandler");
    const auto it = m_signalHandlers.find(signum);
    if (it == m_signalHandlers.end())
        return false;
    m_signalHandlers.erase(it);
    if (const int failed = detail::sys::restoreSignalHandler(signum))
        throwOSError(failed, QStringLiteral("removeSignalHandler(): signal %1").arg(signum));
    if (m_signalHandlers.empty()) {
        int error = 0;
        const qintptr pipe = detail::sys::signalPipeReadEnd(error);
        if (pipe >= 0 && !m_closed)
            removeWatcher(pipe, true);
        g_signalLoop = nullptr;
    }
    return true;
}

void LoopCore::dispatchSignals()
{
    detail::sys::drainSignalPipe();
    // asyncio's _handle_signal(): each handler runs as a callback of the next tick.
    for (const auto &[signum, handler] : m_signalHandlers) {
        if (detail::sys::takeArrivedSignal(signum))
            callSoon(handler.callback);
    }
}

void LoopCore::removeAllSignalHandlers() noexcept
{
    for (const auto &entry : m_signalHandlers)
        detail::sys::restoreSignalHandler(entry.first);
    m_signalHandlers.clear();
    if (g_signalLoop == this)
        g_signalLoop = nullptr;
}

} // namespace qaio
