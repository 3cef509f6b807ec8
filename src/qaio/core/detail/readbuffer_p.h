// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/base/qaioglobal.h>

#include <memory>

namespace qaio::detail {

/*! asyncio's max_size: the most one read of a transport takes (stream bytes or one
    datagram). */
constexpr qsizetype kMaxReadSize = 256 * 1024;

/*!
    One read buffer per thread, shared by the transports of its loop: received data is only
    lent to the protocol (dataReceived(), datagramReceived()) for the duration of the call,
    so no read allocates. A read nested in such a call (a nested Qt event loop) leases a
    buffer of its own.
*/
struct ThreadReadBuffer
{
    std::unique_ptr<char[]> data;
    bool busy = false;
};

/*! The calling thread's buffer. Look it up once per transport (on the loop's thread): a
    thread_local access from a shared library is a __tls_get_addr() call, too dear for
    every read. */
ThreadReadBuffer &threadReadBuffer() noexcept;

/*! kMaxReadSize bytes for one read: the thread's buffer, or a private one while that is
    lent out. */
class ReadBufferLease
{
public:
    explicit ReadBufferLease(ThreadReadBuffer &shared)
    {
        if (!shared.busy) {
            if (!shared.data)
                shared.data.reset(new char[kMaxReadSize]);
            shared.busy = true;
            m_shared = &shared;
            m_data = shared.data.get();
        } else {
            m_own.reset(new char[kMaxReadSize]);
            m_data = m_own.get();
        }
    }
    ~ReadBufferLease()
    {
        if (m_shared)
            m_shared->busy = false;
    }
    ReadBufferLease(const ReadBufferLease &) = delete;
    ReadBufferLease &operator=(const ReadBufferLease &) = delete;
    char *data() const noexcept { return m_data; }

private:
    ThreadReadBuffer *m_shared = nullptr;
    std::unique_ptr<char[]> m_own;
    char *m_data = nullptr;
};

} // namespace qaio::detail
