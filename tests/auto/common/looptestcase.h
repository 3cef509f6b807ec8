// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// LoopTestCase: the base class of every qaio test class (the habit of QCoro's
// tests/testlibs/testobject.h). Each test function runs inside a fresh LoopGuard, made
// before it and checked after it (leaked tasks, callbacks, futures and descriptors;
// unexpected exception-handler calls). Qt Test calls the inherited init() and cleanup();
// a suite customises them through the hooks below, never by declaring its own.
//
//    class tst_Timers : public LoopTestCase
//    {
//        Q_OBJECT
//    public:
//        tst_Timers() : LoopTestCase(Clock::Virtual) {}
//    private Q_SLOTS:
//        void fires() { guard->loop().callLater(1h, [] {}).cancel(); }
//    };

#include "loopguard.h"

#include <QtCore/QByteArray>
#include <QtCore/QObject>

#include <optional>

class LoopTestCase : public QObject
{
    Q_OBJECT
public:
    enum class Clock { Real, Virtual };

protected:
    explicit LoopTestCase(Clock clock = Clock::Real) : m_clock(clock) {}

    /*! The clock the test function \a name runs on; by default the constructor's. */
    virtual Clock clockFor(const QByteArray &name) const;
    /*! Runs once the loop exists, before the test function. */
    virtual void setUpTest() {}
    /*! Runs after the test function, before the loop is checked and destroyed. */
    virtual void tearDownTest() {}

    std::optional<LoopGuard> guard;

private Q_SLOTS:
    void init();
    void cleanup();

private:
    Clock m_clock;
};
