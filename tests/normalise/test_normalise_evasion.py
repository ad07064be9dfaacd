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
        "u h0m3 by ur53lf rn!!  4dd m3 0n 5n4p, 1ll g1v3 u 2000 vbuck5",
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


# --------------------------------------------------------------------------- heavy leet (rule 7)

HEAVY = "4dd m3 0n 5n4p, 1ll g1v3 u 2000 vbuck5 f0r 4 p1c. d0nt t3ll ur p4r3nt5"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("h0w 0ld r u", "how old r u"),
        ("u h0m3 by ur53lf rn", "u home by urself rn"),
        # "2000" is a number and a lone "4" is left as typed ("for 4 pic").
        (HEAVY, "add me on snap, ill give u 2000 vbucks for 4 pic. dont tell ur parents"),
        ("wh3r3 d0 u l1v3", "where do u live"),
        # In a heavily leeted message, the things that are not leet keep their digits.
        ("h3y 4dd m3 on ps4 and xbox360 tonight", "hey add me on ps4 and xbox360 tonight"),
        ("s3nd m3 a p1c, meet at 5pm on the 3rd", "send me a pic, meet at 5pm on the 3rd"),
        ("h0w 0ld r u? im 14f", "how old r u? im 14f"),
        ("c4ll m3 0n 07700 900123", "call me on 07700 900123"),
        ("g1v3 m3 ur 5n4p, i got 2000 vbucks", "give me ur snap, i got 2000 vbucks"),
        ("lvl 50 boss, w1th m3 n0w", "lvl 50 boss, with me now"),
        ("top 10 lol, u r s0 c00l", "top 10 lol, u r so cool"),
        ("m8 gr8 game, d0nt t3ll", "m8 great game, dont tell"),
        (
            "d0nt t3ll: 13yo 10am 1st 2nd 10k 5km 4x4 1v1 s23 covid19 mp3 gta5 m25 f14 25m 4k",
            "dont tell: 13yo 10am 1st 2nd 10k 5km 4x4 1v1 s23 covid19 mp3 gta5 m25 f14 25m 4k",
        ),
        ("h3y @gamer_boy @skyler99 @dd m3", "hey @gamer_boy @skyler99 add me"),
        ("s3nd 2 me@x.com or www.5n4p.com/ur53lf", "send 2 me@x.com or www.5n4p.com/ur53lf"),
        ("wh3r3 u l1v3 sw1a 1aa", "where u live sw1a 1aa"),
        ("h3ll0 w0rld 5xp 30fps", "hello world 5xp 30fps"),
    ],
)
def test_heavy_leet_messages_convert_every_leet_word(text: str, expected: str) -> None:
    assert folded(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ps4 and xbox360 tonight",
        "meet at 5pm on the 3rd",
        "im 14f",
        "call 07700 900123",
        "i got 2000 vbucks",
        "lvl 50 boss",
        "top 10 lol",
        "ur53lf",  # one leet word is not a heavily leeted message
        "my parent5 r out",
        "0n 4k 3d 5m",
    ],
)
def test_heavy_leet_needs_two_leet_words(text: str) -> None:
    assert folded(text) == text.lower()


def test_chat_shorthands_keep_their_mapping() -> None:
    assert folded("m8 gr8 game") == "m8 great game"


def test_heavy_leet_maps_words_to_their_original_characters() -> None:
    result = normalise(HEAVY)
    pairs = [
        (result.text[m.start() : m.end()], result.original_text(*m.span()))
        for m in re.finditer(r"\w+", result.text)
    ]
    assert pairs == list(
        zip(
            result.text.replace(",", "").replace(".", "").split(),
            re.findall(r"\w+", HEAVY),
            strict=True,
        )
    )
    m = re.search(r"dont tell ur parents", result.folded)
    assert m and result.original_text(*m.span()) == "d0nt t3ll ur p4r3nt5"
    m = re.search(r"snap", result.folded)
    assert m and result.original_text(*m.span()) == "5n4p"
