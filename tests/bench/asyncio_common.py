# Copyright (c) qaio authors. Licensed under the MIT license.
"""What the CPython reference scripts of qaio-bench share: options, clock, output."""

import argparse
import asyncio
import time

# The measuring clock: wall time, or with --cpu-time this thread's CPU time (as
# qaio-bench --cpu-time), which leaves out the time other processes held the CPU.
_clock = [time.perf_counter_ns]


def now():
    return _clock[0]()


def measure_on_loop(operations, body):
    """Runs the coroutine function body on a fresh loop: nanoseconds per operation."""
    loop = asyncio.new_event_loop()
    begin = now()
    loop.run_until_complete(body())
    elapsed = now() - begin
    loop.close()
    return elapsed / operations


def run_figures(doc, figures):
    """Parses --repeat/--quick/--cpu-time and prints "NAME VALUE" for each
    (name, operations, measure) of figures: the best of the repetitions."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per figure (default 5)")
    parser.add_argument("--quick", action="store_true", help="1/100 of the operations, one repetition")
    parser.add_argument("--cpu-time", action="store_true", help="measure this thread's CPU time instead of wall time")
    args = parser.parse_args()
    if args.cpu_time:
        _clock[0] = time.thread_time_ns
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    repeat = 1 if args.quick else args.repeat
    # Round the figures, as qaio-bench does: a slow phase spoils one repetition of each.
    best = {}
    for _ in range(repeat):
        for name, operations, measure in figures:
            n = max(operations // 100, 100) if args.quick else operations
            value = measure(n)
            best[name] = min(best.get(name, value), value)
    for name, _, _ in figures:
        print(f"{name} {best[name]:.1f}", flush=True)
    return 0
