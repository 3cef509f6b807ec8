// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// Helpers shared by the transport, connection and server suites (tst_transport*,
// tst_connection*, tst_server*): protocols that record what happens to them, and a way
// to run the loop until a condition holds, woken by the protocols' callbacks (no
// polling, no sleeps).

#include "exceptionchecks.h"
#include "loopguard.h"
#include "messagecapture.h"
#include "netsock_helpers.h"
#include "patternbytes.h"

#include <qaio/qaio.h>

#include <QtCore/QByteArray>
#include <QtCore/QDir>
#include <QtCore/QStringList>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QHostAddress>

#include <functional>
#include <memory>
#include <vector>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace nettest {

/*! Called after every recorded event; runUntil() installs the check it waits for. */
inline std::function<void()> &pokeHook()
{
    static std::function<void()> hook;
    return hook;
}

inline void poke()
{
    if (pokeHook())
        pokeHook()();
}

/*! Runs the loop until \a pred() holds, re-checking after every protocol event (and every
    exception-handler call, see watchHandler()). */
template <class Pred>
void runUntil(qaio::EventLoop &loop, Pred pred)
{
    if (pred())
        return;
    qaio::Future<void> reached = loop.createFuture<void>();
    pokeHook() = [&] {
        if (!reached.done() && pred())
            reached.setResult();
    };
    loop.runUntilComplete(reached);
    pokeHook() = nullptr;
}

/*! Runs \a awaitable to completion and returns the message of the \a E it throws;
    "NO EXCEPTION" or "WRONG EXCEPTION: ..." otherwise, so a QCOMPARE shows what happened. */
template <class E, class Awaitable>
QString expectThrow(qaio::EventLoop &loop, Awaitable &&awaitable)
{
    try {
        loop.runUntilComplete(std::forward<Awaitable>(awaitable));
    } catch (const E &e) {
        return QString::fromUtf8(e.what());
    } catch (const std::exception &e) {
        return QStringLiteral("WRONG EXCEPTION: %1").arg(QString::fromUtf8(e.what()));
    }
    return QStringLiteral("NO EXCEPTION");
}

/*! One loop iteration for the awaiting task (qaio::sleep(0) as a Coro). */
QAIO_CORO_NO_SANITIZE_FUNCTION inline qaio::Coro<void> yieldOnce()
{
    co_await qaio::sleep(0);
}

/*! Makes exception-handler calls poke runUntil() too (keeps LoopGuard's handler). */
inline void watchHandler(qaio::EventLoop &loop)
{
    qaio::ExceptionHandler previous = loop.getExceptionHandler();
    loop.setExceptionHandler([previous](qaio::EventLoop &l, const qaio::ExceptionContext &context) {
        if (previous)
            previous(l, context);
        poke();
    });
}

/*! What happened to one protocol; outlives it (the transport owns the protocol). */
struct Trace
{
    QStringList events; // "made", "data", "eof", "pause", "resume", "lost"
    QByteArray received;
    std::exception_ptr lostError;
    std::weak_ptr<qaio::Transport> transport;
    int made = 0;
    int eofs = 0;
    int lost = 0;
    int pauses = 0;
    int resumes = 0;
    bool protocolDestroyed = false;

    std::shared_ptr<qaio::Transport> transportPtr() const { return transport.lock(); }
    /*! The events with consecutive "data" entries merged. */
    QStringList compact() const
    {
        QStringList out;
        for (const QString &e : events)
            if (out.isEmpty() || e != QLatin1String("data") || out.back() != QLatin1String("data"))
                out << e;
        return out;
    }
};
using TraceList = std::shared_ptr<std::vector<std::shared_ptr<Trace>>>;

/*! A Protocol that records everything into its Trace; optional hooks add behaviour. */
class TraceProtocol : public qaio::Protocol
{
public:
    explicit TraceProtocol(std::shared_ptr<Trace> trace = std::make_shared<Trace>()) : trace(std::move(trace)) {}
    ~TraceProtocol() override
    {
        trace->protocolDestroyed = true;
        poke();
    }

    void connectionMade(qaio::BaseTransport &t) override
    {
        transport = qaio::StreamProtocolBase::transport();
        if (static_cast<qaio::BaseTransport *>(transport) != &t)
            qFatal("Protocol::transport() is not the transport that called connectionMade()");
        trace->transport = std::shared_ptr<qaio::Transport>(t.shared_from_this(), transport);
        trace->events << QStringLiteral("made");
        ++trace->made;
        if (onMade)
            onMade(*this);
        poke();
    }
    void dataReceived(QByteArrayView data) override
    {
        trace->events << QStringLiteral("data");
        trace->received.append(data);
        if (onData)
            onData(*this, data);
        poke();
    }
    bool eofReceived() override
    {
        trace->events << QStringLiteral("eof");
        ++trace->eofs;
        if (onEof)
            onEof(*this);
        poke();
        return keepOpenOnEof;
    }
    void pauseWriting() override
    {
        trace->events << QStringLiteral("pause");
        ++trace->pauses;
        if (onPause)
            onPause(*this);
        poke();
    }
    void resumeWriting() override
    {
        trace->events << QStringLiteral("resume");
        ++trace->resumes;
        if (onResume)
            onResume(*this);
        poke();
    }
    void connectionLost(std::exception_ptr error) override
    {
        trace->events << QStringLiteral("lost");
        ++trace->lost;
        trace->lostError = error;
        if (onLost)
            onLost(*this);
        poke();
    }

    std::shared_ptr<Trace> trace;
    qaio::Transport *transport = nullptr; // valid for this protocol's whole life
    bool keepOpenOnEof = false;
    std::function<void(TraceProtocol &)> onMade;
    std::function<void(TraceProtocol &, QByteArrayView)> onData;
    std::function<void(TraceProtocol &)> onEof;
    std::function<void(TraceProtocol &)> onPause;
    std::function<void(TraceProtocol &)> onResume;
    std::function<void(TraceProtocol &)> onLost;
};

/*! Echoes what it receives; closes on EOF (records into its Trace as well). */
class EchoProtocol : public TraceProtocol
{
public:
    using TraceProtocol::TraceProtocol;
    void dataReceived(QByteArrayView data) override
    {
        TraceProtocol::dataReceived(data);
        transport->write(data);
    }
};

/*! A BufferedProtocol with a deliberately small buffer: many reads per message. */
class SmallBufferProtocol : public qaio::BufferedProtocol
{
public:
    explicit SmallBufferProtocol(std::shared_ptr<Trace> trace) : trace(std::move(trace)) {}
    void connectionMade(qaio::BaseTransport &t) override
    {
        trace->transport = std::dynamic_pointer_cast<qaio::Transport>(t.shared_from_this());
        trace->events << QStringLiteral("made");
        ++trace->made;
        poke();
    }
    std::span<char> getBuffer(qsizetype sizeHint) override
    {
        lastHint = sizeHint;
        ++getBufferCalls;
        return std::span<char>(buffer, sizeof(buffer));
    }
    void bufferUpdated(qsizetype n) override
    {
        trace->events << QStringLiteral("data");
        trace->received.append(buffer, n);
        poke();
    }
    bool eofReceived() override
    {
        trace->events << QStringLiteral("eof");
        ++trace->eofs;
        poke();
        return false;
    }
    void connectionLost(std::exception_ptr error) override
    {
        trace->events << QStringLiteral("lost");
        ++trace->lost;
        trace->lostError = error;
        poke();
    }
    std::shared_ptr<Trace> trace;
    char buffer[7];
    qsizetype lastHint = 0;
    int getBufferCalls = 0;
};

/*! A factory of \a P recording each Trace into \a traces (for server-side protocols). */
template <class P = TraceProtocol>
auto recordingFactory(const TraceList &traces, std::function<void(P &)> setup = {})
{
    return [traces, setup]() {
        auto trace = std::make_shared<Trace>();
        traces->push_back(trace);
        auto protocol = std::make_unique<P>(trace);
        if (setup)
            setup(*protocol);
        return protocol;
    };
}

inline TraceList makeTraceList()
{
    return std::make_shared<std::vector<std::shared_ptr<Trace>>>();
}

using qaiotest::patternBytes;

using netsock::ipv6LoopbackAvailable;

inline void setIntOption(qintptr fd, int level, int name, int value)
{
    ::setsockopt(int(fd), level, name, &value, sizeof(value));
}

inline int intOption(qintptr fd, int level, int name)
{
    int value = 0;
    socklen_t length = sizeof(value);
    ::getsockopt(int(fd), level, name, &value, &length);
    return value;
}

/*! A listener whose accept queue is full and never drained: a connect to it stays pending
    (Linux drops the SYN), the local stand-in for an address that never answers. */
struct BlackHole
{
    qaio::Socket listener;
    std::vector<qaio::Socket> fillers;
    qaio::SocketAddress address;

    explicit BlackHole(qaio::EventLoop &loop)
    {
        listener = qaio::Socket(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
        listener.bind({QHostAddress(QHostAddress::LocalHost), 0});
        listener.listen(0);
        address = listener.localAddress();
        // backlog 0 admits one connection into the queue: fill it.
        qaio::Socket filler(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
        loop.runUntilComplete(loop.sockConnect(filler, address));
        fillers.push_back(std::move(filler));
    }
};

/*! A TCP port on 127.0.0.1 where nothing listens (kept bound so nobody else takes it). */
struct RefusingPort
{
    qaio::Socket holder;
    quint16 port = 0;
    RefusingPort()
    {
        holder = qaio::Socket(qaio::AddressFamily::IPv4, qaio::SocketType::Stream);
        holder.bind({QHostAddress(QHostAddress::LocalHost), 0});
        port = holder.localAddress().port();
    }
};

inline qaio::AddrInfo addrInfo(const qaio::SocketAddress &address)
{
    qaio::AddrInfo info;
    info.family = address.family();
    info.type = qaio::SocketType::Stream;
    info.address = address;
    return info;
}

using qaiotest::exceptionMessage;
using qaio::holds;

using qaiotest::MessageCapture;

} // namespace nettest
