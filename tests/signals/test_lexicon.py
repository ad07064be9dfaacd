"""Tactic lexicon: loading, RE2 validation, and matching on normalised text."""

from __future__ import annotations

import pytest

from safeguarding.normalise import normalise
from safeguarding.signals.lexicon import (
    LexiconError,
    TacticLexicon,
    expand_macros,
    without_lookaround,
)


@pytest.fixture(scope="module")
def lexicon() -> TacticLexicon:
    return TacticLexicon.from_package()


@pytest.mark.parametrize(
    ("text", "tactic"),
    [
        ("pls dont tell ur mum about this", "isolation_secrecy"),
        ("this is our little secret ok", "isolation_secrecy"),
        ("do u have snap? this app is so laggy", "platform_move"),
        ("whats ur number", "platform_move"),
        ("can u send me a pic", "image_request"),
        ("turn on ur cam", "image_request"),
        ("we should meet up irl this weekend", "meeting"),
        ("i can pick u up after school", "meeting"),
        ("r u home alone rn", "risk_assessment"),
        ("does ur mum check ur phone", "risk_assessment"),
        ("ill send u 500 robux", "gifts"),
        ("how old r u", "personal_questions"),
        ("ur so mature for ur age", "compliments"),
        ("im the only one who understands u", "emotional_dependency"),
        ("have u ever kissed anyone", "desensitisation"),
        ("ill send the pics to ur parents unless u pay", "threat"),
    ],
)
def test_english_concepts_match(lexicon: TacticLexicon, text: str, tactic: str) -> None:
    tactics = {h.tactic for h in lexicon.find(normalise(text).folded)}
    assert tactic in tactics


@pytest.mark.parametrize(
    "text",
    [
        "what time is football practice tomorrow",
        "did you finish the maths homework",
        "gg that was a close game",
        "my mum made pasta lol",
        "see you at school",
    ],
)
def test_everyday_chat_has_no_risky_tactic(lexicon: TacticLexicon, text: str) -> None:
    risky = {"isolation_secrecy", "image_request", "meeting", "threat", "platform_move"}
    assert not {h.tactic for h in lexicon.find(normalise(text).folded)} & risky


def test_obfuscated_text_matches_after_normalisation(lexicon: TacticLexicon) -> None:
    for text in ["s3nd m3 a p1c", "ѕеnd me a pic", "add me on 👻", "d o n t  t e l l ur mum"]:
        assert lexicon.find(normalise(text).folded), text


def test_hit_span_points_into_the_normalised_text(lexicon: TacticLexicon) -> None:
    text = "ok but dont tell your parents"
    (hit,) = [h for h in lexicon.find(text) if h.tactic == "isolation_secrecy"]
    assert text[hit.start : hit.end].startswith("dont tell")


def test_macros_expand_recursively() -> None:
    assert expand_macros("{a} x", {"a": "({b})", "b": "y"}) == "(y) x"
    assert expand_macros("a{0,2}", {"a": "z"}) == "a{0,2}"


def test_invalid_lexicons_are_refused_with_the_place() -> None:
    with pytest.raises(LexiconError, match="unknown tactic 'flirting'"):
        TacticLexicon({"xx": {"tactics": {"flirting": ["hi"]}}})
    with pytest.raises(LexiconError, match="does not compile"):
        TacticLexicon({"xx": {"tactics": {"meeting": ["(unclosed"]}}})
    with pytest.raises(LexiconError, match="bad entry"):
        TacticLexicon({"xx": {"tactics": {"meeting": [42]}}})


def test_look_around_patterns_are_prefiltered_and_confirmed() -> None:
    lexicon = TacticLexicon(
        {"xx": {"tactics": {"meeting": ["\\bmeet(?! the team)\\b", "\\bpick (?:u|you) up\\b"]}}}
    )
    assert lexicon.slow_patterns == 0
    assert [h.tactic for h in lexicon.find("lets meet later")] == ["meeting"]
    assert lexicon.find("come meet the team") == []
    assert [h.tactic for h in lexicon.find("i can pick u up")] == ["meeting"]


def test_patterns_re2_cannot_run_at_all_use_the_slow_path() -> None:
    lexicon = TacticLexicon({"xx": {"tactics": {"threat": ["\\b(\\w+) \\1 or else\\b"]}}})
    assert lexicon.slow_patterns == 1
    assert [h.tactic for h in lexicon.find("pay pay or else")] == ["threat"]
    assert lexicon.find("pay now or else") == []


def test_without_lookaround_keeps_everything_else() -> None:
    assert without_lookaround(r"\bmeet(?! the (team|coach))\b(?<=t)x\(y\)") == r"\bmeet\bx\(y\)"


def test_packaged_lexicon_loads_every_language_onto_the_fast_path(lexicon: TacticLexicon) -> None:
    # the seven languages, and the concepts that co-occur across them (multilingual.yaml)
    assert set(lexicon.languages) == {"en", "es", "fr", "de", "pt", "it", "nl", "multi"}
    assert lexicon.pattern_count > 1000
    assert lexicon.slow_patterns == 0
