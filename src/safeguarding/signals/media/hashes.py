"""Hash values: types, parsing and Hamming distance.

A :class:`ContentHash` is all the engine keeps of a piece of media: the matched image itself
is never stored, only its hashes and a caller-supplied reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from safeguarding.signals.media.errors import MediaError

PDQ_BITS = 256
PDQ_BYTES = PDQ_BITS // 8


class HashType(StrEnum):
    """Kinds of hash the engine matches. PDQ is perceptual; the others are exact."""

    PDQ = "pdq"
    MD5 = "md5"
    SHA1 = "sha1"  # NCMEC and IWF lists still carry SHA-1
    SHA256 = "sha256"
    URL = "url"

    @property
    def perceptual(self) -> bool:
        return self is HashType.PDQ


_HEX_LENGTH = {HashType.PDQ: 64, HashType.MD5: 32, HashType.SHA1: 40, HashType.SHA256: 64}
_HEX = re.compile(r"^[0-9a-f]+$")
# names other tools (ThreatExchange's HASH_* types, HMA, NCMEC and IWF lists) use for the same
# hash types
_ALIASES = {
    "pdq": HashType.PDQ,
    "photo_pdq": HashType.PDQ,
    "pdq_hash": HashType.PDQ,
    "hash_pdq": HashType.PDQ,
    "md5": HashType.MD5,
    "video_md5": HashType.MD5,
    "photo_md5": HashType.MD5,
    "hash_md5": HashType.MD5,
    "sha1": HashType.SHA1,
    "sha-1": HashType.SHA1,
    "hash_sha1": HashType.SHA1,
    "sha256": HashType.SHA256,
    "sha-256": HashType.SHA256,
    "hash_sha256": HashType.SHA256,
    "url": HashType.URL,
    "uri": HashType.URL,
}


def parse_hash_type(name: str) -> HashType:
    """Map a hash-type name, including ThreatExchange/HMA spellings, to :class:`HashType`."""
    key = name.strip().lower()
    if key not in _ALIASES:
        known = ", ".join(sorted({t.value for t in HashType}))
        raise MediaError(f"unknown hash type {name!r} (known: {known})")
    return _ALIASES[key]


def normalise_hex(hash_type: HashType, value: str) -> str:
    """Lower-case hex of the right length for ``hash_type``, or :class:`MediaError`."""
    text = value.strip().lower()
    expected = _HEX_LENGTH.get(hash_type)
    if expected is None:
        raise MediaError(f"{hash_type.value} is not a hex hash type")
    if len(text) != expected or not _HEX.match(text):
        raise MediaError(
            f"not a {hash_type.value} hash: expected {expected} hex digits, got {value[:80]!r}"
        )
    return text


@dataclass(slots=True, frozen=True)
class ContentHash:
    """One hash of one piece of content. ``quality`` is PDQ's 0–100 score (None otherwise)."""

    hash_type: HashType
    value: str
    quality: int | None = None
    frame: int | None = None  # frame number for hashes sampled from animations or video
    variant: str | None = None  # a flip or rotation of the image (PDQ's dihedral hashes)

    def __post_init__(self) -> None:
        if self.hash_type is not HashType.URL:
            object.__setattr__(self, "value", normalise_hex(self.hash_type, self.value))

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"hash_type": self.hash_type.value, "value": self.value}
        if self.quality is not None:
            out["quality"] = self.quality
        if self.frame is not None:
            out["frame"] = self.frame
        if self.variant is not None:
            out["variant"] = self.variant
        return out


def pdq_bits_to_hex(bits: np.ndarray) -> str:
    """Hex of pdqhash's 256-entry 0/1 vector, most significant bit first (ThreatExchange order)."""
    packed = np.packbits(np.asarray(bits, dtype=np.uint8))
    return packed.tobytes().hex()


def pdq_hex_to_bytes(value: str) -> np.ndarray:
    """32 bytes of a PDQ hex string, for the index."""
    return np.frombuffer(bytes.fromhex(normalise_hex(HashType.PDQ, value)), dtype=np.uint8)


def hamming_hex(a: str, b: str) -> int:
    """Hamming distance between two hex hashes of equal length."""
    if len(a) != len(b):
        raise MediaError("cannot compare hashes of different lengths")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def parse_hash_literal(text: str) -> list[ContentHash]:
    """Read a hash typed by a person: ``pdq:HEX``, ``md5:HEX``, ``sha1:HEX``, ``sha256:HEX``
    or bare hex.

    Bare 64-digit hex is ambiguous (PDQ and SHA-256 have the same length), so it is returned
    as both; bare 32-digit hex is MD5, bare 40-digit hex SHA-1.
    """
    raw = text.strip()
    if ":" in raw:
        prefix, _, value = raw.partition(":")
        if prefix.lower() in _ALIASES:
            hash_type = parse_hash_type(prefix)
            if hash_type is HashType.URL:
                return [ContentHash(HashType.URL, value)]
            return [ContentHash(hash_type, value)]
    value = raw.lower()
    if _HEX.match(value) and len(value) == 64:
        return [ContentHash(HashType.PDQ, value), ContentHash(HashType.SHA256, value)]
    if _HEX.match(value) and len(value) == 32:
        return [ContentHash(HashType.MD5, value)]
    if _HEX.match(value) and len(value) == 40:
        return [ContentHash(HashType.SHA1, value)]
    raise MediaError(
        f"not a hash: {text[:80]!r} (use pdq:HEX, md5:HEX, sha1:HEX, sha256:HEX, or 32/40/64"
        " hex digits)"
    )
