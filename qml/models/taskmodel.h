// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QAbstractTableModel>
#include <QtCore/QHash>
#include <QtCore/QJsonObject>
#include <QtCore/QStringList>

#include <cstdint>
#include <vector>

namespace qaio {

/*!
    \class qaio::TaskModel
    The tasks of an inspected program as a table: one row per task, live ones and the
    last finished ones, fed by the frames of the inspector protocol
    (docs/inspector-protocol.md): whole snapshots and change frames alike, whether they
    come from qaio::Inspector in this process (snapshotToJson(inspector.changesSince(c)))
    or from another process over its socket.

    A frame never resets the model: rows are inserted, changed and removed one range at a
    time, so views keep their selection and scroll position, and persistent indexes follow
    their task. Rows keep the order in which their tasks first appeared.

    Each column's Qt::DisplayRole is text for a table ("12.5 ms"); sortRole() holds the
    value to sort by (nanoseconds, counts). The named roles give a delegate every field of
    a task.

    \code
    qaio::TaskModel model;
    qaio::SnapshotCursor cursor;
    QTimer refresh;
    QObject::connect(&refresh, &QTimer::timeout, [&] {
        model.applyFrame(qaio::snapshotToJson(loop.inspector().changesSince(cursor)));
    });
    refresh.start(100);
    QTableView view;
    view.setModel(&model);
    \endcode

    TaskFilterModel sorts and filters it; AwaitTreeModel shows its live tasks as the await
    tree.
*/
class TaskModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_PROPERTY(int maxFinished READ maxFinished WRITE setMaxFinished NOTIFY maxFinishedChanged)
    Q_PROPERTY(int liveCount READ liveCount NOTIFY countsChanged)
    Q_PROPERTY(int finishedCount READ finishedCount NOTIFY countsChanged)
    Q_PROPERTY(qint64 takenAtNs READ takenAtNs NOTIFY countsChanged)

public:
    enum Column { IdColumn, NameColumn, StateColumn, BusyColumn, IdleColumn, ScheduledColumn, StepsColumn,
                  AgeColumn, AwaitingColumn, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1, // the raw value of the cell's column
        IdRole,
        ParentIdRole,
        NameRole,
        StateRole,       // "scheduled", "running", "waiting", "finished", "cancelled", "failed"
        LiveRole,        // false once the task has ended
        BusyNsRole,
        IdleNsRole,
        ScheduledNsRole,
        AgeNsRole,       // busy + idle + scheduled: the task's life so far
        StepsRole,
        YieldsRole,
        AwaitingRole,    // what it waits on, as one line ("task 'fetch'", "sleep", "fd 7 readable")
        AwaitKindRole,   // the edge's kind ("task", "sleep", "lock", ...), empty when not waiting
        AwaitTaskIdRole, // the awaited task (or the holder of the awaited lock); 0: none
        AwaitedByRole,   // ids of the tasks waiting on this one (QVariantList)
        CreatedAtRole,   // "file:line"
        AwaitSiteRole,   // the innermost co_await, "file:line"
        AwaitStackRole,  // every co_await from the task's coroutine inwards (QStringList of "file:line")
        CancellingRole,
        CancelMessageRole,
        StepHistogramRole, // 20 log2 buckets (QVariantList)
        WarningsRole,    // the kinds of the last whole snapshot's warnings about it (QStringList)
    };
    Q_ENUM(Role)

    explicit TaskModel(QObject *parent = nullptr);
    ~TaskModel() override;

    /*! Applies one frame: a whole snapshot, or a change frame ("partial": true) after one.
        A frame of another protocol version is refused: the model stays as it was and
        false is returned. */
    Q_INVOKABLE bool applyFrame(const QJsonObject &frame);
    /*! Forgets every task (a new source). */
    Q_INVOKABLE void clear();

    /*! How many finished tasks stay listed, the oldest going first (default 1,000). */
    int maxFinished() const { return m_maxFinished; }
    void setMaxFinished(int count);
    int liveCount() const { return m_liveCount; }
    int finishedCount() const;
    /*! When the last frame was taken, on the inspected loop's clock. */
    qint64 takenAtNs() const { return m_takenAtNs; }

    /*! The row of task \a id, or -1. */
    Q_INVOKABLE int rowOfTask(quint64 id) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    /*! A duration as a table shows it: "850 ns", "12.5 µs", "3.20 ms", "1.50 s". */
    static QString formatDuration(qint64 ns);

Q_SIGNALS:
    void maxFinishedChanged();
    void countsChanged();

private:
    struct Row;
    void upsert(const QJsonObject &task, bool live, QList<int> &changedRows);
    void dropRows(QList<int> rows);
    void dropOldestFinished();
    void reindexFrom(int row);
    void emitRowsChanged(QList<int> rows);
    QVariant cell(const Row &row, int column, int role) const;
    QString awaitingText(const Row &row) const;

    std::vector<Row> m_rows;
    QHash<quint64, int> m_rowOfId;
    int m_liveCount = 0;
    int m_maxFinished = 1000;
    qint64 m_takenAtNs = 0;
};

} // namespace qaio
