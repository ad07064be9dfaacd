"""Spans in the normalised text map back to the exact original characters (the evidence)."""

from __future__ import annotations

import re

import pytest

from safeguarding.normalise import normalise

TRICKY = [
    "S E N D nudes",
    "ѕеnd mе 👻 pleeeease!!!",
    "z̷̢a̵l̶g̷o̸  t̴e̵x̷t̶",
    "n\u200bu\u200bde\u00ads 🇸🇪🇳🇩",
    "  hi   there  ",
    "STRAßE İst cœur",
    "\ud83d\udc7b\ud800 x",
    "s.3.n.d m3 c00l",
    "ｓ３ｎｄ 𝐩𝐢𝐜 ⓢⓝⓐⓟ 1️⃣3️⃣",
    "Não conte a ninguém 🤫🤫",
    "mail john@gmail.com or see http://x.com//a!!",
    "\x00\x01abc\x7f\t\n",
    "",
]


def words(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\S+", text)]


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("S E N D nudes", [("send", "S E N D"), ("nudes", "nudes")]),
        ("ѕеnd mе 👻", [("send", "ѕеnd"), ("me", "mе"), ("snapchat", "👻")]),
        ("pleeeease!!!", [("please!", "pleeeease!!!")]),
        ("z̷̢a̵l̶g̷o̸", [("zalgo", "z̷̢a̵l̶g̷o̸")]),
        ("n\u200bu\u200bde\u00ads", [("nudes", "n\u200bu\u200bde\u00ads")]),
        ("STRAßE", [("strasse", "STRAßE")]),
        ("s.3.n.d m3 c00l", [("send", "s.3.n.d"), ("me", "m3"), ("cool", "c00l")]),
        ("🇸🇪🇳🇩 1️⃣3️⃣", [("send", "🇸🇪🇳🇩"), ("13", "1️⃣3️⃣")]),
        ("𝐬𝐞𝐧𝐝", [("send", "𝐬𝐞𝐧𝐝")]),
    ],
)
def test_words_map_to_their_original_characters(original: str, expected: list) -> None:
    result = normalise(original)
    got = [(result.text[a:b], result.original_text(a, b)) for a, b in words(result.text)]
    assert got == expected


def test_lexicon_match_gives_exact_evidence() -> None:
    original = "hey cutie!!! d0nt  t3ll ur m0m, its our l1ttle s e c r e t 🤫"
    result = normalise(original)
    assert result.text == "hey cutie! dont tell ur mom, its our little secret secret"
    m = re.search(r"dont tell ur (mom|mum|parents)", result.text)
    assert m
    assert result.original_text(*m.span()) == "d0nt  t3ll ur m0m"
    m = re.search(r"little secret", result.text)
    assert m
    assert result.original_text(*m.span()) == "l1ttle s e c r e t"
    last = result.text.rindex("secret")
    assert result.original_text(last, last + 6) == "🤫"


def test_single_characters_and_sub_spans() -> None:
    result = normalise("S E N D")
    assert result.original_span(0, 1) == (0, 1)
    assert result.original_span(1, 3) == (2, 5)  # "en" -> "E N"
    assert result.original_span(4, 4) == (7, 7)  # empty span at the end


def test_positions_out_of_range_are_clamped() -> None:
    result = normalise("  hello  ")
    assert result.text == "hello"
    assert result.original_span(-5, 100) == (2, 7)
    assert result.original_span(4, 2) == (6, 6)  # end before start: empty span at start


def test_folded_and_text_share_positions() -> None:
    result = normalise("Não conte   a ninguém")
    assert len(result.folded) == len(result.text)
    i = result.folded.index("ninguem")
    assert result.original_text(i, i + 7) == "ninguém"


@pytest.mark.parametrize("original", TRICKY)
def test_every_span_is_in_bounds_monotonic_and_non_empty(original: str) -> None:
    result = normalise(original)
    n = len(result.text)
    for i in range(n + 1):
        row = [result.original_span(i, j) for j in range(i, n + 1)]
        for a, b in row:
            assert 0 <= a <= b <= len(original)
        assert all(row[k][1] <= row[k + 1][1] for k in range(len(row) - 1))
        if i < n:
            a, b = result.original_span(i, i + 1)
            assert b > a, (original, i)
            assert result.original_span(i + 1, n)[0] >= a
