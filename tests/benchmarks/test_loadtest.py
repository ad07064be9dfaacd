"""The load generator's kill -9 mode, small and bounded: nothing acknowledged is lost."""

from __future__ import annotations

import pytest

from safeguarding.benchmarks.loadtest import (
    BENIGN_TEXTS,
    GROOMING_TEXTS,
    MEAN_LENGTH,
    _Generator,
    run_loadtest,
)


def _stream(mix: str, batches: int) -> list[dict]:
    gen = _Generator("http://unused", "token", "run", 50, seed=3, mix=mix)
    return [e for _ in range(batches) for e in gen.batch(20)]


def test_realistic_mix_ends_conversations_and_is_mostly_everyday_chat() -> None:
    events = _stream("realistic", 200)
    by_conversation: dict[str, list[dict]] = {}
    for e in events:
        by_conversation.setdefault(e["conversation_id"], []).append(e)
    # Conversations end and new ones start: many more than the 50 concurrent slots.
    assert len(by_conversation) > 150
    finished = [msgs for msgs in by_conversation.values() if len(msgs) >= 2]
    mean = sum(len(m) for m in finished) / len(finished)
    assert MEAN_LENGTH / 2 < mean < MEAN_LENGTH * 1.5
    # Each conversation's message ids count up from m0, between its own two accounts.
    for msgs in by_conversation.values():
        assert [m["message_id"] for m in msgs] == [f"m{i}" for i in range(len(msgs))]
        assert len({m["sender"] for m in msgs} | {r for m in msgs for r in m["recipients"]}) == 2
    risky = set(GROOMING_TEXTS) - set(BENIGN_TEXTS)
    grooming_like = [
        c for c, msgs in by_conversation.items() if any(m["text"] in risky for m in msgs)
    ]
    assert 0 < len(grooming_like) < 0.15 * len(by_conversation)


def test_grooming_mix_keeps_every_conversation_open_and_escalating() -> None:
    events = _stream("grooming", 50)
    assert len({e["conversation_id"] for e in events}) <= 50
    assert {e["text"] for e in events} <= set(GROOMING_TEXTS)
    with pytest.raises(ValueError, match="mix must be one of"):
        _Generator("http://unused", "token", "run", 5, seed=1, mix="quiet")


@pytest.mark.slow
def test_kill_minus_nine_mid_run_loses_and_duplicates_nothing(tmp_path) -> None:
    report = run_loadtest(
        f"sqlite:///{tmp_path}/load.db",
        rate=150,
        seconds=4,
        batch_size=10,
        conversations=20,
        kill_restart=True,
        workdir=tmp_path,
    )
    v = report.verification
    assert report.server_cpu_share is None  # two server processes: not one CPU figure
    assert report.restart_s is not None
    assert report.messages_acknowledged > 0
    assert v["missing_acknowledged"] == 0
    assert v["duplicate_message_rows"] == 0 and v["duplicate_event_rows"] == 0
    assert v["conversations_with_gaps"] == 0 and v["assessments_behind"] == 0
    assert v["ok"]


@pytest.mark.slow
def test_a_short_run_reports_server_cpu_and_verifies(tmp_path) -> None:
    report = run_loadtest(
        f"sqlite:///{tmp_path}/load.db",
        rate=200,
        seconds=2,
        batch_size=10,
        conversations=20,
        workdir=tmp_path,
        warmup=0.5,
    )
    assert report.mix == "realistic" and report.conversations_opened >= 20
    assert report.requests_ok > 0 and report.requests_failed == 0
    assert report.server_cpu_ms_per_request is not None and report.server_cpu_ms_per_request > 0
    assert report.server_cpu_share is not None and 0 < report.server_cpu_share < 2
    assert report.verification["ok"]
