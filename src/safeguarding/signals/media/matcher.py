"""The media matcher: hashes content, looks it up in every bank, applies the controls, records.

Controls applied to every lookup, in order: low-quality PDQ hashes are not matched; disabled
banks, disabled hashes and quarantined hashes are skipped (and the outcome says so, with the
reason); each bank's own PDQ threshold is applied; flips and rotations of an image match only
banks that ask for it (``dihedral``); a match in a negative bank (known-benign content)
suppresses every positive match for that content; a hash matching far more than usual is
quarantined (:mod:`.quarantine`).

One matcher serves one tenant: its :class:`BankStore` is that tenant's banks in the service
database, and its in-memory index is built from them (and rebuilt when another process changed
them: the store's version moved).

Matches become :class:`safeguarding.domain.Signal` objects (``media_match`` / ``url_match``)
that the engine takes through ``Engine.add_signal``. The content itself is never stored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from safeguarding.domain import MediaEntry, MediaMatchRecord, Message, Signal
from safeguarding.signals.media.admin import BankAdministration
from safeguarding.signals.media.errors import MediaError
from safeguarding.signals.media.hashes import ContentHash, HashType, pdq_hex_to_bytes
from safeguarding.signals.media.hashing import HashResult, MediaHasher
from safeguarding.signals.media.index import PdqIndex
from safeguarding.signals.media.outcome import MatchOutcome, MediaMatch, MediaRef, UrlMatch
from safeguarding.signals.media.quarantine import QuarantineDecision, QuarantinePolicy, decide
from safeguarding.signals.media.store import BankStore
from safeguarding.signals.media.urls import UrlList, canonicalise_url, find_urls

log = logging.getLogger(__name__)
_HASH_TYPES = {t.value: t for t in HashType}

DEFAULT_MIN_QUALITY = 50  # PDQ quality below this means too little detail to match safely
# a decoded video matches a bank by PDQ only when this many of its sampled frames (or all of its
# usable frames, if it has fewer) match hashes of that bank within the bank's threshold
DEFAULT_MIN_VIDEO_FRAMES = 2


class MediaMatcher(BankAdministration):
    """Matches media and URLs against the banks of one tenant's :class:`BankStore`."""

    def __init__(
        self,
        store: BankStore,
        *,
        hasher: MediaHasher | None = None,
        min_quality: int = DEFAULT_MIN_QUALITY,
        min_video_frames: int = DEFAULT_MIN_VIDEO_FRAMES,
        quarantine: QuarantinePolicy | None = None,
        record_matches: bool = True,
        clock: Callable[[], float] = time.time,
        on_quarantine: Callable[[QuarantineDecision, MediaEntry | None], None] | None = None,
    ) -> None:
        self.store = store
        self.hasher = hasher or MediaHasher()
        self.min_quality = min_quality
        self.min_video_frames = min_video_frames
        self.quarantine_policy = quarantine or QuarantinePolicy()
        self.record_matches = record_matches
        self.clock = clock
        self.on_quarantine = on_quarantine
        self._lock = threading.RLock()
        self._version = -1
        self.reload()

    def close(self) -> None:
        self.store.close()

    # --- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        """(Re)build every in-memory index from the store; queries use the old ones meanwhile."""
        version = self.store.version()  # read first: a change made meanwhile reloads again
        banks = {b.name: b for b in self.store.list_banks()}
        pdq_ids: list[int] = []
        pdq_tags: list[int] = []
        pdq_codes: list[bytes] = []
        exact: dict[tuple[HashType, str], list[tuple[int, int]]] = {}
        urls = UrlList()
        inactive: dict[int, str] = {}
        bank_ids = {b.name: b.id for b in banks.values()}
        for entry in self.store.iter_entries():
            if entry.disabled or entry.quarantined:
                inactive[entry.id] = _inactive_reason(entry)
            self._route(entry, bank_ids[entry.bank], pdq_ids, pdq_tags, pdq_codes, exact, urls)
        codes = np.frombuffer(b"".join(pdq_codes), dtype=np.uint8).reshape(-1, 32)
        pdq = PdqIndex.build(codes, np.array(pdq_ids, np.int64), np.array(pdq_tags, np.int32))
        with self._lock:
            self._banks = banks
            self._bank_by_tag = {b.id: b for b in banks.values()}
            self._pdq = pdq
            self._exact = exact
            self._urls = urls
            self._inactive = inactive
            self._version = version

    def refresh(self) -> None:
        """Rebuild the index when another process changed this tenant's banks."""
        if self.store.version() != self._version:
            self.reload()

    @staticmethod
    def _route(
        entry: MediaEntry,
        tag: int,
        pdq_ids: list[int],
        pdq_tags: list[int],
        pdq_codes: list[bytes],
        exact: dict[tuple[HashType, str], list[tuple[int, int]]],
        urls: UrlList,
    ) -> None:
        hash_type = _HASH_TYPES[entry.hash_type]
        if hash_type is HashType.PDQ:
            pdq_ids.append(entry.id)
            pdq_tags.append(tag)
            pdq_codes.append(bytes.fromhex(entry.value))
        elif hash_type is HashType.URL:
            urls.add(entry.value, entry.id, tag, entry.wildcard)
        else:
            exact.setdefault((hash_type, entry.value), []).append((entry.id, tag))

    def _index_new(self, entries: Sequence[MediaEntry]) -> None:
        pdq_ids: list[int] = []
        pdq_tags: list[int] = []
        pdq_codes: list[bytes] = []
        with self._lock:
            for entry in entries:
                tag = self._banks[entry.bank].id
                self._route(entry, tag, pdq_ids, pdq_tags, pdq_codes, self._exact, self._urls)
        if pdq_ids:
            codes = np.frombuffer(b"".join(pdq_codes), dtype=np.uint8).reshape(-1, 32)
            self._pdq.add(codes, np.array(pdq_ids, np.int64), np.array(pdq_tags, np.int32))

    # --- matching ---------------------------------------------------------------------------

    def hash_file(self, path: str | Path) -> HashResult:
        return self.hasher.hash_file(path)

    def hash_bytes(self, data: bytes, source: str | None = None) -> HashResult:
        return self.hasher.hash_bytes(data, source)

    def _wants_dihedral(self) -> bool:
        return any(b.enabled and b.dihedral for b in self._banks.values())

    def match_file(
        self,
        path: str | Path,
        content_ref: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> MatchOutcome:
        self.refresh()
        hashed = self.hasher.hash_file(path, dihedral=self._wants_dihedral())
        return self._match_hashed(hashed, content_ref or str(path), context)

    def match_bytes(
        self, data: bytes, content_ref: str | None = None, context: dict[str, Any] | None = None
    ) -> MatchOutcome:
        self.refresh()
        hashed = self.hasher.hash_bytes(data, content_ref, dihedral=self._wants_dihedral())
        return self._match_hashed(hashed, content_ref, context)

    def _match_hashed(
        self, hashed: HashResult, content_ref: str | None, context: dict[str, Any] | None
    ) -> MatchOutcome:
        min_frames = self.min_video_frames if hashed.media_type == "video" else None
        outcome = self.match_hashes(
            hashed.hashes,
            content_ref,
            context,
            min_frames=min_frames,
            variants=hashed.variants,
            fresh=True,
        )
        outcome.hashed = hashed
        return outcome

    def match_hashes(
        self,
        hashes: Iterable[ContentHash],
        content_ref: str | None = None,
        context: dict[str, Any] | None = None,
        *,
        min_frames: int | None = None,
        variants: Sequence[ContentHash] = (),
        fresh: bool = False,
    ) -> MatchOutcome:
        """Look every hash of one piece of content up; apply controls; record and monitor.

        ``min_frames`` (set by :meth:`match_bytes` / :meth:`match_file` for videos to
        ``min_video_frames``): PDQ matches of frame hashes count for a bank only when at least
        ``min(min_frames, usable frames)`` distinct frames of this content match that bank;
        usable frames are the frame hashes with quality ≥ ``min_quality``. Exact-hash matches
        are not affected. ``None`` (images, animations, precomputed hashes): any match counts.
        ``variants``: PDQ of the content's flips and rotations, matched against banks with
        ``dihedral`` only. ``fresh``: the caller has just checked the index is current.
        """
        if not fresh:
            self.refresh()
        outcome = MatchOutcome(content_ref)
        found: dict[int, MediaMatch] = {}
        frames_by_bank: dict[str, set[int]] = {}
        usable: set[int] = set()
        for digest in hashes:
            if (
                digest.hash_type is HashType.PDQ
                and digest.frame is not None
                and (digest.quality is None or digest.quality >= self.min_quality)
            ):
                usable.add(digest.frame)
            for match in self._lookup(digest, content_ref, outcome):
                if match.hash_type is HashType.PDQ and match.frame is not None:
                    frames_by_bank.setdefault(match.bank, set()).add(match.frame)
                _keep_best(found, match)
        for variant in variants:
            for match in self._lookup(variant, content_ref, outcome, dihedral_only=True):
                _keep_best(found, match)
        if min_frames is not None and frames_by_bank:
            needed = max(1, min(min_frames, len(usable)))
            weak = {bank for bank, frames in frames_by_bank.items() if len(frames) < needed}
            for bank in sorted(weak):
                outcome.skipped.append(
                    f"video: {len(frames_by_bank[bank])} of {len(usable)} usable sampled frames "
                    f"match bank {bank}, {needed} needed"
                )
            found = {
                entry_id: m
                for entry_id, m in found.items()
                if not (m.bank in weak and m.hash_type is HashType.PDQ and m.frame is not None)
            }
        self._settle(list(found.values()), outcome, context)
        return outcome

    def _lookup(
        self,
        digest: ContentHash,
        content_ref: str | None,
        outcome: MatchOutcome,
        *,
        dihedral_only: bool = False,
    ) -> list[MediaMatch]:
        banks = self._bank_by_tag
        inactive = self._inactive
        if digest.hash_type is HashType.PDQ:
            if digest.quality is not None and digest.quality < self.min_quality:
                if digest.variant is None:
                    frame = f" (frame {digest.frame})" if digest.frame is not None else ""
                    outcome.skipped.append(
                        f"pdq {digest.value}{frame}: quality {digest.quality} "
                        f"below {self.min_quality}"
                    )
                return []
            radius = max(
                (b.threshold for b in banks.values() if b.dihedral or not dihedral_only),
                default=-1,
            )
            if radius < 0:
                return []
            hits = [
                (h.entry_id, h.tag, h.distance)
                for h in self._pdq.search(pdq_hex_to_bytes(digest.value), radius)
            ]
        elif digest.hash_type is HashType.URL:
            hits = [(e.entry_id, e.tag, 0) for e in self._urls.match(digest.value)]
        else:
            hits = [(i, t, 0) for i, t in self._exact.get((digest.hash_type, digest.value), ())]
        out = []
        for entry_id, tag, distance in hits:
            bank = banks.get(tag)
            if bank is None or (dihedral_only and not bank.dihedral):
                continue
            if digest.hash_type is HashType.PDQ and distance > bank.threshold:
                continue
            why = "bank is disabled" if not bank.enabled else inactive.get(entry_id)
            if why is not None:
                outcome.skipped.append(
                    f"{digest.hash_type.value} {digest.value}: entry {entry_id} of bank "
                    f"{bank.name} not matched: {why}"
                )
                continue
            out.append(
                MediaMatch(
                    bank.name,
                    entry_id,
                    digest.hash_type,
                    digest.value,
                    distance,
                    bank.negative,
                    content_ref,
                    digest.frame,
                    variant=digest.variant,
                )
            )
        return out

    def _settle(
        self, found: list[MediaMatch], outcome: MatchOutcome, context: dict[str, Any] | None
    ) -> None:
        outcome.negative = [m for m in found if m.negative]
        positives = sorted((m for m in found if not m.negative), key=lambda m: m.distance)
        if outcome.negative:
            outcome.suppressed = positives
            positives = []
        now = self.clock()
        record_ids: list[int | None] = [None] * len(positives)
        if self.record_matches:
            at = datetime.fromtimestamp(now, UTC)
            suppressor = outcome.negative[0].bank if outcome.negative else None
            records = [
                *(self._record(m, at, context) for m in positives),
                *(
                    self._record(m, at, context, suppressed_by=suppressor)
                    for m in outcome.suppressed
                ),
                *(self._record(m, at, context) for m in outcome.negative),
            ]
            stored = self.store.record_matches(records)
            record_ids = [r.id for r in stored[: len(positives)]]
        for m, record_id in zip(positives, record_ids, strict=True):
            outcome.matches.append(
                MediaMatch(
                    m.bank,
                    m.entry_id,
                    m.hash_type,
                    m.query_hash,
                    m.distance,
                    m.negative,
                    m.content_ref,
                    m.frame,
                    record_id,
                    m.variant,
                )
            )
            decision = self._observe(m.entry_id, now)
            if decision is not None:
                self._quarantine(decision)
                outcome.quarantined.append(decision)

    def _observe(self, entry_id: int, now: float) -> QuarantineDecision | None:
        """Count the match in the store (shared by every process) and decide."""
        policy = self.quarantine_policy
        if not policy.enabled:
            return None
        window = int(now // policy.window_s)
        counts = self.store.count_match(entry_id, window, window - policy.baseline_windows)
        return decide(entry_id, window, counts, policy)

    @staticmethod
    def _record(
        m: MediaMatch,
        at: datetime,
        context: dict[str, Any] | None,
        suppressed_by: str | None = None,
    ) -> MediaMatchRecord:
        return MediaMatchRecord(
            bank=m.bank,
            entry_id=m.entry_id,
            hash_type=m.hash_type.value,
            query_hash=m.query_hash,
            distance=m.distance,
            content_ref=m.content_ref,
            at=at,
            negative=m.negative,
            suppressed_by=suppressed_by,
            context=context,
            variant=m.variant,
        )

    def _quarantine(self, decision: QuarantineDecision) -> None:
        self.store.set_quarantined([decision.entry_id], True, decision.reason)
        with self._lock:
            self._inactive[decision.entry_id] = f"quarantined ({decision.reason})"
        self._after_write()
        entry = self.store.get_entry(decision.entry_id)
        detail: dict[str, Any] = {"entry_id": decision.entry_id, "reason": decision.reason}
        if entry is not None:
            detail |= {"bank": entry.bank, "hash_type": entry.hash_type, "value": entry.value}
        self.store.record_event("quarantine", detail)
        log.warning("hash quarantined until reviewed: %s", detail)
        if self.on_quarantine is not None:
            self.on_quarantine(decision, entry)

    # --- URLs -------------------------------------------------------------------------------

    def match_url(self, url: str, context: dict[str, Any] | None = None) -> MatchOutcome:
        """Match one URL (canonicalised first) against the URL banks."""
        canonical = canonicalise_url(url)
        return self.match_hashes([ContentHash(HashType.URL, canonical)], canonical, context)

    def url_matches(self, text: str, context: dict[str, Any] | None = None) -> list[UrlMatch]:
        """Listed URLs found in chat text, obfuscated ones included."""
        out: list[UrlMatch] = []
        for found in find_urls(text):
            outcome = self.match_hashes(
                [ContentHash(HashType.URL, found.canonical)], found.canonical, context
            )
            out.extend(UrlMatch(found, m) for m in outcome.matches)
        return out

    # --- signals for the engine -------------------------------------------------------------

    def url_signals(
        self,
        text: str,
        *,
        message_index: int = 0,
        sender: str = "",
        context: dict[str, Any] | None = None,
    ) -> list[Signal]:
        """``url_match`` signals for the listed URLs in ``text``; spans index ``text``."""
        return [
            Signal(
                kind="url_match",
                message_index=message_index,
                sender=sender,
                score=hit.match.score,
                span=hit.found.span,
                excerpt=hit.found.text,
                source="media",
                detail={
                    "bank": hit.match.bank,
                    "distance": 0,
                    "content_ref": hit.found.canonical,
                    "hash_type": HashType.URL.value,
                    "obfuscated": hit.found.obfuscated,
                    "match_id": hit.match.record_id,
                },
            )
            for hit in self.url_matches(text, context)
        ]

    def signals_for_message(
        self,
        message: Message,
        media_refs: Iterable[MediaRef | str | Path] = (),
        *,
        message_index: int | None = None,
        include_urls: bool = True,
        on_error: str = "raise",
    ) -> list[Signal]:
        """``media_match`` signals for a message's attachments, plus ``url_match`` for its text.

        ``on_error="log"`` logs media that cannot be hashed and goes on; the default raises
        :class:`MediaError` so the caller decides.
        """
        index = message.index if message_index is None else message_index
        if index is None:
            raise ValueError("message.index is not set: pass message_index")
        context = {
            "conversation_id": message.conversation_id,
            "message_index": index,
            "message_id": message.message_id,
            "sender": message.sender,
        }
        signals: list[Signal] = []
        for item in media_refs:
            ref = item if isinstance(item, MediaRef) else MediaRef(str(item), path=Path(item))
            try:
                outcome = self._match_ref(ref, context)
            except MediaError as exc:
                if on_error != "log":
                    raise
                log.warning("media %s of message %s not matched: %s", ref.ref, index, exc)
                continue
            signals.extend(
                Signal(
                    kind="media_match",
                    message_index=index,
                    sender=message.sender,
                    score=m.score,
                    source="media",
                    detail={
                        "bank": m.bank,
                        "distance": m.distance,
                        "content_ref": ref.ref,
                        "hash_type": m.hash_type.value,
                        "frame": m.frame,
                        "variant": m.variant,
                        "match_id": m.record_id,
                    },
                )
                for m in outcome.matches
            )
        if include_urls and message.text:
            signals.extend(
                self.url_signals(
                    message.text, message_index=index, sender=message.sender, context=context
                )
            )
        return signals

    def _match_ref(self, ref: MediaRef, context: dict[str, Any]) -> MatchOutcome:
        if ref.hashes:
            return self.match_hashes(ref.hashes, ref.ref, context)
        if ref.data is not None:
            return self.match_bytes(ref.data, ref.ref, context)
        if ref.path is not None:
            return self.match_file(ref.path, ref.ref, context)
        raise MediaError("media reference has no data, path or hashes", source=ref.ref)


def _keep_best(found: dict[int, MediaMatch], match: MediaMatch) -> None:
    best = found.get(match.entry_id)
    if best is None or match.distance < best.distance:
        found[match.entry_id] = match


def _inactive_reason(entry: MediaEntry) -> str:
    state = "quarantined" if entry.quarantined else "disabled"
    return f"{state} ({entry.reason or 'no reason given'})"
