"""The derived rows a message adds for the insight patterns: fingerprints of the contact
details, URLs and media hashes its sender shared, and (for a conversation's first message)
the opener's sender, recipient and MinHash bands. Never the text itself.

:func:`backfill_patterns` derives the same rows from messages stored before migration 0010
(or re-derives them): a message whose text the retention purge removed still gives its
opener's sender, recipient and time and its media hashes, but no text fingerprints."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from safeguarding.service.events import MessageEvent
from safeguarding.signals.fingerprints import digest, identifiers, opener_bands
from safeguarding.storage.records import IdentifierRecord, OpenerRecord, WriteBatch
from safeguarding.storage.repository import Repository

PAGE = 2_000


def _rows(
    tenant: str,
    batch: WriteBatch,
    conversation_id: str,
    index: int,
    sender: str,
    recipients: Sequence[str],
    ts: datetime,
    text: str | None,
    media: Sequence[dict[str, Any]],
) -> None:
    links = [str(m.get("ref")) for m in media if m.get("kind") == "link" and m.get("ref")]
    found = identifiers(text or "", links)
    for m in media:
        for kind in ("sha256", "pdq"):
            if m.get(kind):
                found.add(("media", f"{kind}:{m[kind]}"))
    batch.identifiers.extend(
        IdentifierRecord(sender, kind, digest(tenant, kind, value), ts)
        for kind, value in sorted(found)
    )
    if index == 0:
        batch.openers.append(
            OpenerRecord(
                conversation_id,
                sender,
                recipients[0] if recipients else None,
                ts,
                opener_bands(text) if text else None,
            )
        )


def add_pattern_rows(tenant: str, ev: MessageEvent, index: int, batch: WriteBatch) -> None:
    media = [m.model_dump(exclude_none=True) for m in ev.media]
    _rows(tenant, batch, ev.conversation_id, index, ev.sender, ev.recipients, ev.ts, ev.text, media)


def backfill_patterns(
    repo: Repository, tenant: str, progress: Callable[[int], None] | None = None
) -> tuple[int, int, int]:
    """Derive the pattern rows of every stored message of ``tenant`` (rows already there are
    kept). Returns (messages read, identifier rows offered, opener rows offered)."""
    after: tuple[str, int] | None = None
    counts = [0, 0, 0]
    while True:
        page = repo.messages_for_patterns(tenant, after, PAGE)
        if not page:
            return counts[0], counts[1], counts[2]
        batch = WriteBatch(tenant_id=tenant, received_at=page[-1].ts)
        for m in page:
            _rows(
                tenant,
                batch,
                m.conversation_id,
                m.idx,
                m.sender,
                m.recipients,
                m.ts,
                m.text,
                m.media or [],
            )
        repo.write_pattern_rows(batch)
        counts[0] += len(page)
        counts[1] += len(batch.identifiers)
        counts[2] += len(batch.openers)
        if progress:
            progress(len(page))
        after = (page[-1].conversation_id, page[-1].idx)
