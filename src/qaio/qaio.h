// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file qaio.h
    Everything qaio offers, in one include.
*/

#include "clock.h"
#include "coro.h"
#include "errors.h"
#include "eventloop.h"
#include "exceptioncontext.h"
#include "executor.h"
#include "future.h"
#include "handle.h"
#include "policy.h"
#include "sleep.h"
#include "task.h"
