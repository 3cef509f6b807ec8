// Copyright (c) qaio authors. Licensed under the MIT license.
// Choosing the loop's reactor, and what every back-end shares (core/detail/reactor_p.h).
#include <qaio/core/reactor.h>

#include <qaio/base/errors.h>
#include <qaio/core/detail/notifierreactor_p.h>
#include <qaio/core/detail/pollerreactor_p.h>
#include <qaio/core/loopcore.h>
#include <qaio/platform/oserror.h>
#include <qaio/platform/readinesspoller_p.h>

#include <QtCore/QLoggingCategory>

#include <cstring>
#include <utility>

namespace qaio {

namespace detail {
LoopCore *&runningLoopSlot() noexcept; // loopcore.cpp
}

const char *reactorBackendName(ReactorBackend backend) noexcept
{
    switch (backend) {
    case ReactorBackend::Default:
        return "default";
    case ReactorBackend::Qt:
        return "qt";
    case ReactorBackend::Epoll:
        return "epoll";
    case ReactorBackend::Kqueue:
        return "kqueue";
    }
    return "unknown";
}

namespace detail {

namespace {

/*! The kernel-set back-end of this platform, or Qt where there is none. */
ReactorBackend nativeBackend() noexcept
{
    const char *mechanism = sys::ReadinessPoller::mechanism();
    if (!mechanism)
        return ReactorBackend::Qt;
    return std::strcmp(mechanism, "epoll") == 0 ? ReactorBackend::Epoll : ReactorBackend::Kqueue;
}

ReactorBackend fromEnvironment(ReactorBackend native)
{
    const QByteArray wanted = qgetenv("QAIO_REACTOR").trimmed().toLower();
    if (wanted.isEmpty() || wanted == "default")
        return native;
    if (wanted == "qt")
        return ReactorBackend::Qt;
    if (native != ReactorBackend::Qt && wanted == reactorBackendName(native))
        return native;
    qCWarning(lcQaio, "QAIO_REACTOR=%s: not a reactor of this platform (qt%s%s); using %s", wanted.constData(),
              native != ReactorBackend::Qt ? ", " : "", native != ReactorBackend::Qt ? reactorBackendName(native) : "",
              reactorBackendName(native));
    return native;
}

} // namespace

std::unique_ptr<Reactor> Reactor::create(LoopCore *loop, ReactorBackend requested)
{
    const ReactorBackend native = nativeBackend();
    const ReactorBackend chosen = requested == ReactorBackend::Default ? fromEnvironment(native) : requested;
    if (chosen != ReactorBackend::Qt) {
        if (chosen != native)
            throw RuntimeError(QStringLiteral("EventLoop(): reactor: %1 is not available on this platform")
                                   .arg(QLatin1String(reactorBackendName(chosen))));
        auto reactor = std::make_unique<PollerReactor>(loop, chosen);
        const int error = reactor->open();
        if (error == 0)
            return reactor;
        if (requested != ReactorBackend::Default)
            throwOSError(error, QStringLiteral("EventLoop(): cannot create the %1 set")
                                    .arg(QLatin1String(reactorBackendName(chosen))));
        qCWarning(lcQaio, "cannot create the %s set (%s); watching descriptors with Qt's notifiers",
                  reactorBackendName(chosen), std::strerror(error));
    }
    return std::make_unique<NotifierReactor>(loop);
}

LoopCore *Reactor::beginBatch() noexcept
{
    if (m_loop->m_batchDepth == 0)
        m_loop->beginDispatch();
    ++m_loop->m_batchDepth;
    return std::exchange(runningLoopSlot(), m_loop);
}

void Reactor::endBatch(LoopCore *previous) noexcept
{
    runningLoopSlot() = previous;
    if (--m_loop->m_batchDepth == 0) {
        m_loop->endDispatch();
        m_loop->afterBatch();
    }
}

} // namespace detail

} // namespace qaio
