// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/base/errors.h>
#include <qaio/base/qaioglobal.h>

#include <QtCore/QString>

// What every synchronization primitive (Lock, Event, ...) shares: its loop binding and
// how it describes itself.

namespace qaio {
class LoopCore;
}

namespace qaio::detail {

/*!
    asyncio's _LoopBoundMixin: a synchronization primitive belongs to the loop that first
    makes one of its callers wait, and refuses every other loop.
*/
class QAIO_EXPORT LoopBinding
{
public:
    /*! The running loop, bound on first use. Throws RuntimeError("no running event loop"),
        or RuntimeError("<describe()> is bound to a different event loop"). */
    template <class Describe>
    LoopCore &loop(Describe &&describe)
    {
        if (LoopCore *running = bindRunning())
            return *running;
        throw RuntimeError(describe() + QStringLiteral(" is bound to a different event loop"));
    }

private:
    /*! The running loop if this is (now) bound to it, else nullptr. */
    LoopCore *bindRunning();

    LoopCore *m_loop = nullptr;
};

/*! asyncio's repr() of a primitive: "<Lock 'name' [locked, waiters:2] created at f.cpp:12>". */
QAIO_EXPORT QString describePrimitive(const char *kind, const QString &name, const QString &state, qsizetype waiters,
                                      const SourceLocation &where);

} // namespace qaio::detail
