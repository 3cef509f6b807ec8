// Copyright (c) qaio authors. Licensed under the MIT license.
#include "looptestcase.h"

#include <QtTest/QtTest>

LoopTestCase::Clock LoopTestCase::clockFor(const QByteArray &) const
{
    return m_clock;
}

void LoopTestCase::init()
{
    guard.emplace(clockFor(QByteArray(QTest::currentTestFunction())) == Clock::Virtual);
    setUpTest();
}

void LoopTestCase::cleanup()
{
    tearDownTest();
    QVERIFY2(guard->finish(), qPrintable(guard->failure()));
    guard.reset();
}
