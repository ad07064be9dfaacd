"""Issue 10, second round: sextortion in the forms the context lexicons add, in seven
languages, and a carer's role explaining what the carer asked before it showed.

Hand-written, indicator-level conversations through the bundled model and the engine's rules.
"""

from __future__ import annotations

import pytest
from conversation_builders import make_conversation

from safeguarding.domain import AlertLevel, Message, Participant
from safeguarding.risk.engine import EXPLAINED_FACTOR, Engine


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default()


def _pair(a_age: int | None, b_age: int | None, connected: bool, days: int = 400) -> list:
    return [
        Participant("a", declared_age=a_age, account_age_days=days, connected=connected),
        Participant("b", declared_age=b_age, account_age_days=900, connected=connected),
    ]


# Leverage or a demand, then a threat to show it to the child's people: the second part
# completes the pattern (threat after a bluff, "another one", money with a deadline).
SEXTORTION = {
    "en": [
        "i kept everything you sent me",
        "now i need a better one or all your classmates see it",
    ],
    "es": ["guarde todo lo que me mandaste", "quiero otra mejor, si no tus padres lo veran"],
    "fr": [
        "j'ai garde tout ce que tu m'as envoye",
        "envoie m'en une autre sinon tes parents vont la voir",
    ],
    "de": ["ich hab alles gespeichert", "schick mir noch eins, sonst sehen es deine eltern"],
    "pt": ["salvei tudo que voce me mandou", "manda outra ou eu posto no grupo da sua escola"],
    "it": [
        "ho salvato tutto quello che mi hai mandato",
        "ne voglio un'altra, altrimenti la vedono i tuoi genitori",
    ],
    "nl": ["ik heb alles opgeslagen", "stuur er nog een, anders krijgen je ouders het te zien"],
}


@pytest.mark.parametrize("lang", sorted(SEXTORTION))
def test_sextortion_in_new_wording_is_urgent_at_the_threat(engine: Engine, lang: str) -> None:
    first, second = SEXTORTION[lang]
    lines = [("a", "hey"), ("b", "hi"), ("a", first), ("b", "??"), ("a", second)]
    conv = make_conversation(f"sx2-{lang}", lines, _pair(16, 15, connected=True))
    (result,) = list(engine.scan([conv]))
    assert result.alert_at is not None and result.alert_at <= 4
    assert result.assessment.level == AlertLevel.URGENT
    assert result.assessment.harm == "sextortion" and result.assessment.offender == "a"


def test_a_carer_question_asked_before_the_logistics_is_explained_afterwards(
    engine: Engine,
) -> None:
    cid = "carer-first"
    engine.forget(cid)
    engine.open_conversation(cid, _pair(41, 11, connected=True, days=2000))
    texts = [
        ("a", "hi love, is anyone home with you right now?"),
        ("b", "grandma is here"),
        ("a", "good, i'll pick you up from swimming at 6"),
        ("b", "ok"),
        ("a", "text me when you get home and lock the door"),
    ]
    for sender, text in texts:
        engine.process(Message(cid, sender, text))
    state = engine._conversations[cid]
    asked = state.participants["a"].tactic_max["risk_assessment"]
    assert asked == pytest.approx(0.8 * EXPLAINED_FACTOR)
    assert engine.assessment(cid).level < AlertLevel.ALERT
    engine.forget(cid)


def test_a_tutor_who_asked_for_secrecy_keeps_the_earlier_evidence(engine: Engine) -> None:
    cid = "tutor"
    engine.forget(cid)
    engine.open_conversation(cid, _pair(None, 12, connected=False, days=20))
    texts = [
        ("a", "is anyone home with you right now?"),
        ("b", "no"),
        ("a", "keep our chats between us, ok? your mum wouldn't understand"),
        ("b", "ok"),
        ("a", "did you finish your homework? don't forget your pe kit"),
        ("a", "text me when you get home"),
    ]
    for sender, text in texts:
        engine.process(Message(cid, sender, text))
    record = engine._conversations[cid].participants["a"].tactic_max
    assert record["risk_assessment"] >= 0.8 and record["isolation_secrecy"] >= 0.8
    engine.forget(cid)


def test_leverage_with_a_deadline_is_sextortion() -> None:
    from safeguarding.risk.engine import sextortion_pattern
    from safeguarding.risk.state import ParticipantState

    p = ParticipantState("a")
    p.cue_max = {"leverage": 0.8, "deadline": 0.8}
    assert sextortion_pattern(p)
    p.cue_max = {"deadline": 0.8}
    assert not sextortion_pattern(p)


def test_a_threat_to_show_what_the_sender_asked_for_is_sextortion(engine: Engine) -> None:
    lines = [
        ("a", "hiii you're cute, wanna swap pics? i'm jess 16"),
        ("b", "ok"),
        ("a", "now i'll make sure all your classmates see the first one"),
    ]
    conv = make_conversation("fake-profile", lines, _pair(16, 15, connected=False, days=3))
    (result,) = list(engine.scan([conv]))
    assert result.alert_at == 2 and result.assessment.harm == "sextortion"


def _scan(engine: Engine, lines: list[tuple[str, str]], a: Participant) -> object:
    b = Participant("b", declared_age=13, account_age_days=800, connected=False)
    (result,) = list(engine.scan([make_conversation("adult", lines, [a, b])]))
    return result


DISGUISED = [
    ("a", "hey im 16 lol"),
    ("b", "im 13"),
    ("a", "sorry slow reply, was dropping my son off at nursery before work"),
    ("b", "ur son??"),
    ("a", "my nephew i mean. add me on snap, this app is boring"),
]


def test_a_disguised_adult_with_a_severe_tactic_alerts(engine: Engine) -> None:
    a = Participant("a", declared_age=16, account_age_days=40, connected=False)
    result = _scan(engine, DISGUISED, a)
    assert result.alert_at == 4
    assert "age_deception" in result.assessment.tactics


def test_a_teen_with_a_weekend_job_is_not_a_disguised_adult(engine: Engine) -> None:
    lines = [*DISGUISED[:2], ("a", "sorry was at work, my boss kept me"), ("b", "ok"), DISGUISED[4]]
    a = Participant("a", declared_age=16, account_age_days=40, connected=False)
    assert _scan(engine, lines, a).alert_at is None
    # a verified age is the platform's word, not a claim
    verified = Participant("a", declared_age=16, verified_age=16, account_age_days=40)
    from safeguarding.risk.engine import disguised_adult
    from safeguarding.risk.state import ConversationState

    state = ConversationState("x")
    p = state.participant("a")
    p.apply_facts(verified)
    p.adult_evidence, p.tactic_max = 2.0, {"platform_move": 0.8}
    state.participant("b").apply_facts(Participant("b", declared_age=13))
    assert not disguised_adult(state, p)
    p.verified_age = None
    assert disguised_adult(state, p)
