// Copyright (c) qaio authors. Licensed under the MIT license.
// Waiting on a stream transport's buffer for sendfile, as a Future.
#include <qaio/net/detail/sendfile_p.h>

namespace qaio::detail {

Coro<void> waitForTransport(StreamTransport &transport, StreamTransport::WaitFor what)
{
    Future<void> reached = transport.loop().createFuture<void>();
    transport.notifyWhen(what, [reached](std::exception_ptr error) mutable {
        if (reached.done())
            return;
        if (error)
            reached.setException(error);
        else
            reached.setResult();
    });
    try {
        co_await reached;
    } catch (...) {
        if (!reached.done()) // cancelled while waiting: the transport must not call back
            transport.cancelNotify();
        throw;
    }
}

} // namespace qaio::detail
