// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::getaddrinfo() / getnameinfo(): results, flags, failures, and the proof that
// resolving never blocks the loop's thread. Only local names are used: localhost from
// /etc/hosts, address literals, and ".invalid" (RFC 6761: never resolves, answered
// without any network).
#include "looptestcase.h"
#include "netsock_helpers.h"

#include <QtTest/QtTest>

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>

using qaio::AddressFamily;
using qaio::AddrInfo;
using qaio::SocketAddress;
using qaio::SocketType;

namespace {

// Records whether a callback scheduled just before the await ran before the result came.
qaio::Coro<std::vector<AddrInfo>> resolveWithWitness(qaio::EventLoop &loop, QString host, QString service,
                                                     qaio::AddrInfoHints hints, bool *witnessRanFirst)
{
    bool witnessRan = false;
    loop.callSoon([&witnessRan] { witnessRan = true; });
    auto infos = co_await loop.getaddrinfo(host, service, hints);
    *witnessRanFirst = witnessRan;
    co_return infos;
}

qaio::Coro<qaio::NameInfo> reverseWithWitness(qaio::EventLoop &loop, SocketAddress address, int flags,
                                              bool *witnessRanFirst)
{
    bool witnessRan = false;
    loop.callSoon([&witnessRan] { witnessRan = true; });
    auto info = co_await loop.getnameinfo(address, flags);
    *witnessRanFirst = witnessRan;
    co_return info;
}

bool containsAddress(const std::vector<AddrInfo> &infos, const SocketAddress &address)
{
    return std::any_of(infos.begin(), infos.end(), [&](const AddrInfo &i) { return i.address == address; });
}

template <class E, class F>
std::optional<E> errorOf(F &&f)
{
    try {
        f();
    } catch (const E &e) {
        return e;
    } catch (...) {
    }
    return std::nullopt;
}

} // namespace

class tst_Dns : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void localhostResolvesToLoopback()
    {
        auto &loop = guard->loop();
        bool witnessFirst = false;
        const std::vector<AddrInfo> infos =
            loop.runUntilComplete(resolveWithWitness(loop, QStringLiteral("localhost"), QStringLiteral("80"), {}, &witnessFirst));
        QVERIFY(witnessFirst); // the loop kept running while the resolver worked
        QVERIFY(!infos.empty());
        const bool v4 = containsAddress(infos, SocketAddress(QHostAddress::LocalHost, 80));
        const bool v6 = containsAddress(infos, SocketAddress(QHostAddress::LocalHostIPv6, 80));
        QVERIFY(v4 || v6);
        for (const AddrInfo &info : infos) {
            QCOMPARE(info.address.port(), quint16(80));
            QVERIFY(info.family == AddressFamily::IPv4 || info.family == AddressFamily::IPv6);
            QCOMPARE(info.address.family(), info.family);
            QVERIFY(info.address.host().isLoopback());
            // Stream is TCP and datagram UDP: no SOCK_RAW entry passed off as a stream.
            QCOMPARE(info.protocol, info.type == SocketType::Stream ? int(IPPROTO_TCP) : int(IPPROTO_UDP));
        }
    }

    void hintsFilterFamilyAndType()
    {
        auto &loop = guard->loop();
        const std::vector<AddrInfo> infos = loop.runUntilComplete(loop.getaddrinfo(
            QStringLiteral("localhost"), QStringLiteral("8080"),
            {.family = AddressFamily::IPv4, .type = SocketType::Datagram}));
        QCOMPARE(infos.size(), std::size_t(1));
        QCOMPARE(infos.front().family, AddressFamily::IPv4);
        QCOMPARE(infos.front().type, SocketType::Datagram);
        QVERIFY(infos.front().address == SocketAddress(QHostAddress::LocalHost, 8080));
    }

    void canonicalName()
    {
        auto &loop = guard->loop();
        const std::vector<AddrInfo> infos = loop.runUntilComplete(
            loop.getaddrinfo(QStringLiteral("localhost"), QString(),
                             {.type = SocketType::Stream, .flags = qaio::AddrInfoFlag::CanonicalName}));
        QVERIFY(!infos.empty());
        QCOMPARE(infos.front().canonicalName, QStringLiteral("localhost"));
        QCOMPARE(infos.front().address.port(), quint16(0)); // no service: port 0
    }

    void numericHost()
    {
        auto &loop = guard->loop();
        const qaio::AddrInfoHints numeric{.type = SocketType::Stream, .flags = qaio::AddrInfoFlag::NumericHost};
        std::vector<AddrInfo> infos =
            loop.runUntilComplete(loop.getaddrinfo(QStringLiteral("127.0.0.1"), QStringLiteral("8080"), numeric));
        QCOMPARE(infos.size(), std::size_t(1));
        QVERIFY(infos.front().address == SocketAddress(QHostAddress::LocalHost, 8080));
        QCOMPARE(infos.front().type, SocketType::Stream);

        // An IPv6 literal is a host too (not an IDNA name to encode).
        infos = loop.runUntilComplete(loop.getaddrinfo(QStringLiteral("::1"), QStringLiteral("443"), numeric));
        QCOMPARE(infos.size(), std::size_t(1));
        QCOMPARE(infos.front().family, AddressFamily::IPv6);
        QVERIFY(infos.front().address == SocketAddress(QHostAddress::LocalHostIPv6, 443));

        // With NumericHost a name is refused by the resolver itself.
        const auto error = errorOf<qaio::GaiError>([&] {
            loop.runUntilComplete(loop.getaddrinfo(QStringLiteral("localhost"), QStringLiteral("80"), numeric));
        });
        QVERIFY(error.has_value());
        QCOMPARE(error->errorCode(), EAI_NONAME);
    }

    void numericService()
    {
        auto &loop = guard->loop();
        const qaio::AddrInfoHints hints{.family = AddressFamily::IPv4,
                                        .type = SocketType::Stream,
                                        .flags = qaio::AddrInfoFlag::NumericService};
        const auto infos = loop.runUntilComplete(loop.getaddrinfo(QStringLiteral("127.0.0.1"), QStringLiteral("443"), hints));
        QCOMPARE(infos.size(), std::size_t(1));
        QCOMPARE(infos.front().address.port(), quint16(443));
        const auto error = errorOf<qaio::GaiError>([&] {
            loop.runUntilComplete(loop.getaddrinfo(QStringLiteral("127.0.0.1"), QStringLiteral("https"), hints));
        });
        QVERIFY(error.has_value());
        QVERIFY(error->errorCode() != 0);
    }

    void passiveWithoutHostIsTheWildcard()
    {
        auto &loop = guard->loop();
        const std::vector<AddrInfo> infos = loop.runUntilComplete(loop.getaddrinfo(
            QString(), QStringLiteral("8000"), {.type = SocketType::Stream, .flags = qaio::AddrInfoFlag::Passive}));
        QVERIFY(!infos.empty());
        for (const AddrInfo &info : infos) {
            QCOMPARE(info.address.port(), quint16(8000));
            const QHostAddress wildcard =
                info.family == AddressFamily::IPv6 ? QHostAddress(QHostAddress::AnyIPv6) : QHostAddress(QHostAddress::AnyIPv4);
            QCOMPARE(info.address.host(), wildcard);
        }
        QVERIFY(containsAddress(infos, SocketAddress(QHostAddress::AnyIPv4, 8000)));
        // Without Passive the same query gives loopback addresses (what to connect to).
        const std::vector<AddrInfo> active =
            loop.runUntilComplete(loop.getaddrinfo(QString(), QStringLiteral("8000"), {.type = SocketType::Stream}));
        QVERIFY(!active.empty());
        for (const AddrInfo &info : active)
            QVERIFY(info.address.host().isLoopback());
    }

    void unresolvableNameThrowsGaiError()
    {
        auto &loop = guard->loop();
        const auto error = errorOf<qaio::GaiError>([&] {
            loop.runUntilComplete(loop.getaddrinfo(QStringLiteral("nonexistent.invalid"), QStringLiteral("80"), {}));
        });
        QVERIFY(error.has_value());
        QVERIFY(error->errorCode() != 0);
        const QString text = QString::fromUtf8(error->what());
        QVERIFY2(text.contains(QStringLiteral("nonexistent.invalid")), qPrintable(text));
        QVERIFY2(text.contains(QString::fromLocal8Bit(gai_strerror(error->errorCode()))), qPrintable(text));
        // It is an OSError, as socket.gaierror is.
        QVERIFY(dynamic_cast<const qaio::OSError *>(&*error));
    }

    void nonAsciiUnresolvableName()
    {
        auto &loop = guard->loop();
        const auto error = errorOf<qaio::GaiError>([&] {
            loop.runUntilComplete(loop.getaddrinfo(QStringLiteral("bücher.invalid"), QStringLiteral("80"), {}));
        });
        QVERIFY(error.has_value());
        QVERIFY2(QString::fromUtf8(error->what()).contains(QStringLiteral("bücher.invalid")), error->what());
    }

    void getaddrinfoArgumentErrors()
    {
        auto &loop = guard->loop();
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.runUntilComplete(loop.getaddrinfo(QString(), QString(), {})));
    }

    void getnameinfoNumeric()
    {
        auto &loop = guard->loop();
        bool witnessFirst = false;
        const qaio::NameInfo info = loop.runUntilComplete(
            reverseWithWitness(loop, SocketAddress(QHostAddress::LocalHost, 80),
                               qaio::NameInfoFlag::NumericHost | qaio::NameInfoFlag::NumericService, &witnessFirst));
        QVERIFY(witnessFirst);
        QCOMPARE(info.host, QStringLiteral("127.0.0.1"));
        QCOMPARE(info.service, QStringLiteral("80"));

        const qaio::NameInfo v6 = loop.runUntilComplete(loop.getnameinfo(
            SocketAddress(QHostAddress::LocalHostIPv6, 8443), qaio::NameInfoFlag::NumericHost | qaio::NameInfoFlag::NumericService));
        QCOMPARE(v6.host, QStringLiteral("::1"));
        QCOMPARE(v6.service, QStringLiteral("8443"));
    }

    void getnameinfoNames()
    {
        auto &loop = guard->loop();
        const qaio::NameInfo info = loop.runUntilComplete(loop.getnameinfo(SocketAddress(QHostAddress::LocalHost, 80)));
        QCOMPARE(info.host, QStringLiteral("localhost")); // from /etc/hosts
        QCOMPARE(info.service, QStringLiteral("http"));
        const qaio::NameInfo udp = loop.runUntilComplete(
            loop.getnameinfo(SocketAddress(QHostAddress::LocalHost, 53), qaio::NameInfoFlag::NumericHost | qaio::NameInfoFlag::Datagram));
        QCOMPARE(udp.host, QStringLiteral("127.0.0.1"));
        QCOMPARE(udp.service, QStringLiteral("domain"));
    }

    void getnameinfoErrors()
    {
        auto &loop = guard->loop();
        const auto invalid = errorOf<qaio::ValueError>([&] { loop.runUntilComplete(loop.getnameinfo(SocketAddress())); });
        QVERIFY(invalid.has_value());
        QVERIFY2(QString::fromUtf8(invalid->what()).contains(QStringLiteral("address")), invalid->what());
        // A family the resolver does not know: its own EAI_FAMILY, as a GaiError.
        sockaddr_storage foreign{};
        foreign.ss_family = AF_APPLETALK;
        const SocketAddress appletalk = SocketAddress::fromNative(&foreign, 16);
        QCOMPARE(appletalk.family(), AddressFamily::Unspecified);
        const auto family = errorOf<qaio::GaiError>([&] { loop.runUntilComplete(loop.getnameinfo(appletalk)); });
        QVERIFY(family.has_value());
        QCOMPARE(family->errorCode(), EAI_FAMILY);
    }
};

QTEST_GUILESS_MAIN(tst_Dns)
#include "tst_dns.moc"
