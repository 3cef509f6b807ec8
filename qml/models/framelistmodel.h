// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QAbstractListModel>
#include <QtCore/QJsonObject>

#include <algorithm>
#include <vector>

namespace qaio {

/*!
    \class qaio::FrameListModel
    The base of the inspector's list models whose items a whole snapshot replaces
    (warnings, resources): replaceItems() turns the new list into row removals,
    insertions and changes matched by each item's key, never a reset, so a view keeps
    its selection across frames.
*/
class FrameListModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ count NOTIFY countChanged)

public:
    using QAbstractListModel::QAbstractListModel;

    int count() const { return rowCount(); }
    /*! Applies one frame of the inspector protocol; false for another protocol version. */
    Q_INVOKABLE virtual bool applyFrame(const QJsonObject &frame) = 0;

Q_SIGNALS:
    void countChanged();

protected:
    /*! Makes \a items equal to \a next: items whose key (Item::key()) left are removed,
        new ones are inserted where \a next has them, changed ones are reported. */
    template <class Item>
    void replaceItems(std::vector<Item> &items, std::vector<Item> next)
    {
        const int before = int(items.size());
        for (int row = int(items.size()) - 1; row >= 0; --row) {
            const auto key = items[std::size_t(row)].key();
            const bool kept = std::any_of(next.begin(), next.end(), [&](const Item &n) { return n.key() == key; });
            if (!kept) {
                beginRemoveRows(QModelIndex(), row, row);
                items.erase(items.begin() + row);
                endRemoveRows();
            }
        }
        // What is left keeps its order; new items go where the new list puts them.
        for (std::size_t i = 0; i < next.size(); ++i) {
            if (i < items.size() && items[i].key() == next[i].key()) {
                if (!(items[i] == next[i])) {
                    items[i] = std::move(next[i]);
                    Q_EMIT dataChanged(index(int(i)), index(int(i)));
                }
                continue;
            }
            const auto found = std::find_if(items.begin() + std::ptrdiff_t(i), items.end(),
                                            [&](const Item &item) { return item.key() == next[i].key(); });
            if (found != items.end()) {
                const int from = int(found - items.begin());
                beginMoveRows(QModelIndex(), from, from, QModelIndex(), int(i));
                Item moved = std::move(*found);
                items.erase(found);
                items.insert(items.begin() + std::ptrdiff_t(i), std::move(moved));
                endMoveRows();
                if (!(items[i] == next[i])) {
                    items[i] = std::move(next[i]);
                    Q_EMIT dataChanged(index(int(i)), index(int(i)));
                }
                continue;
            }
            beginInsertRows(QModelIndex(), int(i), int(i));
            items.insert(items.begin() + std::ptrdiff_t(i), std::move(next[i]));
            endInsertRows();
        }
        if (int(items.size()) != before)
            Q_EMIT countChanged();
    }
};

} // namespace qaio
