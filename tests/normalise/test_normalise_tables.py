"""The generated tables are sound and agree with the Unicode data they come from."""

from __future__ import annotations

import re
import unicodedata

import emoji

from safeguarding.normalise import _generate, normalise
from safeguarding.normalise._tables import CONFUSABLES, FLAGS, INVISIBLE
from safeguarding.normalise.core import _EMOJI


def test_confusables_map_letters_to_one_ascii_letter() -> None:
    for source, target in CONFUSABLES.items():
        assert len(source) == 1 and source.isalpha() and not source.isascii()
        assert unicodedata.normalize("NFKC", source) == source
        assert re.fullmatch("[a-z]", target), (source, target)


def test_confusables_cover_the_usual_lookalikes() -> None:
    expected = dict(zip("аеорсухіѕԁјһԛԝ", "aeopcyxisdjhqw", strict=True))
    expected |= {"ο": "o", "ρ": "p", "ν": "v", "α": "a", "Α": "a", "Ι": "i", "І": "i"}
    for source, target in expected.items():
        assert CONFUSABLES.get(source) == target, source


def test_confusables_in_sync_with_confusable_homoglyphs() -> None:
    assert _generate.confusables() == CONFUSABLES


def test_invisible_class_holds_the_zero_width_characters() -> None:
    invisible = re.compile(INVISIBLE)
    for ch in "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u202e\u2066\U000e0041":
        assert invisible.fullmatch(ch), hex(ord(ch))
    for ch in "a \u0600\u00a0":
        assert not invisible.fullmatch(ch)


# Letters written as emoji and punctuation emoji are deliberately text, not emoji.
TEXT_EMOJI = {"🅰", "🅱", "🅾", "🅿", "Ⓜ", "ℹ", "‼", "⁉"}


def test_every_emoji_of_the_emoji_package_is_recognised() -> None:
    missed = []
    for seq in emoji.EMOJI_DATA:
        if seq[0].isascii():  # keycaps are matched by their own branch
            assert _EMOJI.fullmatch(seq) or seq[0] in "#*0123456789", seq
            continue
        if not _EMOJI.fullmatch(seq):
            missed.append(seq)
    unexpected = [s for s in missed if s.rstrip("\ufe0f") not in TEXT_EMOJI]
    assert not unexpected, unexpected[:20]


def test_every_emoji_normalises_to_a_word_or_nothing() -> None:
    for seq in emoji.EMOJI_DATA:
        if seq.rstrip("\ufe0f") in TEXT_EMOJI:
            continue
        text = normalise(f"a{seq}b").text
        assert re.fullmatch(r"a( [a-z0-9]+)? b|a[a-z0-9#*]b|a ?[a-z]+ ?b", text), (seq, text)


def test_flags_are_pairs_of_letters() -> None:
    assert {"gb", "fr", "us", "de", "es", "br", "pt"} <= FLAGS
    assert all(re.fullmatch("[a-z]{2}", f) for f in FLAGS)
