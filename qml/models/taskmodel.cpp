// Copyright (c) qaio authors. Licensed under the MIT license.
#include "taskmodel.h"

#include "sitetext.h"

#include <qaio/inspect/snapshotjson.h>

#include <QtCore/QJsonArray>
#include <QtCore/QSet>

#include <algorithm>
#include <utility>

namespace qaio {

namespace {

// What an edge to anything but a task says of itself (a task's name is looked up when shown).
QString edgeText(const QJsonObject &edge)
{
    if (edge.isEmpty())
        return QString();
    const QString kind = edge.value(QLatin1String("kind")).toString();
    const QString detail = edge.value(QLatin1String("detail")).toString();
    const QString label = edge.value(QLatin1String("label")).toString();
    if (!detail.isEmpty())
        return label.isEmpty() ? detail : QStringLiteral("%1: %2").arg(label, detail);
    return label.isEmpty() ? kind : label;
}

} // namespace

struct TaskModel::Row
{
    quint64 id = 0;
    quint64 parentId = 0;
    QString name;
    QString state;
    bool live = true;
    qint64 busyNs = 0;
    qint64 idleNs = 0;
    qint64 scheduledNs = 0;
    qint64 steps = 0;
    qint64 yields = 0;
    QString awaitText; // the edge's own text; for a task, see awaitingText()
    QString awaitKind;
    quint64 awaitTaskId = 0;
    QVariantList awaitedBy;
    QString createdAt;
    QStringList awaitStack;
    int cancelling = 0;
    QString cancelMessage;
    QVariantList stepHistogram;
    QStringList warnings;

    qint64 ageNs() const { return busyNs + idleNs + scheduledNs; }
    bool operator==(const Row &) const = default;
};

TaskModel::TaskModel(QObject *parent) : QAbstractTableModel(parent) {}

TaskModel::~TaskModel() = default;

void TaskModel::setMaxFinished(int count)
{
    count = std::max(0, count);
    if (count == m_maxFinished)
        return;
    m_maxFinished = count;
    dropOldestFinished();
    Q_EMIT maxFinishedChanged();
    Q_EMIT countsChanged();
}

int TaskModel::finishedCount() const
{
    return int(m_rows.size()) - m_liveCount;
}

int TaskModel::rowOfTask(quint64 id) const
{
    return m_rowOfId.value(id, -1);
}

bool TaskModel::applyFrame(const QJsonObject &frame)
{
    if (frame.value(QLatin1String("protocol")).toInt() != kInspectorProtocolVersion)
        return false;
    const bool partial = frame.value(QLatin1String("partial")).toBool();
    m_takenAtNs = frame.value(QLatin1String("takenAtNs")).toInteger();
    QList<int> changed;

    const QJsonArray tasks = frame.value(QLatin1String("tasks")).toArray();
    const QJsonArray finished = frame.value(QLatin1String("finished")).toArray();
    QSet<quint64> inFrame;
    for (const QJsonValue &t : tasks) {
        inFrame.insert(quint64(t.toObject().value(QLatin1String("id")).toInteger()));
        upsert(t.toObject(), true, changed);
    }
    for (const QJsonValue &t : finished) {
        inFrame.insert(quint64(t.toObject().value(QLatin1String("id")).toInteger()));
        upsert(t.toObject(), false, changed);
    }

    // Tasks that ended without (or before) reaching the frame's finished list go.
    QList<int> gone;
    if (partial) {
        for (const QJsonValue &id : frame.value(QLatin1String("removedTasks")).toArray()) {
            const int row = rowOfTask(quint64(id.toInteger()));
            if (row >= 0 && m_rows[std::size_t(row)].live)
                gone << row;
        }
    } else {
        for (int row = 0; row < int(m_rows.size()); ++row) {
            if (m_rows[std::size_t(row)].live && !inFrame.contains(m_rows[std::size_t(row)].id))
                gone << row;
        }
    }

    if (!partial) {
        // Warnings come with whole snapshots only: each task's list is replaced.
        QHash<quint64, QStringList> warnings;
        for (const QJsonValue &w : frame.value(QLatin1String("warnings")).toArray()) {
            const QJsonObject o = w.toObject();
            const QString kind = o.value(QLatin1String("kind")).toString();
            const QJsonArray cycle = o.value(QLatin1String("cycle")).toArray();
            if (!cycle.isEmpty()) {
                for (const QJsonValue &id : cycle)
                    warnings[quint64(id.toInteger())] << kind;
            } else if (const quint64 id = quint64(o.value(QLatin1String("taskId")).toInteger())) {
                warnings[id] << kind;
            }
        }
        for (int row = 0; row < int(m_rows.size()); ++row) {
            Row &r = m_rows[std::size_t(row)];
            QStringList now = warnings.value(r.id);
            now.removeDuplicates();
            if (now != r.warnings) {
                r.warnings = now;
                changed << row;
            }
        }
    }

    // Change notifications before removals: the rows they name are still where they were.
    emitRowsChanged(changed);
    dropRows(gone);
    dropOldestFinished();
    Q_EMIT countsChanged();
    return true;
}

void TaskModel::upsert(const QJsonObject &task, bool live, QList<int> &changedRows)
{
    Row r;
    r.id = quint64(task.value(QLatin1String("id")).toInteger());
    r.parentId = quint64(task.value(QLatin1String("parentId")).toInteger());
    r.name = task.value(QLatin1String("name")).toString();
    r.state = task.value(QLatin1String("state")).toString();
    r.live = live;
    r.busyNs = task.value(QLatin1String("busyNs")).toInteger();
    r.idleNs = task.value(QLatin1String("idleNs")).toInteger();
    r.scheduledNs = task.value(QLatin1String("scheduledNs")).toInteger();
    r.steps = task.value(QLatin1String("steps")).toInteger();
    r.yields = task.value(QLatin1String("yields")).toInteger();
    const QJsonObject edge = task.value(QLatin1String("awaits")).toObject();
    r.awaitKind = edge.value(QLatin1String("kind")).toString();
    r.awaitTaskId = quint64(edge.value(QLatin1String(r.awaitKind == QLatin1String("lock") ? "holderTaskId" : "taskId"))
                                .toInteger());
    r.awaitText = edgeText(edge);
    r.awaitedBy = task.value(QLatin1String("awaitedBy")).toArray().toVariantList();
    r.createdAt = siteText(task.value(QLatin1String("createdAt")));
    for (const QJsonValue &site : task.value(QLatin1String("awaitStack")).toArray())
        r.awaitStack << siteText(site);
    r.cancelling = task.value(QLatin1String("cancelling")).toInt();
    r.cancelMessage = task.value(QLatin1String("cancelMessage")).toString();
    r.stepHistogram = task.value(QLatin1String("stepHistogram")).toArray().toVariantList();

    const int row = rowOfTask(r.id);
    if (row < 0) {
        const int at = int(m_rows.size());
        beginInsertRows(QModelIndex(), at, at);
        m_rows.push_back(std::move(r));
        m_rowOfId.insert(m_rows.back().id, at);
        if (live)
            ++m_liveCount;
        endInsertRows();
        return;
    }
    Row &existing = m_rows[std::size_t(row)];
    r.warnings = existing.warnings;
    if (r == existing)
        return;
    if (existing.live != r.live)
        m_liveCount += r.live ? 1 : -1;
    existing = std::move(r);
    changedRows << row;
}

void TaskModel::emitRowsChanged(QList<int> rows)
{
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    for (qsizetype i = 0; i < rows.size();) {
        qsizetype j = i;
        while (j + 1 < rows.size() && rows[j + 1] == rows[j] + 1)
            ++j;
        Q_EMIT dataChanged(index(rows[i], 0), index(rows[j], ColumnCount - 1));
        i = j + 1;
    }
}

void TaskModel::dropRows(QList<int> rows)
{
    if (rows.isEmpty())
        return;
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    // From the last range to the first, so the rows still to remove keep their numbers.
    for (qsizetype j = rows.size() - 1; j >= 0;) {
        qsizetype i = j;
        while (i > 0 && rows[i - 1] == rows[i] - 1)
            --i;
        const int first = rows[i], last = rows[j];
        beginRemoveRows(QModelIndex(), first, last);
        for (int row = first; row <= last; ++row) {
            m_rowOfId.remove(m_rows[std::size_t(row)].id);
            if (m_rows[std::size_t(row)].live)
                --m_liveCount;
        }
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
        reindexFrom(first);
        endRemoveRows();
        j = i - 1;
    }
}

void TaskModel::dropOldestFinished()
{
    int excess = finishedCount() - m_maxFinished;
    QList<int> oldest;
    for (int row = 0; excess > 0 && row < int(m_rows.size()); ++row) {
        if (!m_rows[std::size_t(row)].live) {
            oldest << row;
            --excess;
        }
    }
    dropRows(oldest);
}

void TaskModel::reindexFrom(int first)
{
    for (int row = first; row < int(m_rows.size()); ++row)
        m_rowOfId[m_rows[std::size_t(row)].id] = row;
}

void TaskModel::clear()
{
    if (m_rows.empty())
        return;
    beginResetModel();
    m_rows.clear();
    m_rowOfId.clear();
    m_liveCount = 0;
    endResetModel();
    Q_EMIT countsChanged();
}

int TaskModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TaskModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TaskModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Row &r = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
    case SortRole:
        return cell(r, index.column(), role);
    case IdRole: return r.id;
    case ParentIdRole: return r.parentId;
    case NameRole: return r.name;
    case StateRole: return r.state;
    case LiveRole: return r.live;
    case BusyNsRole: return r.busyNs;
    case IdleNsRole: return r.idleNs;
    case ScheduledNsRole: return r.scheduledNs;
    case AgeNsRole: return r.ageNs();
    case StepsRole: return r.steps;
    case YieldsRole: return r.yields;
    case AwaitingRole: return awaitingText(r);
    case AwaitKindRole: return r.awaitKind;
    case AwaitTaskIdRole: return r.awaitTaskId;
    case AwaitedByRole: return r.awaitedBy;
    case CreatedAtRole: return r.createdAt;
    case AwaitSiteRole: return r.awaitStack.isEmpty() ? QString() : r.awaitStack.last();
    case AwaitStackRole: return r.awaitStack;
    case CancellingRole: return r.cancelling;
    case CancelMessageRole: return r.cancelMessage;
    case StepHistogramRole: return r.stepHistogram;
    case WarningsRole: return r.warnings;
    default: return QVariant();
    }
}

QString TaskModel::awaitingText(const Row &r) const
{
    if (r.awaitKind != QLatin1String("task"))
        return r.awaitText;
    const int row = rowOfTask(r.awaitTaskId);
    return row < 0 ? QStringLiteral("task %1").arg(r.awaitTaskId)
                   : QStringLiteral("task '%1'").arg(m_rows[std::size_t(row)].name);
}

QVariant TaskModel::cell(const Row &r, int column, int role) const
{
    const bool sort = role == SortRole;
    switch (Column(column)) {
    case IdColumn: return sort ? QVariant(r.id) : QVariant(QString::number(r.id));
    case NameColumn: return r.name;
    case StateColumn: return r.state;
    case BusyColumn: return sort ? QVariant(r.busyNs) : QVariant(formatDuration(r.busyNs));
    case IdleColumn: return sort ? QVariant(r.idleNs) : QVariant(formatDuration(r.idleNs));
    case ScheduledColumn: return sort ? QVariant(r.scheduledNs) : QVariant(formatDuration(r.scheduledNs));
    case StepsColumn: return sort ? QVariant(r.steps) : QVariant(QString::number(r.steps));
    case AgeColumn: return sort ? QVariant(r.ageNs()) : QVariant(formatDuration(r.ageNs()));
    case AwaitingColumn: return awaitingText(r);
    case ColumnCount: break;
    }
    return QVariant();
}

QVariant TaskModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case IdColumn: return tr("Id");
    case NameColumn: return tr("Name");
    case StateColumn: return tr("State");
    case BusyColumn: return tr("Busy");
    case IdleColumn: return tr("Idle");
    case ScheduledColumn: return tr("Scheduled");
    case StepsColumn: return tr("Steps");
    case AgeColumn: return tr("Age");
    case AwaitingColumn: return tr("Awaiting");
    case ColumnCount: break;
    }
    return QVariant();
}

QHash<int, QByteArray> TaskModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    static const std::pair<int, const char *> named[] = {
        {SortRole, "sortValue"},
        {IdRole, "taskId"},
        {ParentIdRole, "parentId"},
        {NameRole, "name"},
        {StateRole, "state"},
        {LiveRole, "live"},
        {BusyNsRole, "busyNs"},
        {IdleNsRole, "idleNs"},
        {ScheduledNsRole, "scheduledNs"},
        {AgeNsRole, "ageNs"},
        {StepsRole, "steps"},
        {YieldsRole, "yields"},
        {AwaitingRole, "awaiting"},
        {AwaitKindRole, "awaitKind"},
        {AwaitTaskIdRole, "awaitTaskId"},
        {AwaitedByRole, "awaitedBy"},
        {CreatedAtRole, "createdAt"},
        {AwaitSiteRole, "awaitSite"},
        {AwaitStackRole, "awaitStack"},
        {CancellingRole, "cancelling"},
        {CancelMessageRole, "cancelMessage"},
        {StepHistogramRole, "stepHistogram"},
        {WarningsRole, "warnings"},
    };
    for (const auto &[role, name] : named)
        names.insert(role, name);
    return names;
}

QString TaskModel::formatDuration(qint64 ns)
{
    if (ns < 1000)
        return QStringLiteral("%1 ns").arg(ns);
    if (ns < 1000000)
        return QStringLiteral("%1 µs").arg(double(ns) / 1e3, 0, 'f', ns < 10000 ? 2 : 1);
    if (ns < 1000000000)
        return QStringLiteral("%1 ms").arg(double(ns) / 1e6, 0, 'f', ns < 10000000 ? 2 : 1);
    return QStringLiteral("%1 s").arg(double(ns) / 1e9, 0, 'f', 2);
}

} // namespace qaio
