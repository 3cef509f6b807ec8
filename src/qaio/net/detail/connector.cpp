// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/net/detail/connector_p.h>

#include <qaio/platform/oserror.h>
#include <qaio/platform/socketops_p.h>

#include <QtNetwork/QHostAddress>

namespace qaio::detail {

namespace {
QString familyName(AddressFamily family)
{
    switch (family) {
    case AddressFamily::IPv4:
        return QStringLiteral("IPv4");
    case AddressFamily::IPv6:
        return QStringLiteral("IPv6");
    case AddressFamily::Unix:
        return QStringLiteral("Unix");
    case AddressFamily::Unspecified:
        break;
    }
    return QStringLiteral("Unspecified");
}
} // namespace

std::vector<AddrInfo> interleaveAddrInfos(const std::vector<AddrInfo> &infos, int firstFamilyCount)
{
    std::vector<std::vector<AddrInfo>> byFamily;
    for (const AddrInfo &info : infos) {
        auto it = std::find_if(byFamily.begin(), byFamily.end(),
                               [&](const std::vector<AddrInfo> &group) { return group.front().family == info.family; });
        if (it == byFamily.end())
            byFamily.push_back({info});
        else
            it->push_back(info);
    }
    std::vector<AddrInfo> reordered;
    reordered.reserve(infos.size());
    std::vector<std::size_t> next(byFamily.size(), 0);
    if (firstFamilyCount > 1 && !byFamily.empty()) {
        const std::size_t head = std::min<std::size_t>(std::size_t(firstFamilyCount - 1), byFamily[0].size());
        for (std::size_t i = 0; i < head; ++i)
            reordered.push_back(byFamily[0][i]);
        next[0] = head;
    }
    for (bool more = true; more;) {
        more = false;
        for (std::size_t f = 0; f < byFamily.size(); ++f) {
            if (next[f] < byFamily[f].size()) {
                reordered.push_back(byFamily[f][next[f]++]);
                more = true;
            }
        }
    }
    return reordered;
}

Connector::Connector(LoopCore &loop, std::vector<AddrInfo> targets, std::optional<std::vector<AddrInfo>> localAddresses,
                     std::optional<Duration> delay)
    : m_loop(loop), m_targets(std::move(targets)), m_local(std::move(localAddresses)), m_delay(delay)
{
    m_attempts.reserve(m_targets.size());
}

Connector::~Connector()
{
    cancel();
}

Future<void> Connector::start()
{
    m_done = m_loop.createFuture<void>();
    m_done.state()->tagAwait(AwaitEdge::Kind::Connection, "connecting");
    startNext();
    return m_done;
}

std::vector<std::exception_ptr> Connector::errors() const
{
    std::vector<std::exception_ptr> all;
    for (const Attempt &attempt : m_attempts)
        all.insert(all.end(), attempt.errors.begin(), attempt.errors.end());
    return all;
}

void Connector::stopAttempt(Attempt &attempt) noexcept
{
    if (attempt.pending) {
        attempt.pending = false;
        --m_pending;
        if (!m_loop.isClosed())
            m_loop.removeWriter(attempt.sock.fileno());
    }
    attempt.sock.close();
}

void Connector::cancelTimer() noexcept
{
    if (m_timer.isValid() && !m_loop.isClosed())
        m_timer.cancel();
    m_timer = TimerHandle();
}

void Connector::cancel() noexcept
{
    cancelTimer();
    for (Attempt &attempt : m_attempts)
        stopAttempt(attempt);
}

void Connector::startNext()
{
    cancelTimer();
    while (m_attempts.size() < m_targets.size() && !m_done.done()) {
        const AddrInfo &target = m_targets[m_attempts.size()];
        m_attempts.push_back(Attempt{});
        const std::size_t index = m_attempts.size() - 1;
        Attempt &attempt = m_attempts.back();
        attempt.address = target.address.toString();
        try {
            if (startOne(attempt, target)) {
                win(index);
                return;
            }
            m_loop.addWriter(attempt.sock.fileno(), [this, index] { onWritable(index); });
            attempt.pending = true;
            ++m_pending;
            if (m_delay && m_attempts.size() < m_targets.size())
                m_timer = m_loop.callLater(*m_delay, [this] {
                    m_timer = TimerHandle();
                    startNext();
                });
            return;
        } catch (...) {
            attempt.errors.push_back(std::current_exception());
            stopAttempt(attempt);
        }
    }
    finishIfExhausted();
}

bool Connector::startOne(Attempt &attempt, const AddrInfo &target)
{
    attempt.sock = Socket(target.family, SocketType::Stream, target.protocol);
    if (m_local) {
        bool bound = false;
        for (const AddrInfo &local : *m_local) {
            if (local.family != target.family)
                continue; // asyncio skips local addresses of another family
            const int error = sys::bindSocket(attempt.sock.fileno(), local.address);
            if (error == 0) {
                bound = true;
                break;
            }
            attempt.errors.push_back(makeOSError(
                error, QStringLiteral("error while attempting to bind on address '%1'").arg(local.address.toString())));
        }
        if (!bound) {
            if (!attempt.errors.empty()) {
                std::exception_ptr last = attempt.errors.back();
                attempt.errors.pop_back();
                std::rethrow_exception(last);
            }
            throw OSError(QStringLiteral("no matching local address with family=%1 found").arg(familyName(target.family)));
        }
    }
    const int error = sys::connectSocket(attempt.sock.fileno(), target.address);
    if (error == 0)
        return true;
    if (!sys::isInProgress(error) && !sys::isWouldBlock(error))
        throwOSError(error, QStringLiteral("connect to %1").arg(attempt.address));
    return false;
}

void Connector::onWritable(std::size_t index)
{
    Attempt &attempt = m_attempts[index];
    if (!attempt.pending)
        return;
    const int error = sys::pendingSocketError(attempt.sock.fileno());
    if (error == 0) {
        win(index);
        return;
    }
    if (sys::isInProgress(error) || sys::isWouldBlock(error))
        return;
    attempt.errors.push_back(makeOSError(error, QStringLiteral("connect to %1").arg(attempt.address)));
    if (m_loop.getDebug())
        qCDebug(lcQaioDebug).noquote() << QStringLiteral("connect fd %1 to %2 failed: %3")
                                              .arg(attempt.sock.fileno())
                                              .arg(attempt.address, describeException(attempt.errors.back()));
    stopAttempt(attempt);
    // The latest attempt failing starts the next one at once (asyncio: this_failed.set()).
    if (index + 1 == m_attempts.size())
        startNext();
    else
        finishIfExhausted();
}

void Connector::win(std::size_t index)
{
    Attempt &winner = m_attempts[index];
    if (m_loop.getDebug())
        qCDebug(lcQaioDebug).noquote() << QStringLiteral("connect fd %1 to %2: connected (attempt %3 of %4)")
                                              .arg(winner.sock.fileno())
                                              .arg(winner.address)
                                              .arg(index + 1)
                                              .arg(m_targets.size());
    if (winner.pending) {
        winner.pending = false;
        --m_pending;
        m_loop.removeWriter(winner.sock.fileno());
    }
    m_winner = std::move(winner.sock);
    cancel();
    if (!m_done.done())
        m_done.setResult();
}

void Connector::finishIfExhausted()
{
    if (m_pending == 0 && m_attempts.size() == m_targets.size() && !m_done.done()) {
        cancelTimer();
        m_done.setResult();
    }
}

} // namespace qaio::detail
