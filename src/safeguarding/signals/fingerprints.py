"""Fingerprints for the investigators' patterns: what links accounts, without the text.

:func:`identifiers` finds the contact details (phone numbers, handles, e-mail addresses) and
URLs in a message, normalised so the same detail written two ways matches; :func:`digest`
turns each into a tenant-scoped SHA-256 that is stored instead of the value.
:func:`opener_bands` is a MinHash signature of a message's character 4-grams, cut into
:data:`BANDS` bands (locality-sensitive hashing): two openers whose texts are near
duplicates share a band with high probability (Jaccard 0.7: 92%, 0.3: 15%).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from safeguarding.signals.patterns import contact_details

BANDS = 6
ROWS = 3
SHINGLE = 4
MIN_OPENER_CHARS = 12  # shorter openers ("hi", "hey u") say nothing about who wrote them
KINDS = ("phone", "handle", "email", "url", "media")
PHONE_DIGITS = 9  # numbers match on their last nine digits: 07700 900123 = +44 7700 900123

_PRIME = (1 << 61) - 1
_MASK62 = (1 << 62) - 1
_URL_RX = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']{2,300}", re.IGNORECASE)
_WORD_RX = re.compile(r"[^\w]+")


def _h64(data: bytes, salt: bytes = b"") -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8, salt=salt).digest(), "big")


_COEFFS = [
    (_h64(b"a", i.to_bytes(16, "big")) % (_PRIME - 1) + 1, _h64(b"b", i.to_bytes(16, "big")))
    for i in range(BANDS * ROWS)
]


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def canonical_url(url: str) -> str:
    """Host and path, lower-case, without scheme, ``www.``, query or trailing slash."""
    u = fold(url).rstrip(".,;:!?)]}")
    u = re.sub(r"^(?:https?://)?(?:www\.)?", "", u)
    u = u.split("#", 1)[0].split("?", 1)[0]
    return u.rstrip("/")


def identifiers(text: str, links: Iterable[str] = ()) -> set[tuple[str, str]]:
    """(kind, normalised value) of each contact detail and URL in ``text`` and ``links``."""
    folded = fold(text)
    found: set[tuple[str, str]] = set()
    for hit in contact_details(folded):
        value = hit.value.strip()
        digits = re.sub(r"\D", "", value)
        if digits and len(digits) >= PHONE_DIGITS and not re.search(r"[a-z@#]", value):
            found.add(("phone", digits[-PHONE_DIGITS:]))
        elif "@" in value and "." in value.split("@")[-1] and not value.startswith("@"):
            found.add(("email", value))
        else:
            found.add(("handle", value.lstrip("@")))
    if "www." in folded or "://" in folded:
        for m in _URL_RX.finditer(folded):
            found.add(("url", canonical_url(m.group(0))))
    for link in links:
        found.add(("url", canonical_url(link)))
    return {(k, v) for k, v in found if v}


def digest(tenant: str, kind: str, value: str) -> str:
    """The stored fingerprint: SHA-256 over the tenant, the kind and the normalised value."""
    return hashlib.sha256(f"{tenant}\x1f{kind}\x1f{value}".encode()).hexdigest()


def opener_bands(text: str) -> tuple[int, ...] | None:
    """MinHash band signature of an opener, or ``None`` when it is too short to compare."""
    norm = " ".join(w for w in _WORD_RX.split(fold(text)) if w)
    if len(norm) < MIN_OPENER_CHARS:
        return None
    shingles = {_h64(norm[i : i + SHINGLE].encode()) for i in range(len(norm) - SHINGLE + 1)}
    mins = [min((a * x + b) % _PRIME for x in shingles) for a, b in _COEFFS]
    return tuple(
        _h64(b"".join(m.to_bytes(8, "big") for m in mins[i * ROWS : (i + 1) * ROWS])) & _MASK62
        for i in range(BANDS)
    )
