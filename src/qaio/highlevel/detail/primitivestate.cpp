// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/highlevel/detail/primitivestate.h>

namespace qaio::detail {

PrimitiveState::~PrimitiveState() = default;
AcquirableState::~AcquirableState() = default;

bool wakeFirstPending(WaiterLine &line)
{
    for (Future<void> &waiter : line) {
        if (!waiter.done()) {
            waiter.setResult();
            return true;
        }
    }
    return false;
}

void wakePending(WaiterLine &line, qsizetype n)
{
    for (auto it = line.begin(); n > 0 && it != line.end(); ++it) {
        if (!it->done()) {
            it->setResult();
            --n;
        }
    }
}

bool hasLiveWaiter(const WaiterLine &line)
{
    for (const Future<void> &waiter : line) {
        if (!waiter.cancelled())
            return true;
    }
    return false;
}

LoopCore *LoopBinding::bindRunning()
{
    LoopCore &running = requireRunningLoop();
    if (!m_loop)
        m_loop = &running;
    return m_loop == &running ? &running : nullptr;
}

QString describePrimitive(const char *kind, const QString &name, const QString &state, qsizetype waiters,
                          const SourceLocation &where)
{
    QString text = QStringLiteral("<") + QLatin1String(kind);
    if (!name.isEmpty())
        text += QStringLiteral(" '%1'").arg(name);
    text += QStringLiteral(" [") + state;
    if (waiters > 0)
        text += QStringLiteral(", waiters:%1").arg(waiters);
    return text + QStringLiteral("] created at %1:%2>").arg(QString::fromUtf8(where.file_name())).arg(where.line());
}

} // namespace qaio::detail
