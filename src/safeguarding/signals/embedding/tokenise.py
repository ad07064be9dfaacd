"""Word tokenisation and cheap spelling fallbacks shared by the embedding build and runtime.

Stdlib only on purpose: the build script loads this file on its own (outside the package) in a
separate build environment, so the vocabulary keys it writes match exactly what the runtime
looks up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Letters only (no digits, no underscore), with inner apostrophes kept: "don't", "aujourd'hui".
TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
APOSTROPHES = "'’"
_REPEAT3_RE = re.compile(r"(\w)\1{2,}")
_LAUGH_RE = re.compile(r"^(?:(?:[hjkx]+[aeiouy]+){2,}[hjkx]*|k{3,}|(?:rs){2,}|lo+l+|mdr+|xd+)$")
LAUGH_KEY = "haha"
# Endings tried, longest first, when a word is unknown: plurals and possessives only, which
# rarely change meaning (wider stemming mapped real words onto unrelated short ones).
_SUFFIXES = ("'s", "’s", "es", "s")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text``."""
    return TOKEN_RE.findall(text.lower())


def strip_accents(word: str) -> str:
    """``word`` without combining marks ("não" → "nao"); "ß" and "ø" stay as they are."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def without_apostrophes(word: str) -> str:
    return word.replace("'", "").replace("’", "")


def fallback_keys(word: str) -> Iterator[str]:
    """Spellings to try, in order, for a word missing from the vocabulary.

    Chat stretches words ("soooo", "pleeease") and laughs in many spellings; plurals of known
    words should land on the singular. Each candidate is a plain dictionary key, so trying them
    costs a few dictionary look-ups, and only for unknown words.
    """
    plain = strip_accents(word)
    if plain != word:
        yield plain
    if _LAUGH_RE.match(plain):
        yield LAUGH_KEY
    if _REPEAT3_RE.search(plain):
        yield _REPEAT3_RE.sub(r"\1\1", plain)
        yield _REPEAT3_RE.sub(r"\1", plain)
    for suffix in _SUFFIXES:
        if plain.endswith(suffix) and len(plain) - len(suffix) >= 3:
            yield plain[: -len(suffix)]
    if any(a in plain for a in APOSTROPHES):
        yield without_apostrophes(plain)
