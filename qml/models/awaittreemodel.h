// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include "taskmodel.h"

#include <QtCore/QAbstractItemModel>
#include <QtCore/QHash>
#include <QtCore/QPointer>

#include <memory>
#include <vector>

namespace qaio {

/*!
    \class qaio::AwaitTreeModel
    The await graph of a TaskModel's live tasks as a tree, like `python -m asyncio
    pstree`: each task sits under the task it awaits, so a task's children are the tasks
    waiting for it, and the roots are the tasks that await no task (they sleep, read, wait
    on a future, or run). Each task appears once. Columns and roles are TaskModel's.

    The tree follows its source frame by frame without a reset: tasks that appear are
    inserted under their parent, tasks that end are removed, and a task whose await edge
    changed moves to its new parent (with its subtree), so persistent indexes follow it.

    \code
    qaio::AwaitTreeModel tree;
    tree.setSourceModel(&tasks);
    QTreeView view;
    view.setModel(&tree);
    \endcode
*/
class AwaitTreeModel : public QAbstractItemModel
{
    Q_OBJECT
    Q_PROPERTY(qaio::TaskModel *sourceModel READ sourceModel WRITE setSourceModel NOTIFY sourceModelChanged)

public:
    explicit AwaitTreeModel(QObject *parent = nullptr);
    ~AwaitTreeModel() override;

    TaskModel *sourceModel() const { return m_source; }
    void setSourceModel(TaskModel *source);

    /*! The index (column 0) of task \a id, or an invalid one. */
    Q_INVOKABLE QModelIndex indexOfTask(quint64 id) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void sourceModelChanged();

private:
    struct Node;
    Node *nodeOf(const QModelIndex &index) const;
    QModelIndex indexOfNode(const Node *node, int column = 0) const;
    /*! Brings the tree in line with the source's rows and await edges. */
    void sync();
    void forwardDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight, const QList<int> &roles);
    void removeNode(Node *node);

    QPointer<TaskModel> m_source;
    std::unique_ptr<Node> m_root; // invisible: its children are the top-level rows
    QHash<quint64, Node *> m_nodeOfTask;
    QList<QMetaObject::Connection> m_connections;
};

} // namespace qaio
