// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file reactor.h
    How an event loop learns that descriptors are ready, and what that has cost so far.

    Every descriptor a loop watches (addReader(), addWriter(), the sock*() waits, the
    transports and servers) goes through the loop's reactor. Two back-ends exist:

    - \c ReactorBackend::Epoll (Linux) and \c ReactorBackend::Kqueue (macOS, the BSDs):
      one kernel readiness set holding every watched descriptor, behind ONE
      QSocketNotifier. Qt's dispatcher polls one descriptor however many connections the
      application holds, and the loop dispatches only the descriptors that are ready.
    - \c ReactorBackend::Qt: one QSocketNotifier per descriptor and direction. Portable
      (Windows uses it), but Qt's dispatchers scan every notifier on every wake-up.

    \c ReactorBackend::Default picks the fastest the platform has, unless the environment
    variable \c QAIO_REACTOR says \c qt, \c epoll or \c kqueue. Descriptors a kernel set
    refuses (regular files: epoll answers EPERM) are watched through a QSocketNotifier of
    their own; they are always readable, as with asyncio's selectors.

    \code
    qaio::EventLoop loop(qaio::ReactorBackend::Qt);   // or the default: qaio::EventLoop loop;
    const qaio::ReactorStats s = loop.reactorStats();
    qDebug() << qaio::reactorBackendName(s.backend) << s.watchedDescriptors << s.eventsPerWakeup();
    \endcode
*/

#include <qaio/base/qaioglobal.h>

#include <cstddef>
#include <cstdint>

namespace qaio {

enum class ReactorBackend {
    Default, //!< the fastest this platform has, or what QAIO_REACTOR names
    Qt,      //!< one QSocketNotifier per descriptor and direction
    Epoll,   //!< Linux: one epoll descriptor behind one QSocketNotifier
    Kqueue,  //!< macOS and the BSDs: one kqueue behind one QSocketNotifier (untested here)
};

/*! "qt", "epoll", "kqueue" (the values QAIO_REACTOR accepts), or "default". */
QAIO_EXPORT const char *reactorBackendName(ReactorBackend backend) noexcept;

/*! Figures of a loop's reactor since the loop was made (EventLoop::reactorStats()). */
struct ReactorStats
{
    ReactorBackend backend = ReactorBackend::Qt; //!< the back-end in use, never Default
    std::size_t watchedDescriptors = 0;          //!< descriptors with a reader or a writer now
    std::size_t fallbackDescriptors = 0;         //!< of those, watched by a notifier of their own
    std::uint64_t wakeups = 0;                   //!< activations by Qt's dispatcher
    std::uint64_t eventsDispatched = 0;          //!< readiness events handed to callbacks
    std::uint64_t interestChanges = 0;           //!< kernel-set changes, or notifiers made or toggled

    double eventsPerWakeup() const noexcept { return wakeups ? double(eventsDispatched) / double(wakeups) : 0.0; }
};

} // namespace qaio
