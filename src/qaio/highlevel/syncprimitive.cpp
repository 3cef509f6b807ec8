// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/highlevel/syncprimitive.h>

#include <qaio/highlevel/detail/primitivestate.h>

namespace qaio {

SyncPrimitive::~SyncPrimitive() = default;

QString SyncPrimitive::name() const
{
    return m_state->name;
}

SourceLocation SyncPrimitive::where() const
{
    return m_state->where;
}

qsizetype SyncPrimitive::waiterCount() const noexcept
{
    return m_state->waiterCount();
}

QString SyncPrimitive::describe() const
{
    return m_state->describe();
}

} // namespace qaio
