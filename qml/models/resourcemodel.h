// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include "framelistmodel.h"

namespace qaio {

/*!
    \class qaio::ResourceModel
    What the inspected loop holds open (transports, servers, watched descriptors, signal
    handlers, subprocesses) with the tasks waiting on each, as every frame lists them.

    Roles: resourceId, kind ("socket transport", "server", "fd", ...), description, fd
    (-1 if none), bytesIn and bytesOut (-1 if not counted), writeBufferSize, readingPaused,
    writingPaused, closing, waitingTasks (task ids).
*/
class ResourceModel : public FrameListModel
{
    Q_OBJECT

public:
    enum Role {
        ResourceIdRole = Qt::UserRole + 1, KindRole, DescriptionRole, FdRole, BytesInRole, BytesOutRole,
        WriteBufferSizeRole, ReadingPausedRole, WritingPausedRole, ClosingRole, WaitingTasksRole
    };
    Q_ENUM(Role)

    explicit ResourceModel(QObject *parent = nullptr);
    ~ResourceModel() override;

    bool applyFrame(const QJsonObject &frame) override;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    struct Resource;
    std::vector<Resource> m_resources;
};

} // namespace qaio
