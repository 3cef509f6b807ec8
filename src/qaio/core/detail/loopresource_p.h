// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/base/qaioglobal.h>
#include <qaio/core/loopcore.h>
#include <qaio/core/resourceinfo.h>

#include <cstdint>

namespace qaio {
class LoopCore;
}

namespace qaio::detail {

/*!
    Something the loop keeps alive on its own: an open transport, a server not closed yet.
    Such objects hold a strong reference to themselves until they are done (a transport
    until connectionLost() has returned, a server until close()), so a user may drop every
    handle to them and they keep working, like asyncio's transports referenced by the
    selector. The loop must still be able to break those self-references: close()
    (and so ~EventLoop) calls loopClosing() on every resource still registered, which
    closes its descriptors without running callbacks and drops the self-reference.

    The list is intrusive (no allocation per transport) and only touched on the loop's
    thread.
*/
class QAIO_EXPORT LoopResource
{
public:
    explicit LoopResource(LoopCore *loop) noexcept;
    LoopResource(const LoopResource &) = delete;
    LoopResource &operator=(const LoopResource &) = delete;
    virtual ~LoopResource();

    /*! Leaves the loop's list (idempotent). */
    void unlinkFromLoop() noexcept;
    bool isLinked() const noexcept { return m_linked; }

    /*! Called by EventLoop::close(): every resource is unlinked, then loopClosing() runs.
        It may destroy the resource (by dropping its self-reference). */
    static void closeAll(LoopCore *loop) noexcept;

    /*! Unique in the process, from 1 in creation order. */
    std::uint64_t resourceId() const noexcept { return m_resourceId; }
    /*! Fills what the inspector shows (id is set already). */
    virtual void describeResource(ResourceInfo &info) const;
    /*! Every resource of \a loop, oldest last. */
    template <class F>
    static void forEach(const LoopCore &loop, F &&visit);
    LoopResource *nextResource() const noexcept { return m_next; }

protected:
    /*! The loop is closing: release descriptors, run no callback, drop self-references. */
    virtual void loopClosing() noexcept = 0;

    LoopCore *m_resourceLoop;

private:
    LoopResource *m_prev = nullptr;
    LoopResource *m_next = nullptr;
    std::uint64_t m_resourceId;
    bool m_linked = false;
};

template <class F>
void LoopResource::forEach(const LoopCore &loop, F &&visit)
{
    for (LoopResource *r = loop.m_resources; r; r = r->m_next)
        visit(*r);
}

} // namespace qaio::detail
