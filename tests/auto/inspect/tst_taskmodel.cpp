// Copyright (c) qaio authors. Licensed under the MIT license.
// TaskModel (qml/models/taskmodel.h): tasks appear, change and go as the inspector's frames
// say, without a reset; persistent indexes follow their task; finished tasks stay up to a
// bound; warnings of whole snapshots mark their tasks; columns and roles. Every model
// here runs under QAbstractItemModelTester, which fails the test on any broken contract.
#include "looptestcase.h"
#include "taskprograms.h"

#include "awaittreemodel.h"
#include "taskfiltermodel.h"
#include "taskmodel.h"

#include <qaio/qaio.h>
#include <qaio/inspect/inspector.h>
#include <qaio/inspect/snapshotjson.h>

#include <QtCore/QJsonArray>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QtTest>

using namespace std::chrono_literals;
using namespace taskprograms;

namespace {

// Awaits \a first, then the task \a then resolves to: its await edge changes between them.
qaio::Coro<void> awaitFutureThenTask(qaio::Future<int> first, qaio::Future<qaio::TaskBase> then)
{
    (void)co_await first;
    qaio::TaskBase t = co_await then;
    co_await t;
}

qaio::Coro<void> yieldThenSleep(int yields)
{
    for (int i = 0; i < yields; ++i)
        co_await qaio::sleep(0);
    co_await qaio::sleep(3600);
}

QStringList taskNames(const qaio::TaskModel &model)
{
    QStringList names;
    for (int row = 0; row < model.rowCount(); ++row)
        names << model.index(row, 0).data(qaio::TaskModel::NameRole).toString();
    return names;
}

QVariant role(const qaio::TaskModel &model, std::uint64_t id, int role)
{
    const int row = model.rowOfTask(id);
    return row < 0 ? QVariant() : model.index(row, 0).data(role);
}

// Follows a model's signals: what a view would have to redo.
struct ModelSignals
{
    explicit ModelSignals(QAbstractItemModel *model)
        : inserted(model, &QAbstractItemModel::rowsInserted), removed(model, &QAbstractItemModel::rowsRemoved),
          changed(model, &QAbstractItemModel::dataChanged), reset(model, &QAbstractItemModel::modelReset)
    {
    }
    void clear()
    {
        inserted.clear();
        removed.clear();
        changed.clear();
    }
    QList<int> changedRows() const
    {
        QList<int> rows;
        for (const QList<QVariant> &args : changed) {
            for (int row = args[0].toModelIndex().row(); row <= args[1].toModelIndex().row(); ++row)
                rows << row;
        }
        return rows;
    }
    QSignalSpy inserted, removed, changed, reset;
};

} // namespace

class tst_TaskModel : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void tasksAppearChangeAndGo()
    {
        auto &loop = guard->loop();
        qaio::Inspector &inspector = loop.inspector();
        qaio::TaskModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ModelSignals changes(&model);
        qaio::SnapshotCursor cursor;

        qaio::Task<void> sleeper = loop.createTask(sleepFor(1h), "sleeper");
        qaio::Future<int> f = loop.createFuture<int>();
        qaio::Task<void> waiter = loop.createTask(awaitFuture(f), "waiter");
        runReady(loop);
        QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.changesSince(cursor))));
        QCOMPARE(taskNames(model), QStringList({"sleeper", "waiter"}));
        QCOMPARE(model.liveCount(), 2);
        QCOMPARE(role(model, sleeper.id(), qaio::TaskModel::StateRole).toString(), QStringLiteral("waiting"));
        QCOMPARE(role(model, sleeper.id(), qaio::TaskModel::AwaitKindRole).toString(), QStringLiteral("sleep"));
        QCOMPARE(role(model, waiter.id(), qaio::TaskModel::AwaitKindRole).toString(), QStringLiteral("future"));
        const QPersistentModelIndex waiterRow = model.index(model.rowOfTask(waiter.id()), qaio::TaskModel::StateColumn);
        const QPersistentModelIndex sleeperRow = model.index(model.rowOfTask(sleeper.id()), qaio::TaskModel::NameColumn);

        // waiter finishes, fresh starts: one row changes, one is added, sleeper is untouched.
        changes.clear();
        f.setResult(1);
        qaio::Task<void> fresh = loop.createTask(sleepFor(1h), "fresh");
        runReady(loop);
        QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.changesSince(cursor))));
        QCOMPARE(changes.reset.count(), 0);
        QCOMPARE(taskNames(model), QStringList({"sleeper", "waiter", "fresh"}));
        QCOMPARE(changes.inserted.count(), 1);
        QCOMPARE(changes.removed.count(), 0);
        QVERIFY(!changes.changedRows().contains(sleeperRow.row()));
        QVERIFY(changes.changedRows().contains(waiterRow.row()));
        QCOMPARE(waiterRow.data().toString(), QStringLiteral("finished"));
        QCOMPARE(waiterRow.data(qaio::TaskModel::LiveRole).toBool(), false);
        QCOMPARE(model.liveCount(), 2);
        QCOMPARE(model.finishedCount(), 1);

        // A frame with nothing new changes nothing.
        changes.clear();
        QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.changesSince(cursor))));
        QCOMPARE(changes.inserted.count() + changes.removed.count() + changes.changed.count(), 0);

        // sleeper is cancelled: its row stays where it was, now cancelled with the message.
        sleeper.cancel(QStringLiteral("enough"));
        runReady(loop);
        QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.changesSince(cursor))));
        QVERIFY(sleeperRow.isValid());
        QCOMPARE(sleeperRow.data(qaio::TaskModel::IdRole).toULongLong(), sleeper.id());
        QCOMPARE(sleeperRow.data(qaio::TaskModel::StateRole).toString(), QStringLiteral("cancelled"));
        QCOMPARE(sleeperRow.data(qaio::TaskModel::CancelMessageRole).toString(), QStringLiteral("enough"));
        fresh.cancel();
        runReady(loop);
    }

    void wholeSnapshotsNeverReset()
    {
        auto &loop = guard->loop();
        qaio::Inspector &inspector = loop.inspector();
        qaio::TaskModel model;
        model.setMaxFinished(0); // ended tasks leave the model at once
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ModelSignals changes(&model);

        std::vector<qaio::Task<void>> tasks;
        for (const char *name : {"a", "b", "c", "d", "e"})
            tasks.push_back(loop.createTask(sleepFor(1h), name));
        runReady(loop);
        QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.snapshot())));
        QCOMPARE(taskNames(model), QStringList({"a", "b", "c", "d", "e"}));
        const QPersistentModelIndex e = model.index(4, 0);

        tasks[1].cancel();
        tasks[2].cancel();
        tasks[3].cancel();
        runReady(loop);
        changes.clear();
        QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.snapshot())));
        QCOMPARE(changes.reset.count(), 0);
        QCOMPARE(changes.removed.count(), 1); // b, c and d: one range
        QCOMPARE(taskNames(model), QStringList({"a", "e"}));
        QCOMPARE(e.row(), 1);
        QCOMPARE(e.data(qaio::TaskModel::NameRole).toString(), QStringLiteral("e"));
        QCOMPARE(model.finishedCount(), 0);
        for (qaio::Task<void> &t : tasks)
            t.cancel();
        runReady(loop);
        QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.snapshot())));
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!e.isValid());
    }

    void finishedTasksAreBounded()
    {
        auto &loop = guard->loop();
        qaio::Inspector &inspector = loop.inspector();
        qaio::TaskModel model;
        model.setMaxFinished(10);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        qaio::SnapshotCursor cursor;
        qaio::Task<void> keeper = loop.createTask(sleepFor(1h), "keeper");
        runReady(loop);
        QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.changesSince(cursor))));
        std::vector<qaio::Task<void>> done;
        for (int round = 0; round < 5; ++round) {
            for (int i = 0; i < 10; ++i)
                done.push_back(loop.createTask(sleepFor(0s), QStringLiteral("short-%1-%2").arg(round).arg(i)));
            runReady(loop);
            QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.changesSince(cursor))));
            QCOMPARE(model.finishedCount(), 10);
            QCOMPARE(model.liveCount(), 1);
        }
        QCOMPARE(model.rowCount(), 11);
        QCOMPARE(model.index(0, 0).data(qaio::TaskModel::NameRole).toString(), QStringLiteral("keeper"));
        QCOMPARE(model.index(1, 0).data(qaio::TaskModel::NameRole).toString(), QStringLiteral("short-4-0"));
        model.setMaxFinished(3);
        QCOMPARE(model.finishedCount(), 3);
        QCOMPARE(model.index(1, 0).data(qaio::TaskModel::NameRole).toString(), QStringLiteral("short-4-7"));
        keeper.cancel();
        runReady(loop);
    }

    void warningsMarkTheirTasks()
    {
        auto &loop = guard->loop();
        qaio::Inspector &inspector = loop.inspector();
        qaio::TaskModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto [a, b] = startAwaitCycle(loop);
        qaio::Task<void> bystander = loop.createTask(sleepFor(1h), "bystander");
        runReady(loop);
        QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.snapshot())));
        const QStringList cycle{QStringLiteral("await-cycle")};
        QCOMPARE(role(model, a.id(), qaio::TaskModel::WarningsRole).toStringList(), cycle);
        QCOMPARE(role(model, b.id(), qaio::TaskModel::WarningsRole).toStringList(), cycle);
        QCOMPARE(role(model, bystander.id(), qaio::TaskModel::WarningsRole).toStringList(), QStringList());
        QCOMPARE(role(model, a.id(), qaio::TaskModel::AwaitTaskIdRole).toULongLong(), b.id());
        QCOMPARE(role(model, a.id(), qaio::TaskModel::AwaitingRole).toString(), QStringLiteral("task 'B'"));

        a.cancel();
        bystander.cancel();
        runReady(loop);
        QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.snapshot())));
        QCOMPARE(role(model, a.id(), qaio::TaskModel::WarningsRole).toStringList(), QStringList());
        QCOMPARE(role(model, a.id(), qaio::TaskModel::StateRole).toString(), QStringLiteral("cancelled"));
    }

    void columnsAndRoles()
    {
        auto &loop = guard->loop();
        qaio::TaskModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        qaio::Task<void> sleeper = loop.createTask(sleepFor(1h), "sleeper");
        runReady(loop);
        QVERIFY(model.applyFrame(qaio::snapshotToJson(loop.inspector().snapshot())));

        QCOMPARE(model.columnCount(), int(qaio::TaskModel::ColumnCount));
        QCOMPARE(model.headerData(qaio::TaskModel::BusyColumn, Qt::Horizontal).toString(), QStringLiteral("Busy"));
        QCOMPARE(model.headerData(qaio::TaskModel::AwaitingColumn, Qt::Horizontal).toString(), QStringLiteral("Awaiting"));
        const int row = model.rowOfTask(sleeper.id());
        QCOMPARE(model.index(row, qaio::TaskModel::IdColumn).data().toString(), QString::number(sleeper.id()));
        QCOMPARE(model.index(row, qaio::TaskModel::IdColumn).data(qaio::TaskModel::SortRole).toULongLong(), sleeper.id());
        QCOMPARE(model.index(row, qaio::TaskModel::StepsColumn).data(qaio::TaskModel::SortRole).toLongLong(), 1);
        const qint64 busy = model.index(row, 0).data(qaio::TaskModel::BusyNsRole).toLongLong();
        QCOMPARE(model.index(row, qaio::TaskModel::BusyColumn).data(qaio::TaskModel::SortRole).toLongLong(), busy);
        QCOMPARE(model.index(row, qaio::TaskModel::BusyColumn).data().toString(), qaio::TaskModel::formatDuration(busy));
        QCOMPARE(model.index(row, qaio::TaskModel::AwaitingColumn).data().toString().left(5), QStringLiteral("sleep"));
        QVERIFY(model.index(row, 0).data(qaio::TaskModel::CreatedAtRole).toString().contains(QStringLiteral("tst_taskmodel.cpp:")));
        const QStringList stack = model.index(row, 0).data(qaio::TaskModel::AwaitStackRole).toStringList();
        // The co_await in sleepFor(); await sites are part of the introspection bookkeeping.
        QCOMPARE(stack.size(), qaio::Inspector::isBookkeepingCompiled() ? 1 : 0);
        QCOMPARE(model.index(row, 0).data(qaio::TaskModel::AwaitSiteRole).toString(), stack.value(0));
        QCOMPARE(model.index(row, 0).data(qaio::TaskModel::StepHistogramRole).toList().size(), 20);
        const QHash<int, QByteArray> names = model.roleNames();
        QCOMPARE(names.value(qaio::TaskModel::NameRole), QByteArray("name"));
        QCOMPARE(names.value(qaio::TaskModel::AwaitingRole), QByteArray("awaiting"));
        QCOMPARE(names.value(Qt::DisplayRole), QByteArray("display"));

        QCOMPARE(qaio::TaskModel::formatDuration(850), QStringLiteral("850 ns"));
        QCOMPARE(qaio::TaskModel::formatDuration(12'500), QStringLiteral("12.5 µs"));
        QCOMPARE(qaio::TaskModel::formatDuration(3'200'000), QStringLiteral("3.20 ms"));
        QCOMPARE(qaio::TaskModel::formatDuration(1'500'000'000), QStringLiteral("1.50 s"));
        sleeper.cancel();
        runReady(loop);
    }

    void filterAndSort()
    {
        auto &loop = guard->loop();
        qaio::Inspector &inspector = loop.inspector(); // attached before tasks finish
        qaio::TaskModel model;
        qaio::TaskFilterModel filtered;
        filtered.setSourceModel(&model);
        QAbstractItemModelTester tester(&filtered, QAbstractItemModelTester::FailureReportingMode::QtTest);
        qaio::Task<void> fetchA = loop.createTask(yieldThenSleep(3), "fetch-a"); // 4 steps
        qaio::Task<void> fetchB = loop.createTask(yieldThenSleep(1), "Fetch-b"); // 2 steps
        qaio::Task<void> idle = loop.createTask(sleepFor(1h), "idle");
        qaio::Task<void> done = loop.createTask(sleepFor(0s), "done");
        auto [a, b] = startAwaitCycle(loop);
        runReady(loop);
        QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.snapshot())));
        QCOMPARE(filtered.rowCount(), 6);

        auto names = [&filtered] {
            QStringList out;
            for (int row = 0; row < filtered.rowCount(); ++row)
                out << filtered.index(row, 0).data(qaio::TaskModel::NameRole).toString();
            return out;
        };
        filtered.sortBy(qaio::TaskModel::StepsColumn, Qt::DescendingOrder);
        QCOMPARE(names().mid(0, 2), QStringList({"fetch-a", "Fetch-b"}));

        filtered.setNameFilter(QStringLiteral("FETCH"));
        QCOMPARE(names(), QStringList({"fetch-a", "Fetch-b"}));
        filtered.setNameFilter(QString());
        filtered.setStates({QStringLiteral("finished")});
        QCOMPARE(names(), QStringList{"done"});
        filtered.setStates({});
        filtered.setShowFinished(false);
        QCOMPARE(filtered.rowCount(), 5);
        filtered.setWarningsOnly(true);
        const QStringList warned = names();
        QCOMPARE(QSet<QString>(warned.begin(), warned.end()), QSet<QString>({"A", "B"}));
        filtered.setWarningsOnly(false);
        filtered.setMinAgeNs(std::numeric_limits<qint64>::max());
        QCOMPARE(filtered.rowCount(), 0);
        filtered.setMinAgeNs(0);
        filtered.setMinBusyNs(1);
        QVERIFY(filtered.rowCount() > 0); // every task that ran a step was busy a little
        filtered.setMinBusyNs(0);
        QCOMPARE(filtered.rowCount(), 5);
        QCOMPARE(filtered.rowOfTask(idle.id()), filtered.mapFromSource(model.index(model.rowOfTask(idle.id()), 0)).row());
        QCOMPARE(filtered.rowOfTask(done.id()), -1); // finished ones are hidden

        // New frames move rows about; a persistent index stays on its task.
        const QPersistentModelIndex first = filtered.index(filtered.rowOfTask(fetchA.id()), 0);
        idle.cancel();
        fetchB.cancel();
        runReady(loop);
        QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.snapshot())));
        QVERIFY(first.isValid());
        QCOMPARE(first.data(qaio::TaskModel::NameRole).toString(), QStringLiteral("fetch-a"));
        QCOMPARE(filtered.rowOfTask(idle.id()), -1);
        for (qaio::Task<void> *t : {&fetchA, &a})
            t->cancel();
        runReady(loop);
    }

    void awaitTree()
    {
        auto &loop = guard->loop();
        qaio::Inspector &inspector = loop.inspector();
        qaio::TaskModel model;
        qaio::AwaitTreeModel tree;
        tree.setSourceModel(&model);
        QAbstractItemModelTester tester(&tree, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&tree, &QAbstractItemModel::modelReset);
        qaio::SnapshotCursor cursor;
        auto frame = [&] {
            runReady(loop);
            QVERIFY(model.applyFrame(qaio::snapshotToJson(inspector.changesSince(cursor))));
        };
        auto nameAt = [](const QModelIndex &index) { return index.data(qaio::TaskModel::NameRole).toString(); };

        // a <- b <- c, a <- d: b and d await a, c awaits b.
        qaio::Task<void> a = loop.createTask(sleepFor(1h), "a");
        qaio::Future<qaio::TaskBase> toA = loop.createFuture<qaio::TaskBase>();
        qaio::Future<qaio::TaskBase> toB = loop.createFuture<qaio::TaskBase>();
        qaio::Future<qaio::TaskBase> toAagain = loop.createFuture<qaio::TaskBase>();
        qaio::Task<void> b = loop.createTask(awaitTask(toA), "b");
        qaio::Task<void> c = loop.createTask(awaitTask(toB), "c");
        qaio::Task<void> d = loop.createTask(awaitTask(toAagain), "d");
        toA.setResult(a);
        toB.setResult(b);
        toAagain.setResult(a);
        // e waits on a plain future first (a root), then on a: it moves under a.
        qaio::Future<int> first = loop.createFuture<int>();
        qaio::Future<qaio::TaskBase> toAlater = loop.createFuture<qaio::TaskBase>();
        qaio::Task<void> e = loop.createTask(awaitFutureThenTask(first, toAlater), "e");
        auto [x, y] = startAwaitCycle(loop); // a cycle still shows, from one of its members
        frame();

        const QModelIndex ia = tree.indexOfTask(a.id());
        QVERIFY(ia.isValid());
        QVERIFY(!ia.parent().isValid());
        QCOMPARE(tree.rowCount(ia), 2);
        QCOMPARE(nameAt(tree.index(0, 0, ia)), QStringLiteral("b"));
        QCOMPARE(nameAt(tree.index(1, 0, ia)), QStringLiteral("d"));
        QCOMPARE(tree.indexOfTask(c.id()).parent(), tree.indexOfTask(b.id()));
        QVERIFY(!tree.indexOfTask(e.id()).parent().isValid());
        QVERIFY(tree.indexOfTask(x.id()).isValid());
        QVERIFY(tree.indexOfTask(y.id()).isValid());
        QCOMPARE(tree.rowCount(), 3); // a, e, and the cycle's root
        QCOMPARE(tree.columnCount(), int(qaio::TaskModel::ColumnCount));
        QCOMPARE(tree.index(0, qaio::TaskModel::NameColumn).data().toString(), QStringLiteral("a"));

        const QPersistentModelIndex pe = tree.indexOfTask(e.id());
        first.setResult(1);
        toAlater.setResult(a);
        frame();
        QVERIFY(pe.isValid());
        QCOMPARE(nameAt(pe), QStringLiteral("e"));
        QCOMPARE(pe.parent(), QModelIndex(tree.indexOfTask(a.id())));
        QCOMPARE(tree.rowCount(tree.indexOfTask(a.id())), 3); // b, d, e in creation order
        QCOMPARE(tree.rowCount(), 2);

        const QPersistentModelIndex pc = tree.indexOfTask(c.id());
        a.cancel(); // b, d and e awaited it, c awaited b: all end
        frame();
        QVERIFY(!pc.isValid());
        QCOMPARE(tree.rowCount(), 1);
        QVERIFY(!tree.indexOfTask(a.id()).isValid());
        QCOMPARE(resets.count(), 0);
        x.cancel();
        frame();
        QCOMPARE(tree.rowCount(), 0);
    }

    void refusesAnotherProtocol()
    {
        auto &loop = guard->loop();
        qaio::TaskModel model;
        qaio::Task<void> sleeper = loop.createTask(sleepFor(1h), "sleeper");
        runReady(loop);
        QJsonObject frame = qaio::snapshotToJson(loop.inspector().snapshot());
        QVERIFY(model.applyFrame(frame));
        QCOMPARE(model.rowCount(), 1);
        frame[QLatin1String("protocol")] = qaio::kInspectorProtocolVersion + 1;
        frame[QLatin1String("tasks")] = QJsonArray();
        QVERIFY(!model.applyFrame(frame));
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(!model.applyFrame(QJsonObject()));
        QCOMPARE(model.rowCount(), 1);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        sleeper.cancel();
        runReady(loop);
    }
};

QTEST_GUILESS_MAIN(tst_TaskModel)
#include "tst_taskmodel.moc"
