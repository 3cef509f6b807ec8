// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop's introspection: its own Inspector and the opt-in remote serving of it
// (QAIO_INSPECT=NAME), see inspect/.
#include <qaio/loop/eventloop.h>

#include <QtCore/QCoreApplication>

#include <atomic>

namespace qaio {

Inspector &EventLoop::inspector()
{
    if (!m_inspector)
        m_inspector = std::make_unique<Inspector>(*this);
    return *m_inspector;
}

RemoteInspector &EventLoop::serveInspector(const QString &name, const RemoteInspectorOptions &options)
{
    requireOpen();
    requireOwnerThread();
    m_remoteInspector.reset(); // the name may be the same: free the socket first
    m_remoteInspector = std::make_unique<RemoteInspector>(inspector(), name, options);
    return *m_remoteInspector;
}

void EventLoop::stopServingInspector() noexcept
{
    m_remoteInspector.reset();
}

void EventLoop::serveInspectorFromEnvironment() noexcept
{
    // The first loop of the program: its main loop, in every program we know.
    static std::atomic<bool> traced{false};
    const QString traceFile = qEnvironmentVariable("QAIO_TRACE");
    if (!traceFile.isEmpty() && !traced.exchange(true)) {
        try {
            inspector().startTrace();
            m_traceFile = traceFile;
        } catch (const std::exception &e) {
            qCWarning(lcQaio).noquote() << QStringLiteral("QAIO_TRACE=%1: %2").arg(traceFile, QString::fromUtf8(e.what()));
        }
    }
    static std::atomic<bool> served{false};
    const QString name = qEnvironmentVariable("QAIO_INSPECT");
    if (name.isEmpty() || served.exchange(true))
        return;
    if (!QCoreApplication::instance()) {
        qCWarning(lcQaio, "QAIO_INSPECT is set but the first EventLoop was made before the QCoreApplication: "
                          "not serving the inspector");
        return;
    }
    try {
        serveInspector(name);
    } catch (const std::exception &e) {
        qCWarning(lcQaio).noquote() << QStringLiteral("QAIO_INSPECT=%1: %2").arg(name, QString::fromUtf8(e.what()));
    }
}

void EventLoop::dropInspector() noexcept
{
    m_remoteInspector.reset();
    if (m_inspector && !m_traceFile.isEmpty()) {
        try {
            m_inspector->writeTrace(m_traceFile);
            qCInfo(lcQaio).noquote() << QStringLiteral("QAIO_TRACE: trace written to %1").arg(m_traceFile);
        } catch (const std::exception &e) {
            qCWarning(lcQaio).noquote() << QString::fromUtf8(e.what());
        }
    }
    m_inspector.reset();
}

} // namespace qaio
