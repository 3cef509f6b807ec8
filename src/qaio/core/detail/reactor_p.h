// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// The reactor: the one place that knows how the loop learns that descriptors are ready.
// Its contract is written in docs/architecture.md ("The reactor"); in short:
// - FdWatcher (fdwatcher_p.h) keeps the callbacks and decides what a descriptor is
//   watched for; it calls watch() only when that changes, and forget() when it goes.
// - A back-end delivers readiness by calling FdWatcher::dispatch() with the directions
//   that are ready, reader first. It never delivers an event to a watcher that stopped
//   watching that descriptor, nor to a newer watcher of a reused descriptor number.
// - Callbacks may add, change and remove watchers (their own included) while a batch is
//   being dispatched, and may open nested Qt loops, in which the reactor dispatches again.

#include <qaio/base/clock.h>
#include <qaio/core/reactor.h>

#include <chrono>
#include <cstdint>
#include <memory>

namespace qaio {
class LoopCore;
}

namespace qaio::detail {

class FdWatcher;
struct FdNotifiers;

/*! How long one activation may dispatch before giving Qt its turn (shared with the
    loop's ticks, so neither callbacks nor I/O starve Qt's own events). */
inline constexpr Duration kDispatchTimeSlice = std::chrono::milliseconds(2);

/*! What a reactor records in each watcher (FdWatcher::reactorSlot()). */
struct ReactorSlot
{
    unsigned watched = 0;                  // sys::ReadinessBits the back-end watches now
    std::uint64_t token = 0;               // kernel-set registration: generation << 32 | fd
    std::unique_ptr<FdNotifiers> notifiers; // Qt back-end, or a kernel set's refused descriptor
    bool viaNotifiers = false;             // a kernel-set reactor handed this one to notifiers

    ReactorSlot();
    ~ReactorSlot();
};

class Reactor
{
public:
    /*! The back-end \a requested (Default: QAIO_REACTOR, else the platform's fastest).
        Throws RuntimeError if \a requested is not available on this platform. */
    static std::unique_ptr<Reactor> create(LoopCore *loop, ReactorBackend requested);

    explicit Reactor(LoopCore *loop) : m_loop(loop) {}
    virtual ~Reactor() = default;
    Reactor(const Reactor &) = delete;
    Reactor &operator=(const Reactor &) = delete;

    /*! Makes the back-end watch \a watcher's descriptor for \a interest (ReadinessBits)
        instead of what its slot records. Growing interest throws OSError for a descriptor
        that cannot be watched (closed: EBADF). With \a revalidate, an unchanged interest is
        confirmed with the kernel (a callback replaced on a descriptor number that may
        belong to a new file since). Losing interest never throws. */
    virtual void watch(FdWatcher &watcher, unsigned interest, bool revalidate = false) = 0;
    /*! \a watcher is being destroyed: stop watching its descriptor; never throws. */
    virtual void forget(FdWatcher &watcher) noexcept = 0;
    /*! The loop closes: release the kernel set and the notifiers at once. */
    virtual void shutDown() noexcept = 0;
    virtual ReactorStats stats() const noexcept = 0;

protected:
    // Dispatching a batch of events counts as one batch of the loop: the running loop is
    // set once and the loop's after-batch work (wake-ups, the timer) runs once at its end.
    // Returns the loop that was running before, for endBatch().
    LoopCore *beginBatch() noexcept;
    void endBatch(LoopCore *previous) noexcept;

    LoopCore *m_loop;
};

} // namespace qaio::detail
