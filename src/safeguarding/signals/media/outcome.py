"""What matching gives back: matches, the outcome for one piece of content, media references."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safeguarding.signals.media.hashes import PDQ_BITS, ContentHash, HashType
from safeguarding.signals.media.hashing import HashResult
from safeguarding.signals.media.quarantine import QuarantineDecision
from safeguarding.signals.media.urls import FoundUrl


@dataclass(slots=True, frozen=True)
class MediaMatch:
    """One bank entry matched by one hash of one piece of content."""

    bank: str
    entry_id: int
    hash_type: HashType
    query_hash: str
    distance: int
    negative: bool
    content_ref: str | None = None
    frame: int | None = None
    record_id: int | None = None
    variant: str | None = None  # the flip or rotation of the content that matched

    @property
    def score(self) -> float:
        return 1.0 - self.distance / PDQ_BITS if self.hash_type is HashType.PDQ else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "bank": self.bank,
            "entry_id": self.entry_id,
            "hash_type": self.hash_type.value,
            "query_hash": self.query_hash,
            "distance": self.distance,
            "negative": self.negative,
            "score": round(self.score, 4),
            "content_ref": self.content_ref,
            "frame": self.frame,
            "variant": self.variant,
            "match_id": self.record_id,
        }


@dataclass(slots=True)
class MatchOutcome:
    """Result of matching one piece of content (or one list of hashes)."""

    content_ref: str | None
    matches: list[MediaMatch] = field(default_factory=list)  # positive, reportable
    suppressed: list[MediaMatch] = field(default_factory=list)  # cancelled by a negative bank
    negative: list[MediaMatch] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # hashes not matched, and why
    quarantined: list[QuarantineDecision] = field(default_factory=list)
    hashed: HashResult | None = None

    @property
    def matched(self) -> bool:
        return bool(self.matches)

    def to_dict(self) -> dict[str, Any]:
        return {
            "content_ref": self.content_ref,
            "matched": self.matched,
            "matches": [m.to_dict() for m in self.matches],
            "suppressed": [m.to_dict() for m in self.suppressed],
            "negative": [m.to_dict() for m in self.negative],
            "skipped": self.skipped,
            "quarantined": [{"entry_id": q.entry_id, "reason": q.reason} for q in self.quarantined],
            "hashes": self.hashed.to_dict() if self.hashed else None,
        }


@dataclass(slots=True, frozen=True)
class UrlMatch:
    found: FoundUrl
    match: MediaMatch


@dataclass(slots=True, frozen=True)
class MediaRef:
    """Media attached to a message: a reference plus its bytes, a path, or precomputed hashes."""

    ref: str
    data: bytes | None = None
    path: Path | None = None
    hashes: tuple[ContentHash, ...] = ()
