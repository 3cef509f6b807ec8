// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/detail/loopresource_p.h>

#include <qaio/core/loopcore.h>

namespace qaio::detail {

LoopResource::LoopResource(LoopCore *loop) noexcept : m_resourceLoop(loop)
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

void LoopResource::closeAll(LoopCore *loop) noexcept
{
    while (LoopResource *r = loop->m_resources) {
        r->unlinkFromLoop();
        r->loopClosing();
    }
}

} // namespace qaio::detail
