"""Evasion spellings added later: leading-digit leet, "@" and "+" as letters, chat shorthands,
spaced handles, starred words (docs/normalisation.md, rules 6, 7 and 9)."""

from __future__ import annotations

import re

import pytest

from safeguarding.normalise import normalise


def folded(text: str) -> str:
    return normalise(text).folded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("h0w 0ld r u?", "how old r u?"),  # was taken for a UK postcode ("h0w 0ld")
        ("0ld", "old"),
        ("1ove u", "love u"),
        ("@dd me on snap", "add me on snap"),
        ("r u h0me @lone?", "r u home alone?"),
        ("@ge?", "age?"),
        ("wh@t", "what"),
        ("cu+e", "cute"),
        ("+ell no1", "tell no one"),
        ("s+op", "stop"),
        ("ur so cu+e, +ex+ me", "ur so cute, text me"),
        ("every1", "everyone"),
        ("any1", "anyone"),
        ("some1", "someone"),
        ("no1 will know", "no one will know"),
        ("see u l8r", "see u later"),
        ("ur gr8", "ur great"),
        ("b4 ur mum gets home", "before ur mum gets home"),
        ("2day", "today"),
        ("2nite or 2night", "tonight or tonight"),
        ("2moro 2morrow tmrw", "tomorrow tomorrow tomorrow"),
        ("pls plz PLZZZ", "please please please"),
        ("ev3ry1", "everyone"),  # leet inside a shorthand
        ("s k y l e r _ x 9 9", "skyler_x99"),
        ("my snap is s k y l e r _ x 9 9 ok", "my snap is skyler_x99 ok"),
        ("d.o.n.t t.e.l.l", "dont tell"),
        ("u h.o.m.e a.l.o.n.e?", "u home alone?"),
    ],
)
def test_evasion_spellings_normalise(text: str, expected: str) -> None:
    assert folded(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "meet at 5pm",
        "im 13",
        "14f",
        "call 0800 1111",
        "1st place",
        "1st 2nd 3rd 4th 10pm 5pm 0800",
        "c++ class",
        "notepad++",
        "1+1=2",
        "a + b",
        "a+b",
        "me+you",
        "i got an a+ lol",
        "disney+ or netflix",
        "+44 7700 900123",
        "@gamer_boy",
        "@skyler99",
        "@jake hi",
        "hit me up @gamer_boy",
        "ur u r pic",
        "m8 h8 4u 4ever",
        "many1 someone1",
        "#gr8 @b4",
        "ok_2day",
        "send me a p*c",
        "p*cs",
        "ph*to",
        "s*lfie",
        "_ _ _",
        "u _ u",
    ],
)
def test_ordinary_chat_numbers_and_handles_unchanged(text: str) -> None:
    assert folded(text) == text.lower()


def test_postcodes_still_protected() -> None:
    assert folded("sw1a 1aa m1 1ae ec1a 1bb w1a 0ax") == "sw1a 1aa m1 1ae ec1a 1bb w1a 0ax"
    assert folded("b4 7et") == "b4 7et"  # a Birmingham postcode, not "before"


def test_shorthands_skip_emails_and_urls() -> None:
    assert folded("mail gr8@x.com or www.x.com/b4") == "mail gr8@x.com or www.x.com/b4"


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("no1 will know", [("no", "no1"), ("one", "no1"), ("will", "will"), ("know", "know")]),
        ("every1 2nite", [("everyone", "every1"), ("tonight", "2nite")]),
        ("@dd cu+e", [("add", "@dd"), ("cute", "cu+e")]),
        ("s k y l e r _ x 9 9 ok", [("skyler_x99", "s k y l e r _ x 9 9"), ("ok", "ok")]),
        ("send a p*c pls", [("send", "send"), ("a", "a"), ("p*c", "p*c"), ("please", "pls")]),
        ("c++ class", [("c++", "c++"), ("class", "class")]),
    ],
)
def test_new_rules_map_words_to_their_original_characters(original: str, expected: list) -> None:
    result = normalise(original)
    got = [
        (result.text[m.start() : m.end()], result.original_text(*m.span()))
        for m in re.finditer(r"\S+", result.text)
    ]
    assert got == expected


def test_lexicon_match_over_shorthand_gives_exact_evidence() -> None:
    original = "d0nt +ell any1, no1 needs 2 know ur h0me @lone 2nite"
    result = normalise(original)
    assert result.folded == "dont tell anyone, no one needs 2 know ur home alone tonight"
    m = re.search(r"no one needs 2 know", result.folded)
    assert m and result.original_text(*m.span()) == "no1 needs 2 know"
    m = re.search(r"home alone tonight", result.folded)
    assert m and result.original_text(*m.span()) == "h0me @lone 2nite"


@pytest.mark.parametrize(
    "original",
    [
        "no1 will know b4 2nite pls!!",
        "every1  any1\tsome1 gr8 l8r tmrw plzzzz",
        "s k y l e r _ x 9 9 and _ s e n d _ _ x",
        "@dd cu+e +ell s+op c++ p*c ph**to",
    ],
)
def test_every_span_is_in_bounds_monotonic_and_non_empty(original: str) -> None:
    result = normalise(original)
    n = len(result.text)
    assert len(result.folded) == n
    for i in range(n + 1):
        row = [result.original_span(i, j) for j in range(i, n + 1)]
        for a, b in row:
            assert 0 <= a <= b <= len(original)
        assert all(row[k][1] <= row[k + 1][1] for k in range(len(row) - 1))
        if i < n:
            a, b = result.original_span(i, i + 1)
            assert b > a, (original, i)
            assert result.original_span(i + 1, n)[0] >= a
