"""``safeguarding eval`` and ``bench`` through Typer's runner, with a fake engine injected."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguarding.benchmarks import engine as bench
from safeguarding.cli import app
from safeguarding.domain import Conversation
from safeguarding.evaluation import systems
from safeguarding.evaluation.metrics import Prediction

DATASPEC_KEYS = {
    "precision",
    "recall",
    "f1",
    "f05",
    "latency_f1",
    "median_alert_delay",
    "false_alerts_per_10k",
    "by_category",
    "by_locale",
    "variants",
}


def _line(cid: str, label: str, texts: list[str], **extra: object) -> str:
    obj = {
        "id": cid,
        "platform": "game_chat",
        "locale": extra.pop("locale", "en-GB"),
        "participants": [{"id": "a"}, {"id": "b"}],
        "messages": [{"from": "ab"[i % 2], "text": t} for i, t in enumerate(texts)],
        "label": label,
        "category": "grooming" if label == "grooming" else "benign_peer",
        "offender": "a" if label == "grooming" else None,
        "first_alert_index": 2 if label == "grooming" else None,
        **extra,
    }
    return json.dumps(obj)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.jsonl"
    lines = [
        _line("g1", "grooming", ["hi", "how old r u", "this is our secret", "ok"]),
        _line(
            "g1-x", "grooming", ["hi", "how old r u", "th1s 1s 0ur s3cret", "ok"], variant_of="g1"
        ),
        "{not json",
        _line("b1", "benign", ["gg", "lol", "see you tomorrow"], locale="es-ES"),
        _line("b2", "benign", ["did you do the homework", "no", "secret santa list?"]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _fake_engine() -> systems.System:
    """Alerts at the first message containing 'secret' (so it misses the leet copy)."""

    def run(conversations: Iterable[Conversation]) -> list[Prediction]:
        out = []
        for conv in conversations:
            hit = next((i for i, m in enumerate(conv.messages) if "secret" in m.text), None)
            out.append(Prediction(conv.id, hit is not None, hit, 1.0 if hit is not None else 0.0))
        return out

    return run


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(systems.FACTORIES, "engine", _fake_engine)


def test_eval_json_is_one_object_with_the_dataspec_keys(corpus: Path) -> None:
    result = CliRunner().invoke(app, ["eval", str(corpus), "--json", "--baseline", "keyword"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= DATASPEC_KEYS
    assert data["system"] == "engine"
    # engine: g1 caught at 2, g1-x missed, b2 false alarm ('secret santa')
    assert (data["tp"], data["fp"], data["fn"], data["tn"]) == (1, 1, 1, 1)
    assert data["precision"] == 0.5 and data["recall"] == 0.5
    assert data["variants"]["recall_drop"] == 1.0
    assert set(data["by_locale"]) == {"en-GB", "es-ES"}
    assert set(data["baselines"]["keyword"]) >= DATASPEC_KEYS
    # the bad line is reported with its place, on stderr, and reading went on
    assert f"{corpus}:3" in result.stderr
    assert data["corpus_errors"] == 1


def test_eval_table_lists_systems_side_by_side(corpus: Path) -> None:
    result = CliRunner().invoke(app, ["eval", str(corpus), "-b", "keyword"])
    assert result.exit_code == 0, result.output
    assert "engine" in result.stdout and "keyword" in result.stdout
    assert "F0.5" in result.stdout


def test_eval_only_baseline_drops_the_engine(corpus: Path) -> None:
    result = CliRunner().invoke(
        app, ["eval", str(corpus), "--json", "--only-baseline", "-b", "keyword"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["system"] == "keyword" and "baselines" not in data


def test_eval_fails_only_when_nothing_could_be_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(bad), str(tmp_path / "missing.jsonl")])
    assert result.exit_code != 0
    assert "bad.jsonl:1" in result.stderr and "missing.jsonl" in result.stderr


def test_eval_rejects_unknown_baseline(corpus: Path) -> None:
    result = CliRunner().invoke(app, ["eval", str(corpus), "-b", "magic"])
    assert result.exit_code == 2


class CountingEngine:
    def __init__(self) -> None:
        self.seen = 0

    def process(self, message: object) -> None:
        self.seen += 1


def test_bench_json_keys_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "default_engine_factory", lambda: CountingEngine)
    result = CliRunner().invoke(
        app, ["bench", "--json", "--in-process", "--messages", "400", "--warmup", "50"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"messages_per_s", "p50_ms", "p99_ms", "peak_rss_mb"} <= set(data)
    assert data["messages"] == 400 and data["messages_per_s"] > 0
    assert data["p50_ms"] <= data["p99_ms"]
