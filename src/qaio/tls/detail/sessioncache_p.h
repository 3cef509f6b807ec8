// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// A client context's TLS sessions by server name, so that the next connection to a name
// resumes (an abbreviated handshake) instead of starting over. TLS 1.3 tickets are taken
// when offered (RFC 8446 asks clients not to use one twice; the resumed connection brings
// fresh ones); TLS 1.2 sessions stay until replaced. Shared by the threads that use the
// context, hence the lock.

#include <QtCore/QByteArray>

#include <map>
#include <mutex>

struct ssl_st;
struct ssl_ctx_st;
struct ssl_session_st;

namespace qaio::detail {

class ClientSessionCache
{
public:
    ClientSessionCache() = default;
    ~ClientSessionCache();
    ClientSessionCache(const ClientSessionCache &) = delete;
    ClientSessionCache &operator=(const ClientSessionCache &) = delete;

    /*! Keeps \a session (takes the caller's reference) for \a serverName. */
    void store(const QByteArray &serverName, ssl_session_st *session);
    /*! Gives \a ssl the session kept for \a serverName, if any. */
    void offer(ssl_st *ssl, const QByteArray &serverName);

private:
    static constexpr std::size_t kMaxNames = 1000; // then the oldest names go
    std::mutex m_mutex;
    std::map<QByteArray, ssl_session_st *> m_sessions;
};

/*! The cache of the client context \a context (qaio made it), or null when it keeps none. */
ClientSessionCache *sessionCacheOf(const ssl_ctx_st *context);

} // namespace qaio::detail
