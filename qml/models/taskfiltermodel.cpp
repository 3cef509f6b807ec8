// Copyright (c) qaio authors. Licensed under the MIT license.
#include "taskfiltermodel.h"

#include "taskmodel.h"

namespace qaio {

TaskFilterModel::TaskFilterModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(TaskModel::SortRole);
    setDynamicSortFilter(true);
}

template <class T>
void TaskFilterModel::setFilter(T &field, const T &value)
{
    if (field == value)
        return;
    field = value;
    invalidateFilter();
    Q_EMIT filtersChanged();
}

void TaskFilterModel::setNameFilter(const QString &substring)
{
    setFilter(m_name, substring);
}

void TaskFilterModel::setStates(const QStringList &states)
{
    setFilter(m_states, states);
}

void TaskFilterModel::setMinBusyNs(qint64 ns)
{
    setFilter(m_minBusyNs, ns);
}

void TaskFilterModel::setMinAgeNs(qint64 ns)
{
    setFilter(m_minAgeNs, ns);
}

void TaskFilterModel::setWarningsOnly(bool only)
{
    setFilter(m_warningsOnly, only);
}

void TaskFilterModel::setShowFinished(bool show)
{
    setFilter(m_showFinished, show);
}

void TaskFilterModel::sortBy(int column, Qt::SortOrder order)
{
    sort(column, order);
}

int TaskFilterModel::rowOfTask(quint64 id) const
{
    const auto *tasks = qobject_cast<const TaskModel *>(sourceModel());
    if (!tasks)
        return -1;
    const int sourceRow = tasks->rowOfTask(id);
    return sourceRow < 0 ? -1 : mapFromSource(tasks->index(sourceRow, 0)).row();
}

bool TaskFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex task = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_showFinished && !task.data(TaskModel::LiveRole).toBool())
        return false;
    if (!m_states.isEmpty() && !m_states.contains(task.data(TaskModel::StateRole).toString()))
        return false;
    if (!m_name.isEmpty() && !task.data(TaskModel::NameRole).toString().contains(m_name, Qt::CaseInsensitive))
        return false;
    if (m_minBusyNs > 0 && task.data(TaskModel::BusyNsRole).toLongLong() < m_minBusyNs)
        return false;
    if (m_minAgeNs > 0 && task.data(TaskModel::AgeNsRole).toLongLong() < m_minAgeNs)
        return false;
    if (m_warningsOnly && task.data(TaskModel::WarningsRole).toStringList().isEmpty())
        return false;
    return true;
}

} // namespace qaio
