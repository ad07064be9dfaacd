"""A finished report: structured data plus a readable rendering, and a sender's receipt."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ReportDocument:
    """What a sender delivers. ``data`` is the structured (JSON) document, ``html`` the same
    content for a person to read; ``reference`` names the report in every log and receipt."""

    kind: str  # e.g. "police_referral"
    reference: str
    tenant_id: str
    created_at: datetime
    data: dict[str, Any]
    html: str

    def json_bytes(self) -> bytes:
        return (
            json.dumps(self.data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        ).encode()

    @property
    def digest(self) -> str:
        """SHA-256 of the JSON form: what a receipt vouches was sent."""
        return hashlib.sha256(self.json_bytes()).hexdigest()


@dataclass(frozen=True, slots=True)
class SendReceipt:
    """What a sender did with a document (no content, so it is safe to log and store)."""

    sender: str
    reference: str
    digest: str
    sent_at: datetime
    location: str | None = None  # a path, a URL or a remote id
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sender": self.sender,
            "reference": self.reference,
            "digest": self.digest,
            "sent_at": self.sent_at.isoformat(),
            "location": self.location,
            "detail": dict(self.detail),
        }
