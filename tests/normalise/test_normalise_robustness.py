"""Robustness: normalise never raises, stays linear on hostile input, and spans stay valid."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding.normalise import NormalisedText, normalise

# Characters that exercise every stage, mixed into arbitrary Unicode.
INTERESTING = (
    "abcdeisnopt ABCSEND 0134578@$!2 .-_*/,?\n\t"
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u202e\u0301\u0338\u0489\ufe0f\u20e3"
    "аеорсухіѕԁΑΟρν éñüçãß İŒ ｓ𝐬ⓢ🅢ᴇ👻📸🤫😘🍆👍🏻\U0001f1f8\U0001f1ea\u200d"
    "\ud800\udc00\ud83d\x00\x7f\u2800"
)
texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(INTERESTING),
        st.characters(exclude_categories=[]),  # any code point, surrogates included
    ),
    max_size=80,
)


def check_spans(result: NormalisedText, i: int, j: int) -> None:
    n = len(result.text)
    lo, hi = sorted((min(i, n), min(j, n)))
    a, b = result.original_span(lo, hi)
    assert 0 <= a <= b <= len(result.original)
    a2, b2 = result.original_span(lo, min(hi + 1, n))
    assert a2 == a and b2 >= b  # growing the end never moves the start, never shrinks the end
    a3, b3 = result.original_span(min(lo + 1, hi), hi)
    assert a3 >= a and b3 >= b  # moving the start right never moves either end left
    if lo + 1 < hi:
        assert b3 == b  # for non-empty spans the end depends on the end position only


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, i=st.integers(0, 200), j=st.integers(0, 200))
def test_never_raises_and_spans_are_valid(text: str, i: int, j: int) -> None:
    result = normalise(text)
    assert result.original == text
    assert len(result.folded) == len(result.text)
    result.text.encode("utf-8")  # no lone surrogates survive
    assert result.text == result.text.strip()
    check_spans(result, i, j)
    a, b = result.original_span(0, len(result.text))
    assert 0 <= a <= b <= len(text)


@settings(max_examples=150, deadline=None)
@given(text=texts)
def test_every_output_character_comes_from_some_original_characters(text: str) -> None:
    result = normalise(text)
    previous = (0, 0)
    for k in range(len(result.text)):
        span = result.original_span(k, k + 1)
        assert span[1] > span[0]
        assert span[0] >= previous[0] and span[1] >= previous[1]
        previous = span


@pytest.mark.parametrize(
    "text",
    ["", " ", "\ud800", "\udfff\ud800", "\u202e\u202d", "\x00" * 50, "\ufffd" * 10, "🇦", "\u20e3"],
)
def test_edge_cases(text: str) -> None:
    result = normalise(text)
    assert result.original_span(0, len(result.text))[1] <= len(text)


def test_binary_looking_garbage() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 8
    result = normalise(garbage)
    assert result.original_span(0, len(result.text))[1] <= len(garbage)
    result.text.encode("utf-8")
    result = normalise(bytes(range(256)) * 4)
    result.text.encode("utf-8")


HOSTILE = {
    "long word": "a" * 30_000,
    "long repeat": "ab" * 15_000,
    "spaced letters": "a " * 15_000,
    "spaced letters dots": "a." * 15_000,
    "alternating single and double": "a bb " * 6_000,
    "leet run": "a1" * 15_000,
    "digits": "1" * 30_000,
    "at signs": "a@" * 15_000,
    "emails": "a@b.c " * 5_000,
    "url-ish": "www." * 7_500,
    "punctuation": "!?" * 15_000,
    "zalgo": "a" + "\u0301" * 30_000,
    "zero width": "\u200b" * 30_000,
    "cyrillic mix": "ѕеnd " * 6_000,
    "emoji": "👍🏻\u200d" * 10_000,
    "regional": "\U0001f1f8" * 30_000,
    "surrogates": "\ud800" * 30_000,
    "mixed": ("s3nd m3 а p1c 👻 z̷a̵ pleeeease!!! " * 1_000),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_long_hostile_input_is_linear(name: str) -> None:
    text = HOSTILE[name]
    assert len(text) >= 10_000
    t0 = time.process_time()
    result = normalise(text)
    result.original_span(0, len(result.text))
    result.original_span(len(result.text) // 2, len(result.text) // 2 + 10)
    elapsed = time.process_time() - t0
    assert elapsed < 2.0, f"{name}: {elapsed:.2f}s for {len(text)} characters"
