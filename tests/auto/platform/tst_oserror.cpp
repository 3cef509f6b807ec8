// Copyright (c) qaio authors. Licensed under the MIT license.
// OSError and its errno mapping (platform/oserror.h): Python's exception hierarchy, the
// errno and the system text in every message.
#include "looptestcase.h"

#include <QtTest/QtTest>

#include <cerrno>
#include <netdb.h>

namespace {

// Throws the error made by makeOSError() and reports whether it was caught as E, with
// the errno and a message that starts with the context and names the errno.
template <class E>
bool raisesAs(int code, const QString &context, QString *why)
{
    try {
        std::rethrow_exception(qaio::makeOSError(code, context));
    } catch (const E &e) {
        const QString text = QString::fromUtf8(e.what());
        if (e.errorCode() != code)
            *why = QStringLiteral("errorCode %1, expected %2").arg(e.errorCode()).arg(code);
        else if (!text.startsWith(context + QStringLiteral(": ")))
            *why = QStringLiteral("message does not start with the context: ") + text;
        else if (!text.contains(QStringLiteral("[errno %1]").arg(code)) || !text.contains(qaio::systemErrorText(code)))
            *why = QStringLiteral("message lacks the errno or the system text: ") + text;
        else
            return true;
        return false;
    } catch (const std::exception &e) {
        *why = QStringLiteral("wrong type: ") + QString::fromUtf8(e.what());
        return false;
    }
}

} // namespace

class tst_OSError : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void makeOSErrorMapsErrnoToSubclasses()
    {
        const QString context = QStringLiteral("connect to 127.0.0.1:9");
        QString why;
        QVERIFY2(raisesAs<qaio::ConnectionRefusedError>(ECONNREFUSED, context, &why), qPrintable(why));
        QVERIFY2(raisesAs<qaio::ConnectionResetError>(ECONNRESET, context, &why), qPrintable(why));
        QVERIFY2(raisesAs<qaio::BrokenPipeError>(EPIPE, context, &why), qPrintable(why));
        QVERIFY2(raisesAs<qaio::BrokenPipeError>(ESHUTDOWN, context, &why), qPrintable(why));
        QVERIFY2(raisesAs<qaio::ConnectionAbortedError>(ECONNABORTED, context, &why), qPrintable(why));
        QVERIFY2(raisesAs<qaio::FileNotFoundError>(ENOENT, context, &why), qPrintable(why));
        QVERIFY2(raisesAs<qaio::FileExistsError>(EEXIST, context, &why), qPrintable(why));
        QVERIFY2(raisesAs<qaio::BlockingIOError>(EAGAIN, context, &why), qPrintable(why));
        QVERIFY2(raisesAs<qaio::BlockingIOError>(EINPROGRESS, context, &why), qPrintable(why));
        QVERIFY2(raisesAs<qaio::PermissionError>(EACCES, context, &why), qPrintable(why));
        QVERIFY2(raisesAs<qaio::PermissionError>(EPERM, context, &why), qPrintable(why));
        // The hierarchy is Python's: the four connection errors are ConnectionErrors.
        QVERIFY2(raisesAs<qaio::ConnectionError>(ECONNREFUSED, context, &why), qPrintable(why));
        QVERIFY2(raisesAs<qaio::ConnectionError>(EPIPE, context, &why), qPrintable(why));
        QVERIFY2(raisesAs<qaio::OSError>(ECONNRESET, context, &why), qPrintable(why));
    }

    void makeOSErrorKeepsOtherErrorsPlain()
    {
        const QString context = QStringLiteral("bind to 127.0.0.1:80");
        QString why;
        QVERIFY2(raisesAs<qaio::OSError>(EADDRINUSE, context, &why), qPrintable(why));
        QVERIFY(!raisesAs<qaio::ConnectionError>(EADDRINUSE, context, &why));
        QVERIFY(!raisesAs<qaio::ConnectionError>(ENOENT, context, &why));
        QVERIFY(!raisesAs<qaio::FileNotFoundError>(ECONNREFUSED, context, &why));
        // An OSError is a qaio::Error (std::runtime_error), never a CancelledError.
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, qaio::throwOSError(EIO, context));
        QVERIFY_THROWS_EXCEPTION(qaio::BrokenPipeError, qaio::throwOSError(EPIPE, context));
    }

    void gaiErrorCarriesResolverCodeAndText()
    {
        const qaio::GaiError e(EAI_NONAME, QStringLiteral("getaddrinfo('nowhere.invalid', '80')"));
        QCOMPARE(e.errorCode(), EAI_NONAME);
        const QString text = QString::fromUtf8(e.what());
        QVERIFY2(text.startsWith(QStringLiteral("getaddrinfo('nowhere.invalid', '80'): ")), qPrintable(text));
        QVERIFY2(text.contains(QString::fromLocal8Bit(gai_strerror(EAI_NONAME))), qPrintable(text));
        QVERIFY(dynamic_cast<const qaio::OSError *>(&e));
    }
};

QTEST_GUILESS_MAIN(tst_OSError)
#include "tst_oserror.moc"
