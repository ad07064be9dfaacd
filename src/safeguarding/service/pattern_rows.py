"""The derived rows a message adds for the insight patterns: fingerprints of the contact
details, URLs and media hashes its sender shared, and (for a conversation's first message)
the opener's sender, recipient and MinHash bands. Never the text itself."""

from __future__ import annotations

from safeguarding.service.events import MessageEvent
from safeguarding.signals.fingerprints import digest, identifiers, opener_bands
from safeguarding.storage.records import IdentifierRecord, OpenerRecord, WriteBatch


def add_pattern_rows(tenant: str, ev: MessageEvent, index: int, batch: WriteBatch) -> None:
    links = [m.ref for m in ev.media if m.kind == "link"]
    found = identifiers(ev.text, links)
    for m in ev.media:
        for kind, value in (("sha256", m.sha256), ("pdq", m.pdq)):
            if value:
                found.add(("media", f"{kind}:{value}"))
    batch.identifiers.extend(
        IdentifierRecord(ev.sender, kind, digest(tenant, kind, value), ev.ts)
        for kind, value in sorted(found)
    )
    if index == 0:
        batch.openers.append(
            OpenerRecord(
                ev.conversation_id,
                ev.sender,
                ev.recipients[0] if ev.recipients else None,
                ev.ts,
                opener_bands(ev.text),
            )
        )
