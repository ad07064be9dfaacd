"""The streaming engine with the bundled model: alerts, evidence, state, bad input."""

from __future__ import annotations

import json

import pytest
from conversation_builders import make_conversation

from safeguarding.domain import AlertLevel, Conversation, Message, Participant, Signal
from safeguarding.risk.engine import Engine, EngineError


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default()


def test_grooming_alerts_early_with_evidence(engine: Engine, grooming: Conversation) -> None:
    (result,) = list(engine.scan([grooming]))
    a = result.assessment
    assert result.alert_at is not None
    assert result.alert_at <= len(grooming.messages) - 1
    assert a.level >= AlertLevel.ALERT
    assert a.offender == "a" and a.at_risk == "b"
    assert 0.0 <= a.risk <= 1.0
    assert {"isolation_secrecy", "platform_move", "image_request"} <= set(a.tactics)
    secrecy = next(s for s in a.evidence if s.kind == "isolation_secrecy")
    text = grooming.messages[secrecy.message_index].text
    assert secrecy.span is not None
    assert text[secrecy.span[0] : secrecy.span[1]] == secrecy.excerpt
    assert a.reasons


def test_peers_planning_a_surprise_do_not_alert(engine: Engine, peers: Conversation) -> None:
    (result,) = list(engine.scan([peers]))
    assert result.alert_at is None
    assert result.assessment.level < AlertLevel.ALERT


def test_streaming_alert_uses_only_messages_read_so_far(
    engine: Engine, grooming: Conversation
) -> None:
    (full,) = list(engine.scan([grooming]))
    assert full.alert_at is not None
    prefix = Conversation(
        id="prefix",
        participants=grooming.participants,
        messages=[
            Message("prefix", m.sender, m.text, m.ts)
            for m in grooming.messages[: full.alert_at + 1]
        ],
    )
    (cut,) = list(engine.scan([prefix]))
    assert cut.alert_at == full.alert_at
    assert cut.risks == full.risks[: full.alert_at + 1]


def test_adult_life_behind_a_teen_age_counts_as_adult(engine: Engine) -> None:
    engine.open_conversation(
        "c-adult", [Participant("x", declared_age=15), Participant("y", declared_age=13)]
    )
    engine.process(Message("c-adult", "x", "cant talk now im driving to work"))
    a = engine.process(Message("c-adult", "x", "dont tell ur mum we talk, its our secret"))
    kinds = {s.kind for s in a.evidence}
    assert "adult_indicator" in kinds and "age_deception" in kinds
    engine.forget("c-adult")


def test_state_survives_export_and_restore(engine: Engine, grooming: Conversation) -> None:
    engine.open_conversation("c-state", grooming.participants)
    for m in grooming.messages[:6]:
        engine.process(Message("c-state", m.sender, m.text, m.ts))
    saved = json.loads(json.dumps(engine.export_state("c-state")))
    fresh = Engine(engine.model, engine.analyser)
    fresh.restore_state(saved)
    for m in grooming.messages[6:]:
        a1 = engine.process(Message("c-state", m.sender, m.text, m.ts))
        a2 = fresh.process(Message("c-state", m.sender, m.text, m.ts))
        assert a1.risk == pytest.approx(a2.risk)
        assert a1.first_alert_index == a2.first_alert_index
    engine.forget("c-state")


def test_export_without_excerpts_matches_full_export_as_evidence_grows(
    engine: Engine, grooming: Conversation
) -> None:
    """Exports reuse the evidence dicts built last time; each export must still equal a
    fresh one, and the bare form must differ only by the missing quoted text."""
    engine.open_conversation("c-bare", grooming.participants)
    for m in grooming.messages:
        engine.process(Message("c-bare", m.sender, m.text, m.ts))
        full = engine.export_state("c-bare")
        bare = engine.export_state("c-bare", excerpts=False)
        fresh = Engine(engine.model, engine.analyser)
        fresh.restore_state(json.loads(json.dumps(full)))
        assert fresh.export_state("c-bare") == full
        assert len(bare["evidence"]) == len(full["evidence"])
        for b, f in zip(bare["evidence"], full["evidence"], strict=True):
            if f["excerpt"] is None:
                assert b == f
            else:
                assert "excerpt" not in b and {**b, "excerpt": f["excerpt"]} == f
    assert full["evidence"], "the grooming fixture should leave evidence"
    engine.forget("c-bare")


def test_media_match_signal_escalates(engine: Engine) -> None:
    engine.process(Message("c-media", "u1", "hello"))
    a = engine.add_signal(
        "c-media", Signal("media_match", 0, "u1", 1.0, source="media", detail={"bank": "test"})
    )
    assert a.level == AlertLevel.URGENT and a.first_alert_index == 0
    engine.forget("c-media")


@pytest.mark.parametrize(
    "text",
    ["", " ", "\x00\x01\x02", "x" * 50_000, "\ud800 lone surrogate", "🙂" * 500, "\u202e\u200b"],
)
def test_odd_text_is_assessed_without_error(engine: Engine, text: str) -> None:
    a = engine.process(Message("c-odd", "u1", text))
    assert 0.0 <= a.risk <= 1.0
    engine.forget("c-odd")


def test_message_without_sender_is_refused(engine: Engine) -> None:
    with pytest.raises(EngineError, match="no sender"):
        engine.process(Message("c", "", "hi"))
    with pytest.raises(EngineError, match="no conversation id"):
        engine.process(Message("", "u", "hi"))


def _scan_one(engine: Engine, conv: Conversation) -> int | None:
    (result,) = list(engine.scan([conv]))
    return result.alert_at


def test_two_fourteen_year_olds_with_a_crush_do_not_alert(engine: Engine) -> None:
    conv = make_conversation(
        "crush",
        [
            ("a", "omg i have to tell u something"),
            ("b", "what"),
            ("a", "i kinda like u. is that weird"),
            ("b", "no lol i like u too"),
            ("a", "dont tell anyone yet ok, its our secret"),
            ("b", "ok haha. ur so cute"),
            ("a", "wanna go to the cinema saturday? my mum can drive us"),
            ("b", "yes! ill ask my dad"),
        ],
        [
            Participant("a", declared_age=14, account_age_days=400, connected=True),
            Participant("b", declared_age=14, account_age_days=500, connected=True),
        ],
    )
    assert _scan_one(engine, conv) is None


def test_an_adult_who_only_talks_like_a_friend_does_not_alert(engine: Engine) -> None:
    conv = make_conversation(
        "coach",
        [
            ("coach", "great effort at training today"),
            ("kid", "thanks coach"),
            ("coach", "how did the maths test go?"),
            ("kid", "ok i think, got a b"),
            ("coach", "nice one. remember kit for saturday, match is at 10"),
            ("kid", "will do. is my dad picking me up after?"),
            ("coach", "yes he said he will, see you there"),
        ],
        [
            Participant("coach", declared_age=38, account_age_days=900, connected=True),
            Participant("kid", declared_age=12, account_age_days=300, connected=True),
        ],
    )
    assert _scan_one(engine, conv) is None


SCENARIOS = {
    "fake_talent_scout": (
        [
            ("x", "hi! im a talent scout for a kids fashion brand"),
            ("y", "omg really?"),
            ("x", "you have a great look. how old are you?"),
            ("y", "13"),
            ("x", "perfect age for our campaign. can you send a few full length photos?"),
            ("y", "ok"),
            ("x", "dont involve your parents yet, we want it to be a surprise for them"),
            ("x", "do you have whatsapp? easier to send the contract there"),
        ],
        [Participant("x", None, 2, False), Participant("y", 13, 500, False)],
        True,
    ),
    "recorded_call_extortion": (
        [
            ("x", "hey cutie"),
            ("y", "who is this"),
            ("x", "i recorded our video call last night"),
            ("x", "transfer 200 today or your family and classmates get the clip"),
            ("y", "please no"),
            ("x", "clock is ticking"),
        ],
        [Participant("x", None, 1, False), Participant("y", 15, 300, False)],
        True,
    ),
    "dad_plans_a_birthday_surprise": (
        [
            ("d", "im planning a surprise for your mum for her birthday"),
            ("k", "omg what"),
            ("d", "dont tell her ok! its a secret"),
            ("k", "i wont"),
            ("d", "can you send me a pic of the card you made"),
        ],
        [Participant("d", 45, 2000, True), Participant("k", 10, 400, True)],
        False,
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenarios_worded_unlike_the_training_lines(engine: Engine, name: str) -> None:
    lines, participants, should_alert = SCENARIOS[name]
    conv = make_conversation(name, lines, participants)
    assert (_scan_one(engine, conv) is not None) is should_alert
