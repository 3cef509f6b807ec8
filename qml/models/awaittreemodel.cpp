// Copyright (c) qaio authors. Licensed under the MIT license.
#include "awaittreemodel.h"

#include "taskmodel.h"

#include <algorithm>

namespace qaio {

struct AwaitTreeModel::Node
{
    quint64 id = 0;
    Node *parent = nullptr;
    int rowInParent = 0; // kept by renumber(): parent() and data() need it in O(1)
    std::vector<std::unique_ptr<Node>> children;

    int row() const { return rowInParent; }
    /*! Sets the rows of the children from \a from on, after an insertion or removal there. */
    void renumber(std::size_t from)
    {
        for (std::size_t i = from; i < children.size(); ++i)
            children[i]->rowInParent = int(i);
    }
};

AwaitTreeModel::AwaitTreeModel(QObject *parent) : QAbstractItemModel(parent), m_root(std::make_unique<Node>()) {}

AwaitTreeModel::~AwaitTreeModel() = default;

void AwaitTreeModel::setSourceModel(TaskModel *source)
{
    if (source == m_source)
        return;
    for (const QMetaObject::Connection &c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    beginResetModel();
    m_source = source;
    m_root = std::make_unique<Node>();
    m_nodeOfTask.clear();
    endResetModel();
    if (source) {
        // TaskModel signals countsChanged() once a frame is applied: the tree follows then.
        m_connections << connect(source, &TaskModel::countsChanged, this, &AwaitTreeModel::sync)
                      << connect(source, &QAbstractItemModel::modelReset, this, &AwaitTreeModel::sync)
                      << connect(source, &QAbstractItemModel::dataChanged, this, &AwaitTreeModel::forwardDataChanged);
        sync();
    }
    Q_EMIT sourceModelChanged();
}

AwaitTreeModel::Node *AwaitTreeModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex AwaitTreeModel::indexOfNode(const Node *node, int column) const
{
    if (!node || node == m_root.get())
        return QModelIndex();
    return createIndex(node->row(), column, const_cast<Node *>(node));
}

QModelIndex AwaitTreeModel::indexOfTask(quint64 id) const
{
    return indexOfNode(m_nodeOfTask.value(id));
}

void AwaitTreeModel::removeNode(Node *node)
{
    const int row = node->row();
    beginRemoveRows(indexOfNode(node->parent), row, row);
    std::vector<Node *> stack{node};
    while (!stack.empty()) {
        Node *n = stack.back();
        stack.pop_back();
        m_nodeOfTask.remove(n->id);
        for (const auto &child : n->children)
            stack.push_back(child.get());
    }
    Node *parent = node->parent;
    parent->children.erase(parent->children.begin() + row);
    parent->renumber(std::size_t(row));
    endRemoveRows();
}

void AwaitTreeModel::sync()
{
    if (!m_source)
        return;
    // Where each live task belongs: under the live task it awaits, else at the top.
    const int rows = m_source->rowCount();
    std::vector<quint64> order; // source order: children keep it among themselves
    QHash<quint64, quint64> parentOf;
    QHash<quint64, int> rank;
    for (int row = 0; row < rows; ++row) {
        const QModelIndex task = m_source->index(row, 0);
        if (!task.data(TaskModel::LiveRole).toBool())
            continue;
        const quint64 id = task.data(TaskModel::IdRole).toULongLong();
        order.push_back(id);
        rank.insert(id, row);
        const bool awaitsTask = task.data(TaskModel::AwaitKindRole).toString() == QLatin1String("task");
        parentOf.insert(id, awaitsTask ? task.data(TaskModel::AwaitTaskIdRole).toULongLong() : 0);
    }
    for (auto it = parentOf.begin(); it != parentOf.end(); ++it) {
        if (it.value() && !rank.contains(it.value()))
            it.value() = 0; // awaits a task that is not live: a root
    }
    // An await cycle has no root: its member first in source order becomes one, so the
    // cycle shows (the inspector warns about it) instead of vanishing.
    for (const quint64 id : order) {
        QList<quint64> seen{id};
        quint64 up = parentOf.value(id);
        while (up && !seen.contains(up)) {
            seen << up;
            up = parentOf.value(up);
        }
        if (up == id)
            parentOf[id] = 0;
    }

    // 1. Tasks that ended go, with their subtrees (tasks still live below them come back
    //    in step 3 under their new parent).
    const QList<quint64> known = m_nodeOfTask.keys();
    for (const quint64 id : known) {
        Node *node = m_nodeOfTask.value(id);
        if (node && !rank.contains(id))
            removeNode(node);
    }
    // 2. Tasks whose parent changed move there, subtree and all, when the new parent is
    //    in the tree already; otherwise they wait for step 3.
    for (const quint64 id : order) {
        Node *node = m_nodeOfTask.value(id);
        if (!node)
            continue;
        const quint64 wanted = parentOf.value(id);
        Node *newParent = wanted ? m_nodeOfTask.value(wanted) : m_root.get();
        if (node->parent == newParent)
            continue;
        bool intoOwnSubtree = false;
        for (const Node *up = newParent; up; up = up->parent)
            intoOwnSubtree = intoOwnSubtree || up == node;
        if (!newParent || intoOwnSubtree) {
            removeNode(node);
            continue;
        }
        auto &siblings = newParent->children;
        const auto at = std::find_if(siblings.begin(), siblings.end(),
                                     [&](const auto &n) { return rank.value(n->id) > rank.value(id); });
        const int from = node->row();
        const int to = int(at - siblings.begin());
        if (!beginMoveRows(indexOfNode(node->parent), from, from, indexOfNode(newParent), to)) {
            removeNode(node);
            continue;
        }
        Node *oldParent = node->parent;
        std::unique_ptr<Node> owned = std::move(oldParent->children[std::size_t(from)]);
        oldParent->children.erase(oldParent->children.begin() + from);
        oldParent->renumber(std::size_t(from));
        owned->parent = newParent;
        siblings.insert(siblings.begin() + to, std::move(owned));
        newParent->renumber(std::size_t(to));
        endMoveRows();
    }
    // 3. New tasks (and those step 2 could not move) are inserted, parents before children.
    bool inserted = true;
    while (inserted) {
        inserted = false;
        for (const quint64 id : order) {
            if (m_nodeOfTask.contains(id))
                continue;
            const quint64 wanted = parentOf.value(id);
            Node *parent = wanted ? m_nodeOfTask.value(wanted) : m_root.get();
            if (!parent)
                continue; // its parent comes first, in a later round
            auto &siblings = parent->children;
            const auto at = std::find_if(siblings.begin(), siblings.end(),
                                         [&](const auto &n) { return rank.value(n->id) > rank.value(id); });
            const int row = int(at - siblings.begin());
            beginInsertRows(indexOfNode(parent), row, row);
            auto node = std::make_unique<Node>();
            node->id = id;
            node->parent = parent;
            m_nodeOfTask.insert(id, node.get());
            siblings.insert(siblings.begin() + row, std::move(node));
            parent->renumber(std::size_t(row));
            endInsertRows();
            inserted = true;
        }
    }
}

void AwaitTreeModel::forwardDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight, const QList<int> &roles)
{
    for (int row = topLeft.row(); row <= bottomRight.row(); ++row) {
        const quint64 id = m_source->index(row, 0).data(TaskModel::IdRole).toULongLong();
        if (const Node *node = m_nodeOfTask.value(id))
            Q_EMIT dataChanged(indexOfNode(node, 0), indexOfNode(node, columnCount() - 1), roles);
    }
}

QModelIndex AwaitTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return QModelIndex();
    return createIndex(row, column, nodeOf(parent)->children[std::size_t(row)].get());
}

QModelIndex AwaitTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return QModelIndex();
    return indexOfNode(nodeOf(child)->parent);
}

int AwaitTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return int(nodeOf(parent)->children.size());
}

int AwaitTreeModel::columnCount(const QModelIndex &) const
{
    return TaskModel::ColumnCount;
}

QVariant AwaitTreeModel::data(const QModelIndex &index, int role) const
{
    if (!m_source || !checkIndex(index, CheckIndexOption::IndexIsValid))
        return QVariant();
    const int row = m_source->rowOfTask(nodeOf(index)->id);
    return row < 0 ? QVariant() : m_source->index(row, index.column()).data(role);
}

QVariant AwaitTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return m_source ? m_source->headerData(section, orientation, role)
                    : QAbstractItemModel::headerData(section, orientation, role);
}

QHash<int, QByteArray> AwaitTreeModel::roleNames() const
{
    return m_source ? m_source->roleNames() : QAbstractItemModel::roleNames();
}

} // namespace qaio
