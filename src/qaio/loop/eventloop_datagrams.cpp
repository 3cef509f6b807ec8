// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::createDatagramEndpoint() (asyncio's base_events.create_datagram_endpoint(),
// same argument errors and messages). The transport is net/detail/datagramtransport.cpp.
#include <qaio/loop/eventloop.h>

#include <qaio/loop/detail/streamresolve_p.h>
#include <qaio/net/detail/connectionargs_p.h>
#include <qaio/net/detail/datagramtransport_p.h>
#include <qaio/platform/oserror.h>
#include <qaio/platform/socketops_p.h>

#include <QtCore/QStringList>

#include <utility>
#include <vector>

namespace qaio {

namespace detail {
namespace {

bool isSet(const DatagramAddress &address)
{
    return !std::holds_alternative<std::monostate>(address);
}

QString describeAddress(const DatagramAddress &address)
{
    if (const auto *hostPort = std::get_if<HostAndPort>(&address))
        return QStringLiteral("('%1', %2)").arg(hostPort->host).arg(hostPort->port);
    if (const auto *socketAddress = std::get_if<SocketAddress>(&address))
        return QStringLiteral("'%1'").arg(socketAddress->toString());
    return QStringLiteral("None");
}

bool isUnixAddress(const DatagramAddress &address)
{
    const auto *socketAddress = std::get_if<SocketAddress>(&address);
    return socketAddress && socketAddress->family() == AddressFamily::Unix;
}

// asyncio names every option that may not come with sock=.
[[noreturn]] void refuseSockModifiers(const DatagramEndpointOptions &options)
{
    QStringList problems;
    if (isSet(options.localAddr))
        problems << QStringLiteral("localAddr=%1").arg(describeAddress(options.localAddr));
    if (isSet(options.remoteAddr))
        problems << QStringLiteral("remoteAddr=%1").arg(describeAddress(options.remoteAddr));
    if (options.family != AddressFamily::Unspecified)
        problems << QStringLiteral("family=%1").arg(int(options.family));
    if (options.proto)
        problems << QStringLiteral("proto=%1").arg(options.proto);
    if (options.flags)
        problems << QStringLiteral("flags=%1").arg(options.flags);
    if (options.reusePort)
        problems << QStringLiteral("reusePort=true");
    if (options.allowBroadcast)
        problems << QStringLiteral("allowBroadcast=true");
    throw ValueError(QStringLiteral("socket modifier keyword arguments can not be used when sock is specified. (%1)")
                         .arg(problems.join(QStringLiteral(", "))));
}

bool hasSockModifiers(const DatagramEndpointOptions &options)
{
    return isSet(options.localAddr) || isSet(options.remoteAddr) || options.family != AddressFamily::Unspecified ||
           options.proto != 0 || options.flags != 0 || options.reusePort || options.allowBroadcast;
}

// One way to set the endpoint up: a (family, protocol) and the addresses of that family.
struct EndpointCandidate
{
    AddressFamily family = AddressFamily::Unspecified;
    int protocol = 0;
    std::optional<SocketAddress> local;
    std::optional<SocketAddress> remote;
};

SocketAddress unixAddressOf(const DatagramAddress &address, const char *argument)
{
    const auto *socketAddress = std::get_if<SocketAddress>(&address);
    if (!socketAddress || socketAddress->family() != AddressFamily::Unix)
        throw ValueError(QStringLiteral("%1: a Unix socket address (SocketAddress::fromUnixPath()) was expected for a "
                                        "Unix datagram endpoint, got %2")
                             .arg(QLatin1String(argument), describeAddress(address)));
    return *socketAddress;
}

Coro<std::vector<AddrInfo>> resolveDatagram(EventLoop &loop, DatagramAddress address, AddressFamily family,
                                            int protocol, int flags)
{
    if (const auto *socketAddress = std::get_if<SocketAddress>(&address)) {
        if (family != AddressFamily::Unspecified && socketAddress->family() != family)
            co_return std::vector<AddrInfo>{};
        AddrInfo info;
        info.family = socketAddress->family();
        info.type = SocketType::Datagram;
        info.protocol = protocol;
        info.address = *socketAddress;
        co_return std::vector<AddrInfo>{info};
    }
    const HostAndPort hostPort = std::get<HostAndPort>(address);
    Coro<std::vector<AddrInfo>> resolving =
        resolveStream(loop, hostPort.host, hostPort.port, family, protocol, flags, SocketType::Datagram);
    co_return co_await std::move(resolving);
}

// Every (family, protocol) both given addresses resolve to, in the order found
// (asyncio's addr_infos dict).
Coro<std::vector<EndpointCandidate>> pairAddresses(EventLoop &loop, const DatagramEndpointOptions &options)
{
    std::vector<EndpointCandidate> candidates;
    const DatagramAddress *addresses[2] = {&options.localAddr, &options.remoteAddr};
    for (int index = 0; index < 2; ++index) {
        if (!isSet(*addresses[index]))
            continue;
        Coro<std::vector<AddrInfo>> resolving =
            resolveDatagram(loop, *addresses[index], options.family, options.proto, options.flags);
        const std::vector<AddrInfo> infos = co_await std::move(resolving);
        if (infos.empty())
            throw OSError(QStringLiteral("getaddrinfo() returned empty list"));
        for (const AddrInfo &info : infos) {
            auto found = std::find_if(candidates.begin(), candidates.end(), [&info](const EndpointCandidate &c) {
                return c.family == info.family && c.protocol == info.protocol;
            });
            if (found == candidates.end()) {
                candidates.push_back({info.family, info.protocol, std::nullopt, std::nullopt});
                found = candidates.end() - 1;
            }
            std::optional<SocketAddress> &slot = index == 0 ? found->local : found->remote;
            if (!slot)
                slot = info.address;
        }
    }
    const bool wantLocal = isSet(options.localAddr);
    const bool wantRemote = isSet(options.remoteAddr);
    std::erase_if(candidates, [wantLocal, wantRemote](const EndpointCandidate &c) {
        return (wantLocal && !c.local) || (wantRemote && !c.remote);
    });
    if (candidates.empty())
        throw ValueError("can not get address information");
    co_return candidates;
}

void removeStaleUnixSocketAt(const SocketAddress &address)
{
    if (address.isAbstract() || address.path().isEmpty())
        return;
    bool wasSocket = false;
    if (const int error = sys::removeStaleUnixSocket(address.path(), wasSocket))
        qCCritical(lcQaio).noquote() << QStringLiteral("Unable to check or remove stale UNIX socket '%1': %2")
                                            .arg(address.path(), systemErrorText(error));
}

} // namespace
} // namespace detail

Coro<DatagramEndpoint<BaseProtocol>> EventLoop::createDatagramEndpointImpl(ProtocolFactory factory,
                                                                           DatagramEndpointOptions options)
{
    if (!factory)
        throw ValueError("createDatagramEndpoint(): protocolFactory is empty");
    Socket sock;
    SocketAddress remote;
    bool connected = false;
    if (options.sock.isValid()) {
        if (options.sock.type() == SocketType::Stream)
            throw ValueError(
                QStringLiteral("A datagram socket was expected, got %1").arg(detail::describeSocket(options.sock)));
        if (detail::hasSockModifiers(options))
            detail::refuseSockModifiers(options);
        sock = std::move(options.sock);
        sock.setBlocking(false);
        int error = 0;
        remote = detail::sys::peerAddress(sock.fileno(), error);
        connected = remote.isValid();
    } else {
        const bool hasLocal = detail::isSet(options.localAddr);
        const bool hasRemote = detail::isSet(options.remoteAddr);
        std::vector<detail::EndpointCandidate> candidates;
        if (!hasLocal && !hasRemote) {
            if (options.family == AddressFamily::Unspecified)
                throw ValueError("unexpected address family");
            candidates.push_back({options.family, options.proto, std::nullopt, std::nullopt});
        } else if (options.family == AddressFamily::Unix || detail::isUnixAddress(options.localAddr) ||
                   detail::isUnixAddress(options.remoteAddr)) {
            detail::EndpointCandidate unixCandidate{AddressFamily::Unix, options.proto, std::nullopt, std::nullopt};
            if (hasLocal) {
                unixCandidate.local = detail::unixAddressOf(options.localAddr, "localAddr");
                detail::removeStaleUnixSocketAt(*unixCandidate.local);
            }
            if (hasRemote)
                unixCandidate.remote = detail::unixAddressOf(options.remoteAddr, "remoteAddr");
            candidates.push_back(std::move(unixCandidate));
        } else {
            Coro<std::vector<detail::EndpointCandidate>> pairing = detail::pairAddresses(*this, options);
            candidates = co_await std::move(pairing);
        }
        std::vector<std::exception_ptr> errors;
        for (const detail::EndpointCandidate &candidate : candidates) {
            try {
                Socket attempt(candidate.family, SocketType::Datagram, candidate.protocol);
                if (options.reusePort)
                    attempt.setReusePort(true);
                if (options.allowBroadcast)
                    attempt.setBroadcast(true);
                if (candidate.local)
                    attempt.bind(*candidate.local);
                if (candidate.remote && !options.allowBroadcast) {
                    co_await sockConnect(attempt, *candidate.remote);
                    connected = true;
                }
                remote = candidate.remote ? *candidate.remote : SocketAddress();
                sock = std::move(attempt);
                break;
            } catch (const OSError &) {
                errors.push_back(std::current_exception());
                connected = false;
            }
        }
        if (!sock.isValid())
            std::rethrow_exception(errors.front());
    }

    std::unique_ptr<BaseProtocol> protocol = factory();
    BaseProtocol *made = protocol.get();
    Future<void> waiter = createFuture<void>();
    waiter.state()->tagAwait(AwaitEdge::Kind::Connection, "connectionMade");
    std::shared_ptr<detail::DatagramSocketTransport> transport =
        detail::DatagramSocketTransport::create(*this, std::move(sock), std::move(protocol), remote, connected, waiter);
    try {
        co_await waiter;
    } catch (...) {
        transport->close();
        throw;
    }
    if (getDebug())
        qCDebug(lcQaioDebug).noquote() << QStringLiteral("Datagram endpoint local_addr=%1 remote_addr=%2 created")
                                              .arg(detail::describeAddress(options.localAddr),
                                                   detail::describeAddress(options.remoteAddr));
    BaseProtocol *current = transport->protocol() == made ? made : nullptr;
    co_return DatagramEndpoint<BaseProtocol>{std::move(transport), current};
}

} // namespace qaio
