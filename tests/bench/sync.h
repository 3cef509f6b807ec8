// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <cstddef>

namespace qaiobench {

// The figures of `qaio-bench sync` (issue #15): each builds a fresh EventLoop, runs the
// operation n times and returns nanoseconds per operation (see micro.cpp for the table).

/*! One task: n uncontended Lock acquire + release. */
double lockUncontended(std::size_t n);
/*! Two tasks passing the turn with two Events: per hand-off (n round trips = 2n). */
double eventHandoff(std::size_t n);
/*! Two tasks passing an item with two Queues: per hand-off (n round trips = 2n). */
double queuePingPong(std::size_t n);
/*! n items from one producer to one consumer through a Queue(maxsize=100): per item. */
double queueStream(std::size_t n);

} // namespace qaiobench
