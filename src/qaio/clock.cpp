// Copyright (c) qaio authors. Licensed under the MIT license.
#include "clock.h"

#include "errors.h"

namespace qaio {

Clock::~Clock() = default;

Duration Delay::toDuration(const char *argument) const
{
    if (m_nan)
        throw ValueError(QStringLiteral("Invalid %1: NaN (not a number)").arg(QLatin1String(argument)));
    return m_value;
}

} // namespace qaio
