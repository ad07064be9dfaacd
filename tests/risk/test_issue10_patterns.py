"""Sextortion, code words, carers and disguised adults in the streaming engine (issue 10).

Hand-written, indicator-level conversations; each checks one behaviour end to end through the
bundled model and the engine's rules, in several of the seven supported languages.
"""

from __future__ import annotations

import pytest
from conversation_builders import make_conversation

from safeguarding.domain import AlertLevel, Message, Participant
from safeguarding.risk.engine import Engine, sextortion_pattern
from safeguarding.risk.state import ParticipantState


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default()


def _pair(connected: bool, a_age: int | None = 16, b_age: int | None = 15) -> list[Participant]:
    return [
        Participant("a", declared_age=a_age, account_age_days=400, connected=connected),
        Participant("b", declared_age=b_age, account_age_days=500, connected=connected),
    ]


SEXTORTION = {
    "en": [
        ("a", "hey"),
        ("b", "hi"),
        ("a", "i still have the one you sent"),
        ("b", "please delete it"),
        ("a", "send another one or everyone at your school sees it"),
    ],
    "es": [
        ("a", "hola"),
        ("b", "hola"),
        ("a", "tengo la foto que me mandaste"),
        ("b", "borrala porfa"),
        ("a", "pagame 50 euros o se la mando a todos tus amigos"),
    ],
    "de": [
        ("a", "hey"),
        ("b", "hi"),
        ("a", "ich hab das bild, das du mir geschickt hast"),
        ("b", "bitte losch es"),
        ("a", "zahl 50 euro oder deine freunde sehen alles"),
    ],
    "nl": [
        ("a", "hoi"),
        ("b", "hoi"),
        ("a", "ik heb die foto die je me stuurde nog"),
        ("b", "verwijder hem aub"),
        ("a", "betaal 50 euro of ik stuur ze naar je vrienden"),
    ],
}


@pytest.mark.parametrize("lang", sorted(SEXTORTION))
def test_sextortion_escalates_at_the_first_demand_whoever_the_accounts_are(
    engine: Engine, lang: str
) -> None:
    """Connected teen accounts, old accounts: the demand under leverage is urgent at once."""
    conv = make_conversation(f"sx-{lang}", SEXTORTION[lang], _pair(connected=True))
    (result,) = list(engine.scan([conv]))
    assert result.alert_at == 4
    assert result.assessment.level == AlertLevel.URGENT
    assert result.assessment.harm == "sextortion"
    assert result.assessment.offender == "a"
    assert "threat" in result.assessment.tactics
    assert result.assessment.reasons[0].startswith("sextortion")


def test_a_bluff_with_no_image_sent_is_sextortion(engine: Engine) -> None:
    lines = [
        ("a", "hey cutie, you're so handsome"),
        ("b", "thanks"),
        ("a", "i screen recorded the whole call"),
        ("b", "what? we never called"),
        ("a", "pay $200 in gift cards and read me the code"),
    ]
    participants = [
        Participant("a", declared_age=16, account_age_days=2, connected=False),
        Participant("b", declared_age=15, account_age_days=700, connected=False),
    ]
    (result,) = list(engine.scan([make_conversation("bluff", lines, participants)]))
    # the claimed recording is itself the first threat: escalated there, before any demand
    assert result.alert_at == 2 and result.assessment.harm == "sextortion"


def test_friends_banter_with_the_same_words_is_not_sextortion(engine: Engine) -> None:
    lines = [
        ("a", "send another meme lol"),
        ("b", "haha ok"),
        ("a", "pay me back the 5 quid you owe me"),
        ("b", "tomorrow i promise"),
        ("a", "you have 10 minutes to get online or we start without you"),
        ("b", "coming"),
        ("a", "i'm sending the group chat the video of your goal"),
    ]
    (result,) = list(engine.scan([make_conversation("banter", lines, _pair(True, 14, 14))]))
    assert result.alert_at is None
    assert result.assessment.harm != "sextortion"


def test_the_pattern_needs_two_parts() -> None:
    p = ParticipantState("a")
    p.cue_max = {"deadline": 0.8}
    p.tactic_max = {"threat": 0.8}
    assert not sextortion_pattern(p)  # "last chance to join, or else" in a game
    p.cue_max = {"exposure": 0.8}
    assert not sextortion_pattern(p)  # a bully spreading a video: another harm
    p.cue_max = {"exposure": 0.8, "demand": 0.8}
    assert sextortion_pattern(p)
    p.cue_max = {"leverage": 0.8}
    assert sextortion_pattern(p)  # leverage with any threat


def test_a_code_word_takes_the_role_its_context_gives_it(engine: Engine) -> None:
    """ "the other app" after talk of privacy is a platform move; said cold it is a hint."""
    with_context = [
        ("a", "this chat gets read by mods"),
        ("b", "ok"),
        ("a", "ok catch you there tonight"),
    ]
    cold = [("a", "ok catch you there tonight")]
    (ctx,) = list(engine.scan([make_conversation("cw1", with_context, _pair(False))]))
    (bare,) = list(engine.scan([make_conversation("cw2", cold, _pair(False))]))
    ctx_score = max(s.score for s in ctx.assessment.evidence if s.message_index == 2)
    bare_scores = [s.score for s in bare.assessment.evidence if s.kind == "platform_move"]
    assert "platform_move" in ctx.assessment.tactics
    assert 2 in ctx.assessment.tactics["platform_move"]
    assert ctx_score >= 0.8
    assert bare_scores and max(bare_scores) < 0.5


def test_a_parent_checking_who_is_home_and_a_sibling_surprise_do_not_alert(
    engine: Engine,
) -> None:
    lines = [
        ("a", "is anyone home with you? text me when you get home"),
        ("b", "yes mum"),
        ("a", "i'll pick you up from practice at 5"),
        ("b", "ok"),
        ("a", "don't tell your sister about her birthday present ok? it's a surprise"),
        ("b", "i won't"),
        ("a", "are you on your own till dad's back? lock the door"),
        ("b", "yes"),
    ]
    participants = [
        Participant("a", declared_age=41, account_age_days=2000, connected=True),
        Participant("b", declared_age=12, account_age_days=700, connected=True),
    ]
    (result,) = list(engine.scan([make_conversation("mum", lines, participants)]))
    assert result.alert_at is None
    assert result.assessment.level < AlertLevel.ALERT


def test_a_relative_who_grooms_still_alerts(engine: Engine) -> None:
    lines = [
        ("a", "it's your uncle, how was school sweetheart?"),
        ("b", "good"),
        ("a", "you're so pretty, more grown up than your sister"),
        ("b", "thanks"),
        ("a", "i'll buy you that phone you wanted, just don't tell your mum"),
        ("b", "ok"),
        ("a", "this is our little thing, remember our deal"),
        ("b", "ok"),
        ("a", "send me a pic before bed, just for me"),
        ("b", "idk"),
        ("a", "i'll pick you up after school on friday, just us"),
    ]
    participants = [
        Participant("a", declared_age=44, account_age_days=2500, connected=True),
        Participant("b", declared_age=12, account_age_days=600, connected=True),
    ]
    (result,) = list(engine.scan([make_conversation("uncle", lines, participants)]))
    assert result.alert_at is not None
    assert result.assessment.offender == "a"
    assert result.assessment.harm == "grooming"


def test_adult_life_behind_a_teen_age_is_graded(engine: Engine) -> None:
    engine.open_conversation("slip", _pair(False, 15, 13))
    engine.process(_message("slip", "a", "ugh my boss kept me late"))  # weak: 0.5
    state = engine.export_state("slip")
    assert "age_deception" not in state["participants"]["a"]["tactic_max"]
    engine.process(_message("slip", "a", "sorry, was putting the kids to bed"))  # strong: 1.5
    first = engine.export_state("slip")["participants"]["a"]["tactic_max"]["age_deception"]
    engine.process(_message("slip", "a", "my landlord put the rent up again"))  # 2.5
    graded = engine.export_state("slip")["participants"]["a"]["tactic_max"]["age_deception"]
    assert 0.5 < first < graded <= 0.95
    engine.forget("slip")


@pytest.mark.parametrize(
    "text",
    [
        "mi mujer ha salido, puedo hablar",
        "ma femme est sortie, je peux parler",
        "meine frau ist weg, ich kann reden",
        "minha esposa saiu, posso falar",
        "mia moglie e uscita, posso parlare",
        "mijn vrouw is weg, ik kan praten",
    ],
)
def test_a_strong_adult_slip_in_every_language_conflicts_with_a_teen_age(
    engine: Engine, text: str
) -> None:
    engine.open_conversation("slip2", _pair(False, 15, 13))
    engine.process(_message("slip2", "a", text))
    tactic_max = engine.export_state("slip2")["participants"]["a"]["tactic_max"]
    engine.forget("slip2")
    assert tactic_max.get("age_deception", 0.0) >= 0.7


def test_new_state_survives_export_and_restore(engine: Engine) -> None:
    conv = make_conversation("sx-state", SEXTORTION["en"], _pair(connected=True))
    engine.open_conversation(conv.id, conv.participants)
    for m in conv.messages:
        engine.process(m)
    saved = engine.export_state(conv.id)
    engine.forget(conv.id)
    engine.restore_state(saved)
    restored = engine.assessment(conv.id)
    assert restored is not None and restored.harm == "sextortion"
    assert saved["extorter"] == "a"
    assert saved["participants"]["a"]["cue_max"]["leverage"] >= 0.5
    engine.forget(conv.id)


def _message(cid: str, sender: str, text: str) -> Message:
    return Message(cid, sender, text)
