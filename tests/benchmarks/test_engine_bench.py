"""The generated bench stream and the measuring loop, with a fake engine."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from safeguarding.benchmarks.engine import generate_stream, run_bench
from safeguarding.domain import Message


def test_stream_is_mixed_interleaved_and_reproducible() -> None:
    conversations, stream = generate_stream(5_000, seed=3)
    assert len(stream) == 5_000
    languages = Counter(c.language for c in conversations)
    assert len(languages) == 5 and languages["en"] > languages["de"]
    # interleaved: consecutive messages mostly come from different conversations
    switches = sum(
        a.conversation_id != b.conversation_id for a, b in zip(stream, stream[1:], strict=False)
    )
    assert switches > 0.9 * len(stream)
    assert max(len(m.text) for m in stream) > 500  # a few long pastes
    assert any(any("\u0430" <= ch <= "\u044f" for ch in m.text) for m in stream)  # homoglyphs
    assert [m.text for m in generate_stream(300, seed=3)[1]] == [m.text for m in stream[:300]]


class SleepyEngine:
    """Every 100th message takes 2 ms; the rest are instant."""

    def __init__(self) -> None:
        self.seen: list[Message] = []
        self.opened: set[str] = set()

    def open_conversation(self, cid: str, participants: object, **_: object) -> None:
        self.opened.add(cid)

    def process(self, message: Message) -> None:
        self.seen.append(message)
        if len(self.seen) % 100 == 0:
            time.sleep(0.002)


def test_run_bench_excludes_warmup_and_sees_the_slow_tail() -> None:
    engines: list[SleepyEngine] = []

    def factory() -> SleepyEngine:
        engines.append(SleepyEngine())
        return engines[-1]

    result = run_bench(factory, messages=1_000, warmup=100, seed=1)
    [engine] = engines
    assert len(engine.seen) == 1_100 and result.messages == 1_000
    assert engine.opened == {m.conversation_id for m in engine.seen}
    # 1 % of calls sleep 2 ms: p50 is fast, p99 or the max catches the slow calls
    assert result.p50_ms < 1.0
    assert result.max_ms >= 2.0
    assert result.peak_rss_mb > 10
    assert result.messages_per_s == pytest.approx(1_000 / result.seconds)
