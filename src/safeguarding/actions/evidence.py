"""Evidence preservation: a frozen, hash-chained snapshot of the conversation.

Each message's hash covers its canonical form and the previous hash, so removing, reordering
or editing any message breaks every later link; the head hash alone pins the whole snapshot.
Only text and metadata are kept, never media.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from safeguarding.domain import Message

ALGORITHM = "sha256-chain-v1"
GENESIS = "0" * 64


def _canonical(index: int, message: Message) -> bytes:
    body = {
        "index": index,
        "message_id": message.message_id,
        "sender": message.sender,
        "ts": message.ts.isoformat() if message.ts else None,
        "text": message.text,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _link(previous: str, canonical: bytes) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + canonical).hexdigest()


def freeze_conversation(
    conversation_id: str,
    messages: Sequence[Message],
    *,
    upto: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Snapshot messages ``0..upto`` (all when ``upto`` is None) with chained SHA-256 hashes."""
    chosen = messages if upto is None else messages[: upto + 1]
    previous = GENESIS
    frozen = []
    for i, message in enumerate(chosen):
        index = message.index if message.index is not None else i
        canonical = _canonical(index, message)
        content_hash = hashlib.sha256(canonical).hexdigest()
        previous = _link(previous, canonical)
        frozen.append(
            {
                "index": index,
                "message_id": message.message_id,
                "sender": message.sender,
                "ts": message.ts.isoformat() if message.ts else None,
                "text": message.text,
                "content_sha256": content_hash,
                "chain_sha256": previous,
            }
        )
    return {
        "conversation_id": conversation_id,
        "algorithm": ALGORITHM,
        "frozen_at": (now or datetime.now(UTC)).isoformat(),
        "message_count": len(frozen),
        "head_sha256": previous,
        "messages": frozen,
    }


def verify_snapshot(snapshot: dict[str, Any]) -> bool:
    """Recompute every link; False if any message was altered, dropped or reordered."""
    previous = GENESIS
    for item in snapshot.get("messages", []):
        ts = item.get("ts")
        message = Message(
            conversation_id=snapshot["conversation_id"],
            sender=item["sender"],
            text=item["text"],
            ts=datetime.fromisoformat(ts) if ts else None,
            message_id=item.get("message_id"),
        )
        canonical = _canonical(item["index"], message)
        if hashlib.sha256(canonical).hexdigest() != item["content_sha256"]:
            return False
        previous = _link(previous, canonical)
        if previous != item["chain_sha256"]:
            return False
    return previous == snapshot.get("head_sha256") and len(snapshot.get("messages", [])) == (
        snapshot.get("message_count")
    )
