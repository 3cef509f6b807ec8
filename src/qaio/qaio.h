// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file qaio.h
    Everything qaio offers, in one include.
*/

#include "ascompleted.h"
#include "asyncgenerator.h"
#include "clock.h"
#include "connectionoptions.h"
#include "coro.h"
#include "dns.h"
#include "ensurefuture.h"
#include "errors.h"
#include "eventloop.h"
#include "exceptioncontext.h"
#include "executor.h"
#include "future.h"
#include "gather.h"
#include "handle.h"
#include "oserror.h"
#include "outcome.h"
#include "policy.h"
#include "protocols.h"
#include "qtfuture.h"
#include "qtsignal.h"
#include "server.h"
#include "shield.h"
#include "sleep.h"
#include "socket.h"
#include "socketaddress.h"
#include "streamerrors.h"
#include "streamreader.h"
#include "streams.h"
#include "streamwriter.h"
#include "task.h"
#include "taskgroup.h"
#include "timeout.h"
#include "transports.h"
#include "wait.h"
