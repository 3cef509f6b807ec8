// Copyright (c) qaio authors. Licensed under the MIT license.
// The inspector's sources (qml/models/inspectorsource.h): this process's loop, and another
// process's over the remote protocol (served here by the same loop, which is what the
// remote side sees of any process), feed TaskModel the same way; cancel goes through
// either; a name nobody serves is an error, not an exception.
#include "looptestcase.h"
#include "taskprograms.h"

#include "inspectorsource.h"
#include "taskmodel.h"

#include <qaio/qaio.h>
#include <qaio/inspect/remoteinspector.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QTemporaryDir>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QtTest>

using namespace std::chrono_literals;
using namespace taskprograms;

namespace {

// Runs the loop until \a source delivers a frame.
void nextFrame(qaio::EventLoop &loop, qaio::InspectorSource &source)
{
    loop.runUntilComplete(qaio::signal(&source, &qaio::InspectorSource::frameArrived));
}

} // namespace

class tst_InspectorSource : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void localSourceFeedsTheModel()
    {
        auto &loop = guard->loop();
        qaio::LocalInspectorSource source(loop.inspector());
        qaio::TaskModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        connect(&source, &qaio::InspectorSource::frameArrived, &model, &qaio::TaskModel::applyFrame);
        qaio::Task<void> first = loop.createTask(sleepFor(1h), "first");
        loop.runOnce();
        source.start(); // a whole snapshot at once
        QVERIFY(source.isAttached());
        QCOMPARE(model.rowCount(), 1);

        qaio::Task<void> second = loop.createTask(sleepFor(1h), "second");
        while (model.rowOfTask(second.id()) < 0)
            nextFrame(loop, source);
        QCOMPARE(model.liveCount(), 2);

        QSignalSpy cancelled(&source, &qaio::InspectorSource::cancelFinished);
        source.cancelTask(first.id(), QStringLiteral("from the inspector"));
        QCOMPARE(cancelled.count(), 1);
        QCOMPARE(cancelled.first().at(0).toULongLong(), first.id());
        QCOMPARE(cancelled.first().at(1).toBool(), true);
        while (model.index(model.rowOfTask(first.id()), 0).data(qaio::TaskModel::StateRole).toString()
               != QStringLiteral("cancelled"))
            nextFrame(loop, source);
        QCOMPARE(first.cancelled(), true);

        source.setWholeSnapshotInterval(100);
        QCOMPARE(source.wholeSnapshotInterval(), 100);
        source.setRate(50);
        QCOMPARE(source.rate(), 10); // at most ten a second
        source.stop();
        QVERIFY(!source.isAttached());
        second.cancel();
        while (!second.done())
            loop.runOnce();
    }

    void remoteSourceAttachesToAServingProcess()
    {
        auto &loop = guard->loop();
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        qaio::RemoteInspectorOptions options;
        options.directory = dir.path();
        qaio::RemoteInspector served(loop.inspector(), QStringLiteral("served"), options);
        const QString socketName = QStringLiteral("served.%1").arg(QCoreApplication::applicationPid());
        QCOMPARE(qaio::RemoteInspectorSource::servingProcesses(dir.path()), QStringList{socketName});

        qaio::Task<void> worker = loop.createTask(sleepFor(1h), "worker");
        qaio::RemoteInspectorSource source;
        source.setWholeSnapshotInterval(100);
        qaio::TaskModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        connect(&source, &qaio::InspectorSource::frameArrived, &model, &qaio::TaskModel::applyFrame);
        source.attach(QStringLiteral("served"), dir.path());
        while (model.rowOfTask(worker.id()) < 0)
            nextFrame(loop, source);
        QVERIFY(source.isAttached());
        QCOMPARE(source.name(), QStringLiteral("served"));
        QVERIFY(source.errorString().isEmpty());
        QCOMPARE(model.index(model.rowOfTask(worker.id()), 0).data(qaio::TaskModel::NameRole).toString(),
                 QStringLiteral("worker"));

        QSignalSpy cancelled(&source, &qaio::InspectorSource::cancelFinished);
        source.cancelTask(worker.id(), QStringLiteral("remotely"));
        loop.runUntilComplete(qaio::signal(&source, &qaio::InspectorSource::cancelFinished));
        QCOMPARE(cancelled.count(), 1);
        QCOMPARE(cancelled.first().at(1).toBool(), true);
        while (model.index(model.rowOfTask(worker.id()), 0).data(qaio::TaskModel::StateRole).toString()
               != QStringLiteral("cancelled"))
            nextFrame(loop, source);
        QCOMPARE(model.index(model.rowOfTask(worker.id()), 0).data(qaio::TaskModel::CancelMessageRole).toString(),
                 QStringLiteral("remotely"));

        source.detach();
        QVERIFY(!source.isAttached());
    }

    void aNameNobodyServesIsAnError()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        qaio::RemoteInspectorSource source;
        QSignalSpy errors(&source, &qaio::InspectorSource::errorStringChanged);
        source.attach(QStringLiteral("nobody"), dir.path());
        QCOMPARE(errors.count(), 1);
        QVERIFY(!source.isAttached());
        QVERIFY2(source.errorString().contains(QStringLiteral("no process serves \"nobody\"")),
                 qPrintable(source.errorString()));
        QSignalSpy cancelled(&source, &qaio::InspectorSource::cancelFinished);
        source.cancelTask(7);
        QCOMPARE(cancelled.count(), 1);
        QCOMPARE(cancelled.first().at(1).toBool(), false);
    }
};

QTEST_GUILESS_MAIN(tst_InspectorSource)
#include "tst_inspectorsource.moc"
