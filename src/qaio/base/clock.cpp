// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/base/clock.h>

#include <qaio/base/errors.h>

namespace qaio {

Clock::~Clock() = default;

void Delay::throwNaN(const char *argument)
{
    throw ValueError(QStringLiteral("Invalid %1: NaN (not a number)").arg(QLatin1String(argument)));
}

} // namespace qaio
