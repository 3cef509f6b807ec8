// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QSortFilterProxyModel>
#include <QtCore/QStringList>

namespace qaio {

/*!
    \class qaio::TaskFilterModel
    TaskModel sorted and filtered as the inspector's table offers: by any column (the
    column's raw value, not its text: "12.5 ms" sorts after "850 ns"), and by state, name
    substring (case-insensitive), least busy time, least age, warnings only, and whether
    finished tasks show. Filters combine (all must hold); an empty one lets every task
    through. The rows follow the source's incremental updates, so a view keeps its
    selection while frames arrive.

    \code
    qaio::TaskFilterModel filtered;
    filtered.setSourceModel(&tasks);
    filtered.setNameFilter("fetch");
    filtered.setWarningsOnly(true);
    filtered.sortBy(qaio::TaskModel::BusyColumn, Qt::DescendingOrder);
    \endcode
*/
class TaskFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_PROPERTY(QString nameFilter READ nameFilter WRITE setNameFilter NOTIFY filtersChanged)
    Q_PROPERTY(QStringList states READ states WRITE setStates NOTIFY filtersChanged)
    Q_PROPERTY(qint64 minBusyNs READ minBusyNs WRITE setMinBusyNs NOTIFY filtersChanged)
    Q_PROPERTY(qint64 minAgeNs READ minAgeNs WRITE setMinAgeNs NOTIFY filtersChanged)
    Q_PROPERTY(bool warningsOnly READ warningsOnly WRITE setWarningsOnly NOTIFY filtersChanged)
    Q_PROPERTY(bool showFinished READ showFinished WRITE setShowFinished NOTIFY filtersChanged)

public:
    explicit TaskFilterModel(QObject *parent = nullptr);

    QString nameFilter() const { return m_name; }
    void setNameFilter(const QString &substring);
    /*! The states shown ("waiting", "failed", ...); empty: all. */
    QStringList states() const { return m_states; }
    void setStates(const QStringList &states);
    qint64 minBusyNs() const { return m_minBusyNs; }
    void setMinBusyNs(qint64 ns);
    qint64 minAgeNs() const { return m_minAgeNs; }
    void setMinAgeNs(qint64 ns);
    bool warningsOnly() const { return m_warningsOnly; }
    void setWarningsOnly(bool only);
    /*! Whether ended tasks show (default true). */
    bool showFinished() const { return m_showFinished; }
    void setShowFinished(bool show);

    /*! Sorts by \a column of TaskModel, by its raw value. */
    Q_INVOKABLE void sortBy(int column, Qt::SortOrder order = Qt::AscendingOrder);
    /*! The row in this model of task \a id, or -1 (filtered out, or unknown). */
    Q_INVOKABLE int rowOfTask(quint64 id) const;

Q_SIGNALS:
    void filtersChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    template <class T>
    void setFilter(T &field, const T &value);

    QString m_name;
    QStringList m_states;
    qint64 m_minBusyNs = 0;
    qint64 m_minAgeNs = 0;
    bool m_warningsOnly = false;
    bool m_showFinished = true;
};

} // namespace qaio
