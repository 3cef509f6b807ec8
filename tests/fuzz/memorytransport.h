// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// What the TLS fuzz targets share: a process-wide loop, certificates made once, and a
// transport in memory under the TLS protocol (no socket: each input is fed straight to
// dataReceived(), and what TLS writes is collected), so an input costs microseconds.

#include "../auto/tls/testpki.h"

#include <qaio/loop/eventloop.h>
#include <qaio/tls/detail/sslprotocol_p.h>
#include <qaio/tls/sslcontext.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QTemporaryDir>

#include <algorithm>
#include <cstdint>
#include <memory>

namespace fuzz {

struct Environment
{
    int argc = 1;
    char name[8] = "fuzzer";
    char *argv[2] = {name, nullptr};
    QCoreApplication app{argc, argv};
    QTemporaryDir dir;
    tlstest::Pki pki = tlstest::makePki(dir.path());
    qaio::EventLoop loop;
    qaio::SslContext server{qaio::SslRole::Server};
    qaio::SslContext client{qaio::SslRole::Client};

    Environment()
    {
        loop.setExceptionHandler([](qaio::EventLoop &, const qaio::ExceptionContext &) {});
        server.loadCertChain(pki.serverCert, pki.serverKey);
        client.loadVerifyLocations(pki.caCert);
        client.setSessionResumption(false); // every input starts from a full handshake

    }

    /*! Runs what the input scheduled (the application's connectionLost()). */
    void drain()
    {
        qaio::Future<void> done = loop.createFuture<void>();
        loop.callSoon([&done] { done.setResult(); }); // after what is already scheduled
        loop.runUntilComplete(done);
    }

    static Environment &get()
    {
        static Environment *environment = new Environment; // lives as long as the process
        return *environment;
    }
};

/*! Reads whatever TLS delivers; answers each chunk, so writing is exercised too. */
class SinkProtocol final : public qaio::Protocol
{
public:
    void connectionMade(qaio::BaseTransport &) override { made = true; }
    void dataReceived(QByteArrayView data) override
    {
        if (!data.isEmpty())
            transport()->write(data.first(1));
    }
    bool made = false;
};

/*! The plain transport, in memory. */
class MemoryTransport final : public qaio::Transport
{
public:
    void close() override { closing = true; }
    bool isClosing() const override { return closing; }
    void setProtocol(std::unique_ptr<qaio::BaseProtocol> p) override { owned = std::move(p); }
    qaio::BaseProtocol *protocol() const override { return owned.get(); }
    bool isReading() const override { return reading; }
    void pauseReading() override { reading = false; }
    void resumeReading() override { reading = true; }
    void setWriteBufferLimits(std::optional<qsizetype> high, std::optional<qsizetype> low) override
    {
        limits = {low.value_or(0), high.value_or(0)};
    }
    qaio::WriteBufferLimits writeBufferLimits() const override { return limits; }
    qsizetype writeBufferSize() const override { return 0; }
    void write(QByteArrayView data) override { written.append(data); }
    void write(const QByteArray &data) override { written.append(data); }
    void writelines(const QList<QByteArray> &data) override
    {
        for (const QByteArray &chunk : data)
            written.append(chunk);
    }
    void writelines(std::span<const QByteArrayView> data) override
    {
        for (QByteArrayView chunk : data)
            written.append(chunk);
    }
    bool canWriteEof() const override { return true; }
    void writeEof() override {}
    void abort() override { closing = true; }

    qaio::detail::SslProtocol &tls() const { return static_cast<qaio::detail::SslProtocol &>(*owned); }

    std::unique_ptr<qaio::BaseProtocol> owned; // the TLS protocol
    QByteArray written;
    qaio::WriteBufferLimits limits;
    bool closing = false;
    bool reading = true;
};

/*! A transport with the TLS protocol of \a context on it, connected. */
inline std::shared_ptr<MemoryTransport> tlsEndpoint(Environment &env, const qaio::SslContext &context, bool serverSide)
{
    qaio::detail::SslOptions options;
    options.serverSide = serverSide;
    options.serverHostname = serverSide ? QString() : QStringLiteral("localhost");
    auto transport = std::make_shared<MemoryTransport>();
    transport->owned = std::make_unique<qaio::detail::SslProtocol>(env.loop, std::make_unique<SinkProtocol>(),
                                                                      context, options, qaio::Future<void>());
    transport->tls().connectionMade(*transport);
    return transport;
}

/*! Feeds \a input to \a transport's TLS protocol in pieces of the sizes its bytes say (as
    a socket would deliver them), then the end of data, unless the protocol closed first. */
inline void feedInPieces(const std::shared_ptr<MemoryTransport> &transport, const uint8_t *data, size_t size)
{
    QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    while (!input.isEmpty() && !transport->closing) {
        const qsizetype piece = std::min<qsizetype>(input.size(), 1 + (uchar(input.front()) % 64) * 32);
        transport->tls().dataReceived(input.first(piece));
        input = input.sliced(piece);
    }
    if (!transport->closing)
        transport->tls().eofReceived();
}

/*! Ends \a transport as a real one would: the protocol's connectionLost(), then the
    callbacks it scheduled. */
inline void finish(Environment &env, const std::shared_ptr<MemoryTransport> &transport)
{
    transport->tls().connectionLost(nullptr);
    transport->owned.reset();
    env.drain();
}

} // namespace fuzz
