from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from stub_engines import CueEngine, cue_conversation
from typer.testing import CliRunner

from safeguarding.domain import (
    AlertLevel,
    Assessment,
    Conversation,
    Participant,
    Signal,
)
from safeguarding.policy import ActionType, Decision, load_default_policy
from safeguarding.policy import backtest as backtest_module
from safeguarding.policy.backtest import backtest

T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
CUES = {
    "secret": "isolation_secrecy",
    "pic": "image_request",
    "meet": "meeting",
    "cute": "compliments",
}


class KeywordEngine(CueEngine):
    """Level from how many distinct tactics were seen; a meeting is urgent."""

    def __init__(self) -> None:
        super().__init__(CUES)
        self.first_alert: dict[str, int | None] = {}

    def assess(
        self, cid: str, index: int, seen: dict[str, list[int]], evidence: list[Signal]
    ) -> Assessment:
        n = len(seen)
        level = AlertLevel(min(n, 2)) if "meeting" not in seen else AlertLevel.URGENT
        first = self.first_alert.get(cid)
        if level >= AlertLevel.ALERT and first is None:
            first = self.first_alert[cid] = index
        return Assessment(
            cid,
            index,
            min(1.0, 0.3 * n),
            level,
            offender="a" if n else None,
            at_risk="b" if n else None,
            tactics={k: list(v) for k, v in seen.items()},
            first_alert_index=first,
        )

    def forget(self, conversation_id: str) -> None:
        super().forget(conversation_id)
        self.first_alert.pop(conversation_id, None)


def conv(cid: str, texts: list[str], *, grooming: bool, alert: int | None = None) -> Conversation:
    return cue_conversation(
        cid,
        texts,
        [Participant("a", declared_age=15, connected=False), Participant("b", declared_age=12)],
        CUES,
        T0,
        grooming=grooming,
        category="grooming" if grooming else "benign_peer",
        first_alert_index=alert,
    )


CORPUS = [
    conv(
        "g1",
        ["hey", "hi", "ur cute", "ty", "our secret ok", "ok", "wanna meet?", "idk"],
        grooming=True,
        alert=6,
    ),
    conv("g2", ["hey", "yo", "ur cute", "lol", "send a pic", "no"], grooming=True, alert=4),
    conv("b1", ["hey", "yo", "did u do the homework", "ye", "cool"], grooming=False),
    conv("b2", ["that fit is cute", "thx"], grooming=False),
]


def test_backtest_counts_actions_and_earliness() -> None:
    report = backtest(load_default_policy(), CORPUS, engine=KeywordEngine())
    by_id = {c.id: c for c in report.conversations}
    assert by_id["g1"].escalated_at == 4 and by_id["g2"].escalated_at == 4
    assert by_id["g1"].severe_truth and not by_id["g2"].severe_truth
    assert by_id["b1"].first_index == {}
    assert set(by_id["b2"].first_index) == {"safety_prompt"}  # watch, not connected
    m = report.measures()
    assert (m["grooming"], m["grooming_escalated"]) == (2, 2)
    assert (m["severe_truth"], m["severe_truth_on_time"]) == (1, 1)
    assert m["benign_with_actions_against_account"] == 0
    assert m["median_escalation_minus_moderator"] == -1
    counts = report.action_counts()
    assert counts["escalate_review"]["conversations"] == 2
    assert counts["escalate_review"]["conversation_ids"] == ["g1", "g2"]
    # without a dispatcher an action counts once per conversation; the CLI's dispatcher
    # (test below) also counts g1's rise to urgent as a second escalation
    assert counts["escalate_review"]["events"] == 2


def test_backtest_flags_late_severe_escalation() -> None:
    late = conv("g3", ["hey", "hi", "wanna meet?", "ok", "our secret"], grooming=True, alert=1)
    report = backtest(load_default_policy(), [late], engine=KeywordEngine())
    m = report.measures()
    assert m["severe_truth_on_time"] == 0
    assert m["severe_truth_late"] == [{"id": "g3", "escalated_at": 2, "moderator": 1}]


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "mini.jsonl"
    lines = []
    for c in CORPUS:
        lines.append(
            json.dumps(
                {
                    "id": c.id,
                    "platform": "game_chat",
                    "locale": "en-GB",
                    "participants": [
                        {"id": p.id, "declared_age": p.declared_age, "connected": False}
                        for p in c.participants
                    ],
                    "messages": [
                        {"ts": m.ts.isoformat() if m.ts else None, "from": m.sender, "text": m.text}
                        for m in c.messages
                    ],
                    "label": c.label,
                    "category": c.category,
                    "tactics": [{"i": t.index, "tactic": t.tactic} for t in c.tactics],
                    "first_alert_index": c.first_alert_index,
                }
            )
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def test_cli_backtest_json(corpus_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from safeguarding.cli.policy import policy_app

    monkeypatch.setattr(backtest_module, "default_engine", lambda model=None: KeywordEngine())
    result = CliRunner().invoke(policy_app, ["backtest", "default", str(corpus_file), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["measures"]["grooming_escalated"] == 2
    assert out["actions"]["escalate_review"]["events"] == 3
    assert out["shadow"] is False
    shadow = CliRunner().invoke(
        policy_app, ["backtest", "default", str(corpus_file), "--json", "--shadow"]
    )
    assert json.loads(shadow.stdout)["measures"] == out["measures"]
    text = CliRunner().invoke(policy_app, ["backtest", "default", str(corpus_file)])
    assert "grooming escalated: 2/2" in text.stdout


def test_backtest_counts_prompts_and_bursts() -> None:
    let_through = {3, 5, 10}  # the messages at which a dispatcher lets a prompt through

    def dispatch(decision: Decision, facts: object, messages: object) -> list[str]:
        asked = ActionType.SAFETY_PROMPT in decision.actions
        return ["safety_prompt"] if asked and decision.message_index in let_through else []

    texts = ["hey", "hi", "ur cute", "our secret", "ok", "k", "x", "y", "z", "send a pic", "no"]
    report = backtest(
        load_default_policy(),
        [conv("g4", texts, grooming=True, alert=3)],
        engine=KeywordEngine(),
        dispatch=dispatch,
    )
    assert report.conversations[0].prompt_indices == [3, 5, 10]
    m = report.measures()
    assert m["safety_prompts"] == 3
    assert m["safety_prompt_bursts"] == 1  # 3 -> 5 is within 3 messages, 5 -> 10 is not
