// Copyright (c) qaio authors. Licensed under the MIT license.
// SocketAddress (platform/socketaddress.h): IPv4, IPv6 with scope ids, Unix paths and
// Linux abstract names, their limits and native forms (CPython's test_socket habits: exact
// families, lengths, errors).
#include "looptestcase.h"

#include <QtTest/QtTest>

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

using qaio::AddressFamily;
using qaio::SocketAddress;

namespace {

const sockaddr_in6 &native6(const SocketAddress &a)
{
    return *static_cast<const sockaddr_in6 *>(a.nativeData());
}

} // namespace

class tst_SocketAddress : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void addressInvalidByDefault()
    {
        const SocketAddress a;
        QVERIFY(!a.isValid());
        QCOMPARE(a.family(), AddressFamily::Unspecified);
        QCOMPARE(a.toString(), QString());
        QCOMPARE(a.port(), quint16(0));
        QVERIFY(a.host().isNull());
        QVERIFY(a == SocketAddress());
    }

    void addressIPv4()
    {
        const SocketAddress a(QHostAddress(QStringLiteral("192.0.2.7")), 8080);
        QVERIFY(a.isValid());
        QCOMPARE(a.family(), AddressFamily::IPv4);
        QCOMPARE(a.host(), QHostAddress(QStringLiteral("192.0.2.7")));
        QCOMPARE(a.port(), quint16(8080));
        QCOMPARE(a.toString(), QStringLiteral("192.0.2.7:8080"));
        QCOMPARE(a.path(), QString());
        QVERIFY(!a.isAbstract());
        QCOMPARE(a.nativeSize(), sizeof(sockaddr_in));
        const auto *in = static_cast<const sockaddr_in *>(a.nativeData());
        QCOMPARE(in->sin_family, sa_family_t(AF_INET));
        QCOMPARE(ntohs(in->sin_port), quint16(8080));

        QVERIFY(a == SocketAddress(QHostAddress(QStringLiteral("192.0.2.7")), 8080));
        QVERIFY(!(a == SocketAddress(QHostAddress(QStringLiteral("192.0.2.7")), 8081)));
        QVERIFY(!(a == SocketAddress(QHostAddress(QStringLiteral("192.0.2.8")), 8080)));
        QVERIFY(a == SocketAddress::fromNative(a.nativeData(), a.nativeSize()));
    }

    void addressIPv6()
    {
        const SocketAddress a(QHostAddress(QStringLiteral("::1")), 443);
        QCOMPARE(a.family(), AddressFamily::IPv6);
        QCOMPARE(a.host(), QHostAddress(QHostAddress::LocalHostIPv6));
        QCOMPARE(a.port(), quint16(443));
        QCOMPARE(a.toString(), QStringLiteral("[::1]:443"));
        QCOMPARE(a.nativeSize(), sizeof(sockaddr_in6));
        QCOMPARE(native6(a).sin6_scope_id, 0u);
        QVERIFY(a == SocketAddress(QHostAddress(QHostAddress::LocalHostIPv6), 443));
        QVERIFY(!(a == SocketAddress(QHostAddress(QHostAddress::LocalHost), 443)));
        QVERIFY(a == SocketAddress::fromNative(a.nativeData(), a.nativeSize()));
    }

    void addressIPv6ScopeByNameOrIndex()
    {
        const unsigned loIndex = if_nametoindex("lo");
        if (loIndex == 0)
            QSKIP("no loopback interface named lo");
        const SocketAddress byName(QHostAddress(QStringLiteral("fe80::1%lo")), 80);
        QCOMPARE(native6(byName).sin6_scope_id, loIndex);
        const SocketAddress byIndex(QHostAddress(QStringLiteral("fe80::1%%1").arg(loIndex)), 80);
        QCOMPARE(native6(byIndex).sin6_scope_id, loIndex);
        QVERIFY(byName == byIndex);
        // host() keeps the scope (QHostAddress(sockaddr *) alone would drop it).
        QCOMPARE(byName.host().scopeId(), QStringLiteral("lo"));
        QCOMPARE(byName.toString(), QStringLiteral("[fe80::1%lo]:80"));
        QVERIFY(SocketAddress(byName.host(), 80) == byName);
    }

    void addressRejectsNonIpHosts()
    {
        try {
            SocketAddress(QHostAddress(), 80);
            QFAIL("a null host must throw");
        } catch (const qaio::ValueError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(QStringLiteral("host:")), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, SocketAddress(QHostAddress(QHostAddress::Any), 80));
        const SocketAddress any4(QHostAddress(QHostAddress::AnyIPv4), 80);
        QCOMPARE(any4.toString(), QStringLiteral("0.0.0.0:80"));
    }

    void addressUnixPath()
    {
        const SocketAddress a = SocketAddress::fromUnixPath(QStringLiteral("/tmp/qaio-test.sock"));
        QVERIFY(a.isValid());
        QCOMPARE(a.family(), AddressFamily::Unix);
        QCOMPARE(a.path(), QStringLiteral("/tmp/qaio-test.sock"));
        QCOMPARE(a.toString(), QStringLiteral("/tmp/qaio-test.sock"));
        QVERIFY(!a.isAbstract());
        QCOMPARE(a.abstractName(), QByteArray());
        QVERIFY(a.host().isNull());
        QCOMPARE(a.port(), quint16(0));
        QCOMPARE(a.nativeSize(), offsetof(sockaddr_un, sun_path) + sizeof("/tmp/qaio-test.sock"));
        QVERIFY(a == SocketAddress::fromUnixPath(QStringLiteral("/tmp/qaio-test.sock")));
        QVERIFY(!(a == SocketAddress::fromUnixPath(QStringLiteral("/tmp/qaio-test2.sock"))));
    }

    void addressUnixPathLimits()
    {
        const qsizetype limit = qsizetype(sizeof(sockaddr_un::sun_path)) - 1; // room for the NUL
        const QString longest = QStringLiteral("/") + QString(limit - 1, QLatin1Char('a'));
        QCOMPARE(SocketAddress::fromUnixPath(longest).path(), longest);
        const QString tooLong = longest + QLatin1Char('a');
        try {
            SocketAddress::fromUnixPath(tooLong);
            QFAIL("a path longer than sun_path must throw");
        } catch (const qaio::ValueError &e) {
            const QString text = QString::fromUtf8(e.what());
            QVERIFY2(text.startsWith(QStringLiteral("path:")), qPrintable(text));
            QVERIFY2(text.contains(QString::number(limit)), qPrintable(text));
        }
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, SocketAddress::fromUnixPath(QString()));
    }

    void addressAbstractName()
    {
        const SocketAddress a = SocketAddress::fromAbstractName("qaio-test");
        QCOMPARE(a.family(), AddressFamily::Unix);
        QVERIFY(a.isAbstract());
        QCOMPARE(a.abstractName(), QByteArray("qaio-test"));
        QCOMPARE(a.toString(), QStringLiteral("@qaio-test"));
        QCOMPARE(a.path(), QString());
        QCOMPARE(a.nativeSize(), offsetof(sockaddr_un, sun_path) + 1 + 9);
        QVERIFY(a == SocketAddress::fromAbstractName("qaio-test"));
        QVERIFY(!(a == SocketAddress::fromAbstractName("qaio-tes")));
        // Same bytes, but one is a file and the other not: different addresses.
        QVERIFY(!(a == SocketAddress::fromUnixPath(QStringLiteral("qaio-test"))));
        const QByteArray tooLong(qsizetype(sizeof(sockaddr_un::sun_path)), 'n');
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, SocketAddress::fromAbstractName(tooLong));
    }
};

QTEST_GUILESS_MAIN(tst_SocketAddress)
#include "tst_socketaddress.moc"
