#!/usr/bin/env python3
# Copyright (c) qaio authors. Licensed under the MIT license.
"""CPython asyncio's figures for what `qaio-bench sync` measures.

Prints "asyncio_NAME VALUE" lines, VALUE in nanoseconds per operation, the best
(minimum) of --repeat runs. Standard library only: the stock asyncio event loop,
the same operation counts and shapes as tests/bench/sync.cpp.

    python3 tests/bench/asyncio_sync.py [--repeat N] [--quick] [--cpu-time]
"""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asyncio_common import measure_on_loop, run_figures  # noqa: E402

def lock(n):
    async def body():
        lk = asyncio.Lock()
        for _ in range(n):
            async with lk:
                pass

    return measure_on_loop(n, body)


def event_handoff(n):
    async def body():
        ping, pong = asyncio.Event(), asyncio.Event()

        async def responder():
            for _ in range(n):
                await ping.wait()
                ping.clear()
                pong.set()

        task = asyncio.create_task(responder())
        for _ in range(n):
            ping.set()
            await pong.wait()
            pong.clear()
        await task

    return measure_on_loop(2 * n, body)


def queue_pingpong(n):
    async def body():
        to_responder, to_caller = asyncio.Queue(), asyncio.Queue()

        async def responder():
            for _ in range(n):
                item = await to_responder.get()
                await to_caller.put(item)

        task = asyncio.create_task(responder())
        for i in range(n):
            await to_responder.put(i)
            await to_caller.get()
        await task

    return measure_on_loop(2 * n, body)


def queue_stream(n):
    async def body():
        queue = asyncio.Queue(maxsize=100)

        async def produce():
            for i in range(n):
                await queue.put(i)

        task = asyncio.create_task(produce())
        for _ in range(n):
            await queue.get()
        await task

    return measure_on_loop(n, body)


FIGURES = [
    ("asyncio_lock_ns", 1_000_000, lock),
    ("asyncio_event_handoff_ns", 250_000, event_handoff),
    ("asyncio_queue_pingpong_ns", 250_000, queue_pingpong),
    ("asyncio_queue_stream_ns", 1_000_000, queue_stream),
]


if __name__ == "__main__":
    sys.exit(run_figures(__doc__, FIGURES))
