// Copyright (c) qaio authors. Licensed under the MIT license.
// libFuzzer target: a real handshake between qaio's client and server TLS protocols in
// memory, then arbitrary bytes into the client side as if the server sent them (records,
// alerts, garbage), then the end of the connection. No crash, leak or hang. Seeds:
// tests/fuzz/corpus/tls_client.
#include "memorytransport.h"

#include <stdexcept>

namespace {

// Moves what each side wrote to the other until neither has anything to say.
void converse(const std::shared_ptr<fuzz::MemoryTransport> &a, const std::shared_ptr<fuzz::MemoryTransport> &b)
{
    for (int round = 0; round < 32 && (!a->written.isEmpty() || !b->written.isEmpty()); ++round) {
        const QByteArray toB = std::exchange(a->written, QByteArray());
        if (!toB.isEmpty() && !b->closing)
            b->tls().dataReceived(toB);
        const QByteArray toA = std::exchange(b->written, QByteArray());
        if (!toA.isEmpty() && !a->closing)
            a->tls().dataReceived(toA);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::Environment &env = fuzz::Environment::get();
    auto client = fuzz::tlsEndpoint(env, env.client, false);
    auto server = fuzz::tlsEndpoint(env, env.server, true);
    converse(client, server);
    if (client->tls().state() != qaio::detail::SslProtocol::State::Wrapped)
        throw std::logic_error("the in-memory handshake did not complete"); // a broken target, not a finding
    client->written.clear();
    fuzz::feedInPieces(client, data, size);
    fuzz::finish(env, client);
    fuzz::finish(env, server);
    return 0;
}
