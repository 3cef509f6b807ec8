// Copyright (c) qaio authors. Licensed under the MIT license.
#include "resourcemodel.h"

#include <qaio/inspect/snapshotjson.h>

#include <QtCore/QJsonArray>

namespace qaio {

struct ResourceModel::Resource
{
    quint64 id = 0;
    QString kind;
    QString description;
    qint64 fd = -1;
    qint64 bytesIn = -1;
    qint64 bytesOut = -1;
    qint64 writeBufferSize = 0;
    bool readingPaused = false;
    bool writingPaused = false;
    bool closing = false;
    QVariantList waitingTasks;

    quint64 key() const { return id; }
    bool operator==(const Resource &) const = default;
};

ResourceModel::ResourceModel(QObject *parent) : FrameListModel(parent) {}

ResourceModel::~ResourceModel() = default;

bool ResourceModel::applyFrame(const QJsonObject &frame)
{
    if (frame.value(QLatin1String("protocol")).toInt() != kInspectorProtocolVersion)
        return false;
    std::vector<Resource> next;
    for (const QJsonValue &value : frame.value(QLatin1String("resources")).toArray()) {
        const QJsonObject o = value.toObject();
        Resource r;
        r.id = quint64(o.value(QLatin1String("id")).toInteger());
        r.kind = o.value(QLatin1String("kind")).toString();
        r.description = o.value(QLatin1String("description")).toString();
        r.fd = o.value(QLatin1String("fd")).toInteger(-1);
        r.bytesIn = o.value(QLatin1String("bytesIn")).toInteger(-1);
        r.bytesOut = o.value(QLatin1String("bytesOut")).toInteger(-1);
        r.writeBufferSize = o.value(QLatin1String("writeBufferSize")).toInteger();
        r.readingPaused = o.value(QLatin1String("readingPaused")).toBool();
        r.writingPaused = o.value(QLatin1String("writingPaused")).toBool();
        r.closing = o.value(QLatin1String("closing")).toBool();
        r.waitingTasks = o.value(QLatin1String("waitingTasks")).toArray().toVariantList();
        next.push_back(std::move(r));
    }
    replaceItems(m_resources, std::move(next));
    return true;
}

int ResourceModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_resources.size());
}

QVariant ResourceModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Resource &r = m_resources[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case DescriptionRole: return r.description;
    case ResourceIdRole: return r.id;
    case KindRole: return r.kind;
    case FdRole: return r.fd;
    case BytesInRole: return r.bytesIn;
    case BytesOutRole: return r.bytesOut;
    case WriteBufferSizeRole: return r.writeBufferSize;
    case ReadingPausedRole: return r.readingPaused;
    case WritingPausedRole: return r.writingPaused;
    case ClosingRole: return r.closing;
    case WaitingTasksRole: return r.waitingTasks;
    default: return QVariant();
    }
}

QHash<int, QByteArray> ResourceModel::roleNames() const
{
    QHash<int, QByteArray> names = FrameListModel::roleNames();
    names.insert(ResourceIdRole, "resourceId");
    names.insert(KindRole, "kind");
    names.insert(DescriptionRole, "description");
    names.insert(FdRole, "fd");
    names.insert(BytesInRole, "bytesIn");
    names.insert(BytesOutRole, "bytesOut");
    names.insert(WriteBufferSizeRole, "writeBufferSize");
    names.insert(ReadingPausedRole, "readingPaused");
    names.insert(WritingPausedRole, "writingPaused");
    names.insert(ClosingRole, "closing");
    names.insert(WaitingTasksRole, "waitingTasks");
    return names;
}

} // namespace qaio
