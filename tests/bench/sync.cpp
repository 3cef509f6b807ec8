// Copyright (c) qaio authors. Licensed under the MIT license.
// The sync figures: the same shapes as tests/bench/asyncio_sync.py, which measures
// CPython asyncio for the ratios.
#include "sync.h"

#include "measureclock.h"

#include <qaio/qaio.h>

namespace qaiobench {

namespace {

qaio::Coro<void> lockLoop(qaio::Lock &lock, std::size_t n)
{
    for (std::size_t i = 0; i < n; ++i) {
        co_await lock.acquire();
        lock.release();
    }
}

qaio::Coro<void> eventResponder(qaio::Event &ping, qaio::Event &pong, std::size_t n)
{
    for (std::size_t i = 0; i < n; ++i) {
        co_await ping.wait();
        ping.clear();
        pong.set();
    }
}

qaio::Coro<void> eventCaller(qaio::Event &ping, qaio::Event &pong, std::size_t n)
{
    qaio::Task<void> responder = qaio::createTask(eventResponder(ping, pong, n));
    for (std::size_t i = 0; i < n; ++i) {
        ping.set();
        co_await pong.wait();
        pong.clear();
    }
    co_await responder;
}

qaio::Coro<void> queueResponder(qaio::Queue<std::size_t> &in, qaio::Queue<std::size_t> &out, std::size_t n)
{
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t item = co_await in.get();
        co_await out.put(item);
    }
}

qaio::Coro<void> queueCaller(qaio::Queue<std::size_t> &in, qaio::Queue<std::size_t> &out, std::size_t n)
{
    qaio::Task<void> responder = qaio::createTask(queueResponder(out, in, n));
    for (std::size_t i = 0; i < n; ++i) {
        co_await out.put(i);
        co_await in.get();
    }
    co_await responder;
}

qaio::Coro<void> produce(qaio::Queue<std::size_t> &queue, std::size_t n)
{
    for (std::size_t i = 0; i < n; ++i)
        co_await queue.put(i);
}

qaio::Coro<void> consume(qaio::Queue<std::size_t> &queue, std::size_t n)
{
    qaio::Task<void> producer = qaio::createTask(produce(queue, n));
    for (std::size_t i = 0; i < n; ++i)
        co_await queue.get();
    co_await producer;
}

/*! Runs \a body on a fresh loop; nanoseconds per operation over \a operations. */
template <class Body>
double measureOnLoop(std::size_t operations, Body body)
{
    qaio::EventLoop loop;
    const auto begin = measureNow();
    loop.runUntilComplete(body());
    const auto elapsed = measureNow() - begin;
    loop.close();
    return nsPer(elapsed, operations);
}

} // namespace

double lockUncontended(std::size_t n)
{
    qaio::Lock lock;
    return measureOnLoop(n, [&] { return lockLoop(lock, n); });
}

double eventHandoff(std::size_t n)
{
    qaio::Event ping, pong;
    return measureOnLoop(2 * n, [&] { return eventCaller(ping, pong, n); });
}

double queuePingPong(std::size_t n)
{
    qaio::Queue<std::size_t> in, out;
    return measureOnLoop(2 * n, [&] { return queueCaller(in, out, n); });
}

double queueStream(std::size_t n)
{
    qaio::Queue<std::size_t> queue(100);
    return measureOnLoop(n, [&] { return consume(queue, n); });
}

} // namespace qaiobench
