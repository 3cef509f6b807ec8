// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/tls/detail/sessioncache_p.h>

#include <openssl/ssl.h>

namespace qaio::detail {

ClientSessionCache::~ClientSessionCache()
{
    for (auto &entry : m_sessions)
        SSL_SESSION_free(entry.second);
}

void ClientSessionCache::store(const QByteArray &serverName, ssl_session_st *session)
{
    const std::lock_guard<std::mutex> lock(m_mutex);
    auto found = m_sessions.find(serverName);
    if (found != m_sessions.end()) {
        SSL_SESSION_free(found->second);
        found->second = session;
        return;
    }
    if (m_sessions.size() >= kMaxNames) {
        SSL_SESSION_free(m_sessions.begin()->second);
        m_sessions.erase(m_sessions.begin());
    }
    m_sessions.emplace(serverName, session);
}

void ClientSessionCache::offer(ssl_st *ssl, const QByteArray &serverName)
{
    const std::lock_guard<std::mutex> lock(m_mutex);
    auto found = m_sessions.find(serverName);
    if (found == m_sessions.end())
        return;
    SSL_set_session(ssl, found->second); // takes a reference of its own
    if (SSL_SESSION_get_protocol_version(found->second) >= TLS1_3_VERSION) {
        SSL_SESSION_free(found->second);
        m_sessions.erase(found);
    }
}

} // namespace qaio::detail
