"""Speed: normalisation must leave room for >= 5,000 messages/s for the whole engine."""

from __future__ import annotations

import pytest

from safeguarding.benchmarks.normalise import normalise_benchmark, sample_messages


def test_sample_is_mixed_and_deterministic() -> None:
    sample = sample_messages(200, seed=3)
    assert sample == sample_messages(200, seed=3)
    assert any(not m.isascii() for m in sample) and any(m.isascii() for m in sample)


@pytest.mark.slow
def test_normalise_is_fast_enough() -> None:
    result = normalise_benchmark(n=5_000, repeat=3)
    print(result)
    # Budget from the brief: about 30 us per typical message on one core (measured ~11 us).
    assert result["us_per_message"] < 30, result
    assert result["plain_us"] < 20, result
