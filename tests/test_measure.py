"""The measuring helpers the benchmarks and the load test share."""

from __future__ import annotations

import os

import pytest

from safeguarding.measure import one_cpu, percentile


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # unsorted input is fine
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 0) == 1.0
    assert percentile([], 50) == 0.0


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity here")
def test_one_cpu_pins_and_restores() -> None:
    before = os.sched_getaffinity(0)
    with one_cpu() as cpu:
        assert cpu == min(before)
        assert os.sched_getaffinity(0) == {cpu}
    assert os.sched_getaffinity(0) == before
