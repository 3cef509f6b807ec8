#!/usr/bin/env python3
# Copyright (c) qaio authors. Licensed under the MIT license.
"""CPython asyncio's figures for the four operations qaio-bench micro measures.

Prints "asyncio_NAME VALUE" lines, VALUE in nanoseconds per operation, the best
(minimum) of --repeat runs. Standard library only: the stock asyncio event loop,
the same operation counts and the same shapes as tests/bench/micro.cpp.

    python3 tests/bench/asyncio_micro.py [--repeat N] [--quick] [--cpu-time]
"""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asyncio_common import now, run_figures  # noqa: E402



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


if __name__ == "__main__":
    sys.exit(run_figures(__doc__, FIGURES))
