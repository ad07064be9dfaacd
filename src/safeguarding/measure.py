"""Measuring helpers shared by the benchmarks and the load test.

They live beside ``domain`` because their users sit at different stages (``signals.media``,
``service``, ``evaluation``) and the layering lets each import only what comes before it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


def percentile(values: Iterable[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of ``values``; 0.0 when there are none.

    Nearest rank always returns a measured value, so a reported p99 is a latency that happened.
    """
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


@contextmanager
def one_cpu() -> Iterator[int | None]:
    """Pin this process to its lowest allowed CPU while measuring, then restore the mask.

    Yields the CPU, or None where the OS cannot pin; pinned numbers are one core's and repeat.
    """
    before = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    if not before:
        yield None
        return
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, before)
