// Copyright (c) qaio authors. Licensed under the MIT license.
#include "warningmodel.h"

#include "sitetext.h"

#include <qaio/inspect/snapshotjson.h>

#include <QtCore/QJsonArray>

#include <tuple>

namespace qaio {

struct WarningModel::Warning
{
    QString kind;
    quint64 taskId = 0;
    QString taskName;
    QString message;
    QString createdAt;
    QString awaitSite;
    QVariantList cycle;
    int occurrence = 0; // tells identical warnings apart

    std::tuple<QString, quint64, QString, int> key() const { return {kind, taskId, message, occurrence}; }
    bool operator==(const Warning &) const = default;
};

WarningModel::WarningModel(QObject *parent) : FrameListModel(parent) {}

WarningModel::~WarningModel() = default;

bool WarningModel::applyFrame(const QJsonObject &frame)
{
    if (frame.value(QLatin1String("protocol")).toInt() != kInspectorProtocolVersion)
        return false;
    if (frame.value(QLatin1String("partial")).toBool())
        return true; // change frames carry no warnings
    std::vector<Warning> next;
    for (const QJsonValue &value : frame.value(QLatin1String("warnings")).toArray()) {
        const QJsonObject o = value.toObject();
        Warning w;
        w.kind = o.value(QLatin1String("kind")).toString();
        w.taskId = quint64(o.value(QLatin1String("taskId")).toInteger());
        w.taskName = o.value(QLatin1String("taskName")).toString();
        w.message = o.value(QLatin1String("message")).toString();
        w.createdAt = siteText(o.value(QLatin1String("createdAt")));
        w.awaitSite = siteText(o.value(QLatin1String("awaitSite")));
        w.cycle = o.value(QLatin1String("cycle")).toArray().toVariantList();
        for (const Warning &earlier : next) {
            if (earlier.kind == w.kind && earlier.taskId == w.taskId && earlier.message == w.message)
                ++w.occurrence;
        }
        next.push_back(std::move(w));
    }
    replaceItems(m_warnings, std::move(next));
    return true;
}

int WarningModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_warnings.size());
}

QVariant WarningModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Warning &w = m_warnings[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case MessageRole: return w.message;
    case KindRole: return w.kind;
    case TaskIdRole: return w.taskId;
    case TaskNameRole: return w.taskName;
    case CreatedAtRole: return w.createdAt;
    case AwaitSiteRole: return w.awaitSite;
    case CycleRole: return w.cycle;
    default: return QVariant();
    }
}

QHash<int, QByteArray> WarningModel::roleNames() const
{
    QHash<int, QByteArray> names = FrameListModel::roleNames();
    names.insert(KindRole, "kind");
    names.insert(TaskIdRole, "taskId");
    names.insert(TaskNameRole, "taskName");
    names.insert(MessageRole, "message");
    names.insert(CreatedAtRole, "createdAt");
    names.insert(AwaitSiteRole, "awaitSite");
    names.insert(CycleRole, "cycle");
    return names;
}

} // namespace qaio
