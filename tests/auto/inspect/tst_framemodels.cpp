// Copyright (c) qaio authors. Licensed under the MIT license.
// The inspector's list models and loop figures (qml/models): WarningModel and
// ResourceModel turn each new list into removals, moves, insertions and changes (never a
// reset), WarningModel keeps its rows through change frames, LoopStats derives timer lag
// and the Qt share of the thread from consecutive frames and keeps bounded histories.
#include "looptestcase.h"
#include "taskprograms.h"

#include "loopstats.h"
#include "resourcemodel.h"
#include "warningmodel.h"

#include <qaio/qaio.h>
#include <qaio/inspect/inspector.h>
#include <qaio/inspect/snapshotjson.h>

#include <QtCore/QJsonArray>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QtTest>

using namespace std::chrono_literals;
using namespace taskprograms;

namespace {

QJsonObject frame(bool partial = false)
{
    QJsonObject f;
    f[QLatin1String("protocol")] = qaio::kInspectorProtocolVersion;
    f[QLatin1String("partial")] = partial;
    return f;
}

QJsonObject warning(const QString &kind, qint64 taskId, const QString &message)
{
    QJsonObject w;
    w[QLatin1String("kind")] = kind;
    w[QLatin1String("taskId")] = taskId;
    w[QLatin1String("taskName")] = QStringLiteral("task-%1").arg(taskId);
    w[QLatin1String("message")] = message;
    return w;
}

QJsonObject resource(qint64 id, qint64 bytesIn)
{
    QJsonObject r;
    r[QLatin1String("id")] = id;
    r[QLatin1String("kind")] = QStringLiteral("socket transport");
    r[QLatin1String("description")] = QStringLiteral("peer %1").arg(id);
    r[QLatin1String("bytesIn")] = bytesIn;
    r[QLatin1String("waitingTasks")] = QJsonArray{id * 10};
    return r;
}

QStringList column(const QAbstractItemModel &model, int role)
{
    QStringList out;
    for (int row = 0; row < model.rowCount(); ++row)
        out << model.index(row, 0).data(role).toString();
    return out;
}

} // namespace

class tst_FrameModels : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void warningsOfARealDeadlock()
    {
        auto &loop = guard->loop();
        qaio::Inspector &inspector = loop.inspector();
        qaio::WarningModel warnings;
        QAbstractItemModelTester tester(&warnings, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto [a, b] = startAwaitCycle(loop);
        runReady(loop);
        QVERIFY(warnings.applyFrame(qaio::snapshotToJson(inspector.snapshot())));
        QCOMPARE(warnings.count(), 1);
        const QModelIndex row = warnings.index(0);
        QCOMPARE(row.data(qaio::WarningModel::KindRole).toString(), QStringLiteral("await-cycle"));
        QCOMPARE(row.data(qaio::WarningModel::CycleRole).toList().size(), 2);
        QVERIFY(row.data(qaio::WarningModel::CreatedAtRole).toString().contains(QStringLiteral("taskprograms.h:")));
        if (qaio::Inspector::isBookkeepingCompiled()) // await sites are part of the bookkeeping
            QVERIFY(row.data(qaio::WarningModel::AwaitSiteRole).toString().contains(QStringLiteral("taskprograms.h:")));
        QVERIFY(row.data().toString().startsWith(QStringLiteral("deadlock:")));

        qaio::SnapshotCursor cursor;
        QVERIFY(warnings.applyFrame(qaio::snapshotToJson(inspector.changesSince(cursor)))); // whole: same list
        QCOMPARE(warnings.count(), 1);
        a.cancel();
        runReady(loop);
        QVERIFY(warnings.applyFrame(qaio::snapshotToJson(inspector.changesSince(cursor)))); // changes: no warnings
        QCOMPARE(warnings.count(), 1);
        QVERIFY(warnings.applyFrame(qaio::snapshotToJson(inspector.snapshot())));
        QCOMPARE(warnings.count(), 0);
    }

    void listsChangeByRowsNotResets()
    {
        qaio::WarningModel warnings;
        QAbstractItemModelTester tester(&warnings, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&warnings, &QAbstractItemModel::modelReset);
        QJsonObject first = frame();
        first[QLatin1String("warnings")] = QJsonArray{warning("slow-step", 1, "one"), warning("lost-waker", 2, "two"),
                                                      warning("busy-yielding", 3, "three")};
        QVERIFY(warnings.applyFrame(first));
        const QPersistentModelIndex two = warnings.index(1);
        QJsonObject second = frame();
        second[QLatin1String("warnings")] = QJsonArray{warning("busy-yielding", 3, "three"), warning("lost-waker", 2, "two"),
                                                       warning("never-awaited", 4, "four"),
                                                       warning("never-awaited", 4, "four")}; // twice: two rows
        QVERIFY(warnings.applyFrame(second));
        QCOMPARE(column(warnings, qaio::WarningModel::MessageRole), QStringList({"three", "two", "four", "four"}));
        QCOMPARE(two.row(), 1);
        QCOMPARE(two.data().toString(), QStringLiteral("two"));
        QCOMPARE(resets.count(), 0);
        QVERIFY(!warnings.applyFrame(QJsonObject())); // not a frame of this protocol
        QCOMPARE(warnings.count(), 4);

        qaio::ResourceModel resources;
        QAbstractItemModelTester resourceTester(&resources, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QJsonObject withTwo = frame(true); // change frames list every resource too
        withTwo[QLatin1String("resources")] = QJsonArray{resource(1, 10), resource(2, 20)};
        QVERIFY(resources.applyFrame(withTwo));
        const QPersistentModelIndex peer2 = resources.index(1);
        QSignalSpy changed(&resources, &QAbstractItemModel::dataChanged);
        QJsonObject later = frame(true);
        later[QLatin1String("resources")] = QJsonArray{resource(2, 25), resource(3, 0)};
        QVERIFY(resources.applyFrame(later));
        QCOMPARE(column(resources, qaio::ResourceModel::DescriptionRole), QStringList({"peer 2", "peer 3"}));
        QCOMPARE(peer2.row(), 0);
        QCOMPARE(peer2.data(qaio::ResourceModel::BytesInRole).toLongLong(), 25);
        QCOMPARE(peer2.data(qaio::ResourceModel::FdRole).toLongLong(), -1); // none sent
        QCOMPARE(peer2.data(qaio::ResourceModel::WaitingTasksRole).toList(), QVariantList{20});
        QCOMPARE(changed.count(), 1);
        QCOMPARE(resources.roleNames().value(qaio::ResourceModel::WaitingTasksRole), QByteArray("waitingTasks"));
    }

    void loopFiguresAndHistories()
    {
        qaio::LoopStats stats;
        QSignalSpy changed(&stats, &qaio::LoopStats::changed);
        auto loopFrame = [](qint64 takenAt, qint64 outside, int lagBucket, qint64 lagCount) {
            QJsonObject loop;
            QJsonArray lag;
            for (int i = 0; i < 20; ++i)
                lag.append(i == lagBucket ? lagCount : 0);
            loop[QLatin1String("timerLagHistogram")] = lag;
            loop[QLatin1String("timeInQtOutsideQaioNs")] = outside;
            loop[QLatin1String("pendingTasks")] = 7;
            loop[QLatin1String("callbacksPerSecond")] = 1500.0;
            QJsonObject f = frame(true);
            f[QLatin1String("takenAtNs")] = takenAt;
            f[QLatin1String("loop")] = loop;
            return f;
        };
        QVERIFY(stats.applyFrame(loopFrame(1'000'000'000, 0, 5, 1)));
        QCOMPARE(stats.lagNs(), 0); // nothing to compare with yet
        QCOMPARE(stats.pendingTasks(), 7);
        QCOMPARE(stats.callbacksPerSecond(), 1500.0);
        QVERIFY(stats.applyFrame(loopFrame(2'000'000'000, 250'000'000, 5, 3)));
        QCOMPARE(stats.lagNs(), qint64(1) << 14); // bucket 5 grew: timers fired 16 µs late or more
        QCOMPARE(stats.qtShare(), 0.25);
        QVERIFY(stats.applyFrame(loopFrame(3'000'000'000, 250'000'000, 5, 3)));
        QCOMPARE(stats.lagNs(), 0);
        QCOMPARE(stats.qtShare(), 0.0);
        QCOMPARE(stats.lagHistory(), QList<qreal>({0, 16384, 0}));
        QCOMPARE(stats.qtShareHistory(), QList<qreal>({0, 0.25, 0}));
        QCOMPARE(changed.count(), 3);
        stats.setHistoryLength(2);
        QCOMPARE(stats.callbacksPerSecondHistory(), QList<qreal>({1500, 1500}));
        QVERIFY(!stats.applyFrame(QJsonObject()));
        stats.clear();
        QCOMPARE(stats.lagHistory(), QList<qreal>());

        // A real loop's frame.
        auto &loop = guard->loop();
        qaio::Task<void> sleeper = loop.createTask(sleepFor(1h), "sleeper");
        runReady(loop);
        QVERIFY(stats.applyFrame(qaio::snapshotToJson(loop.inspector().snapshot())));
        QCOMPARE(stats.pendingTasks(), 1);
        QCOMPARE(stats.timersPending(), 1);
        sleeper.cancel();
        runReady(loop);
    }
};

QTEST_GUILESS_MAIN(tst_FrameModels)
#include "tst_framemodels.moc"
