// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// LoopGuard: what every qaio test runs inside (the habit of uvloop's and libuv's suites).
//
//  - a fresh EventLoop per test function, made current for the thread;
//  - every exception-handler call is recorded; calls the test did not announce with
//    expectException() fail the test at teardown;
//  - teardown fails on leaked tasks, callbacks still scheduled, futures still alive and
//    file descriptors opened during the test and not closed.
//
//    void init() { guard.emplace(); }
//    void cleanup() { QVERIFY2(guard->finish(), qPrintable(guard->failure())); guard.reset(); }

#include <qaio/qaio.h>

#include <QtCore/QString>
#include <QtCore/QStringList>

#include <memory>
#include <optional>
#include <vector>

class LoopGuard
{
public:
    explicit LoopGuard(bool virtualClock = false);
    ~LoopGuard();
    LoopGuard(const LoopGuard &) = delete;
    LoopGuard &operator=(const LoopGuard &) = delete;

    qaio::EventLoop &loop() { return *m_loop; }
    qaio::VirtualClock *clock() { return m_clock.get(); }

    /*! The next handler call whose message contains \a fragment is expected (once). */
    void expectException(const QString &fragment);
    /*! Every handler call so far. */
    const std::vector<qaio::ExceptionContext> &handlerCalls() const { return m_calls; }

    /*! Cancels and drains leftover tasks, closes the loop, destroys it, and checks for
        leaks and unexpected handler calls. Returns false with failure() set on a problem. */
    bool finish();
    QString failure() const { return m_failures.join(QStringLiteral("; ")); }

    /*! Open file descriptors of the process (-1 where the platform cannot tell). */
    static int openFdCount();

private:
    std::unique_ptr<qaio::EventLoop> m_loop;
    std::shared_ptr<qaio::VirtualClock> m_clock;
    std::vector<qaio::ExceptionContext> m_calls;
    QStringList m_expected;
    QStringList m_unexpected;
    QStringList m_failures;
    int m_fdsAtStart = -1;
    bool m_finished = false;
};
