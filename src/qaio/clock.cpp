// Copyright (c) qaio authors. Licensed under the MIT license.
#include "clock.h"

namespace qaio {

Clock::~Clock() = default;

} // namespace qaio
