#!/usr/bin/env python3
# Copyright (c) qaio authors. Licensed under the MIT license.
"""CPython asyncio's figures for the four operations qaio-bench micro measures.

Prints "asyncio_NAME VALUE" lines, VALUE in nanoseconds per operation, the best
(minimum) of --repeat runs. Standard library only: the stock asyncio event loop,
the same operation counts and the same shapes as tests/bench/micro.cpp.

    python3 tests/bench/asyncio_micro.py [--repeat N] [--quick] [--cpu-time]
"""

import argparse
import asyncio
import sys
import time

# The measuring clock: wall time, or with --cpu-time this thread's CPU time (as
# qaio-bench --cpu-time), which leaves out the time other processes held the CPU.
now = time.perf_counter_ns


def call_soon(n):
    loop = asyncio.new_event_loop()
    remaining = n

    def chain():
        nonlocal remaining
        remaining -= 1
        if remaining == 0:
            loop.stop()
            return
        loop.call_soon(chain)

    begin = now()
    loop.call_soon(chain)
    loop.run_forever()
    elapsed = now() - begin
    loop.close()
    return elapsed / n


def timer_cancel(n):
    loop = asyncio.new_event_loop()

    def noop():
        pass

    async def body():
        begin = now()
        handles = [loop.call_later(1.0 + (i % 1000) / 1000.0, noop) for i in range(n)]
        for h in handles:
            h.cancel()
        await asyncio.sleep(0)  # one loop iteration: purges the cancelled timers
        del handles
        return now() - begin

    elapsed = loop.run_until_complete(body())
    loop.close()
    return elapsed / n


def sleep0(n):
    loop = asyncio.new_event_loop()

    async def body():
        for _ in range(n):
            await asyncio.sleep(0)

    begin = now()
    loop.run_until_complete(body())
    elapsed = now() - begin
    loop.close()
    return elapsed / n


def spawn(n, group=100):
    loop = asyncio.new_event_loop()

    async def trivial():
        pass

    async def body():
        for _ in range(0, n, group):
            tasks = [asyncio.create_task(trivial()) for _ in range(group)]
            await asyncio.gather(*tasks)

    begin = now()
    loop.run_until_complete(body())
    elapsed = now() - begin
    loop.close()
    return elapsed / n


FIGURES = [
    ("asyncio_call_soon_ns", 1_000_000, call_soon),
    ("asyncio_timer_cancel_ns", 250_000, timer_cancel),
    ("asyncio_sleep0_ns", 250_000, sleep0),
    ("asyncio_spawn_ns", 250_000, spawn),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per figure (default 5)")
    parser.add_argument("--quick", action="store_true", help="1/100 of the operations, one repetition")
    parser.add_argument("--cpu-time", action="store_true", help="measure this thread's CPU time instead of wall time")
    args = parser.parse_args()
    global now
    if args.cpu_time:
        now = time.thread_time_ns
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    repeat = 1 if args.quick else args.repeat
    for name, operations, measure in FIGURES:
        n = max(operations // 100, 100) if args.quick else operations
        best = min(measure(n) for _ in range(repeat))
        print(f"{name} {best:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
