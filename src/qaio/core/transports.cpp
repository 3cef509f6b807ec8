// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/transports.h>

namespace qaio {

BaseTransport::~BaseTransport() = default;

QVariant BaseTransport::extraInfo(const QString &, const QVariant &defaultValue) const
{
    return defaultValue;
}

} // namespace qaio
