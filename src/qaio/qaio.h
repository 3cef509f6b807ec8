// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

/*!
    \file qaio.h
    Everything qaio offers, in one include.
*/

#include <qaio/base/clock.h>
#include <qaio/base/errors.h>
#include <qaio/core/executor.h>
#include <qaio/core/handle.h>
#include <qaio/core/protocols.h>
#include <qaio/core/reactor.h>
#include <qaio/core/resourceinfo.h>
#include <qaio/core/transports.h>
#include <qaio/highlevel/ascompleted.h>
#include <qaio/highlevel/asyncgenerator.h>
#include <qaio/highlevel/barrier.h>
#include <qaio/highlevel/concurrentfuture.h>
#include <qaio/highlevel/condition.h>
#include <qaio/highlevel/ensurefuture.h>
#include <qaio/highlevel/event.h>
#include <qaio/highlevel/gather.h>
#include <qaio/highlevel/lock.h>
#include <qaio/highlevel/lockguard.h>
#include <qaio/highlevel/outcome.h>
#include <qaio/highlevel/queue.h>
#include <qaio/highlevel/semaphore.h>
#include <qaio/highlevel/shield.h>
#include <qaio/highlevel/syncprimitive.h>
#include <qaio/highlevel/taskgroup.h>
#include <qaio/highlevel/timeout.h>
#include <qaio/highlevel/wait.h>
#include <qaio/inspect/inspector.h>
#include <qaio/inspect/remoteinspector.h>
#include <qaio/inspect/snapshotjson.h>
#include <qaio/loop/eventloop.h>
#include <qaio/loop/policy.h>
#include <qaio/loop/runner.h>
#include <qaio/loop/tothread.h>
#include <qaio/net/connectionoptions.h>
#include <qaio/net/datagramoptions.h>
#include <qaio/net/server.h>
#include <qaio/net/socket.h>
#include <qaio/net/transportsocket.h>
#include <qaio/process/pipes.h>
#include <qaio/process/subprocessoptions.h>
#include <qaio/platform/dns.h>
#include <qaio/platform/oserror.h>
#include <qaio/platform/socketaddress.h>
#include <qaio/qt/qtfuture.h>
#include <qaio/qt/qtsignal.h>
#include <qaio/streams/streamerrors.h>
#include <qaio/streams/streamreader.h>
#include <qaio/streams/streams.h>
#include <qaio/streams/streamwriter.h>
#include <qaio/streams/subprocess.h>
#include <qaio/tasks/awaitedge.h>
#include <qaio/tasks/coro.h>
#include <qaio/tasks/exceptioncontext.h>
#include <qaio/tasks/future.h>
#include <qaio/tasks/sleep.h>
#include <qaio/tasks/task.h>
#include <qaio/tls/sslcontext.h>
#include <qaio/tls/sslerror.h>
