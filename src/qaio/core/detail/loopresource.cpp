// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/detail/loopresource_p.h>

#include <qaio/core/loopcore.h>

#include <atomic>

namespace qaio::detail {

namespace {
std::atomic<std::uint64_t> s_nextResourceId{1};
} // namespace

LoopResource::LoopResource(LoopCore *loop) noexcept
    : m_resourceLoop(loop), m_resourceId(s_nextResourceId.fetch_add(1, std::memory_order_relaxed))
{
    m_next = loop->m_resources;
    if (m_next)
        m_next->m_prev = this;
    loop->m_resources = this;
    m_linked = true;
}

LoopResource::~LoopResource()
{
    unlinkFromLoop();
}

void LoopResource::unlinkFromLoop() noexcept
{
    if (!m_linked)
        return;
    m_linked = false;
    if (m_prev)
        m_prev->m_next = m_next;
    else
        m_resourceLoop->m_resources = m_next;
    if (m_next)
        m_next->m_prev = m_prev;
    m_prev = m_next = nullptr;
}

void LoopResource::describeResource(ResourceInfo &info) const
{
    info.kind = QStringLiteral("resource");
}

void LoopResource::closeAll(LoopCore *loop) noexcept
{
    while (LoopResource *r = loop->m_resources) {
        r->unlinkFromLoop();
        r->loopClosing();
    }
}

} // namespace qaio::detail
