// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include "framelistmodel.h"

#include <QtCore/QStringList>

namespace qaio {

/*!
    \class qaio::WarningModel
    The inspector's warnings (docs/inspector.md: slow steps, await cycles, lost wakers,
    dropped outcomes, busy-yielding), as the last whole snapshot lists them; change frames
    carry none and leave the list as it is.

    Roles: kind ("await-cycle", ...), taskId, taskName, message, createdAt and awaitSite
    ("file:line"), cycle (the task ids of an await cycle).
*/
class WarningModel : public FrameListModel
{
    Q_OBJECT

public:
    enum Role { KindRole = Qt::UserRole + 1, TaskIdRole, TaskNameRole, MessageRole, CreatedAtRole, AwaitSiteRole, CycleRole };
    Q_ENUM(Role)

    explicit WarningModel(QObject *parent = nullptr);
    ~WarningModel() override;

    bool applyFrame(const QJsonObject &frame) override;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    struct Warning;
    std::vector<Warning> m_warnings;
};

} // namespace qaio
