// Copyright (c) qaio authors. Licensed under the MIT license.
// libFuzzer target: arbitrary bytes from a client into the server side of qaio's TLS
// protocol (the handshake parser first), then the end of the connection. No crash, leak
// or hang. Seeds: tests/fuzz/corpus/tls_server (ClientHellos of TLS 1.2 and 1.3).
#include "memorytransport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::Environment &env = fuzz::Environment::get();
    auto server = fuzz::tlsEndpoint(env, env.server, true);
    fuzz::feedInPieces(server, data, size);
    fuzz::finish(env, server);
    return 0;
}
