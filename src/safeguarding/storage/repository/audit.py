"""The per-tenant, hash-chained audit log: appended in the caller's transaction, never edited.

Each entry's hash covers its canonical form and the previous entry's hash, and the tenant's
head (last sequence number and hash) is kept in ``audit_heads`` in the same transaction, so a
changed, removed, reordered or truncated entry breaks the chain (``Repository.verify_audit``
in the cases stage recomputes it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from safeguarding.storage.models_cases import AuditEntryRow, AuditHeadRow
from safeguarding.storage.repository.base import RepositoryBase, table_of, utcnow

GENESIS = "0" * 64


@dataclass(slots=True)
class AuditEntry:
    """What happened (``action``), by whom (``actor``, a username), to what (``target``)."""

    action: str
    actor: str | None = None
    target: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""


def chain_hash(tenant_id: str, prev_hash: str, entry: AuditEntry) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    body = {
        "tenant": tenant_id,
        "seq": entry.seq,
        "at": entry.at.isoformat() if entry.at else None,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical.encode()).hexdigest()


class AuditStore(RepositoryBase):
    """Append and read a tenant's audit chain."""

    def _append_audit(
        self, conn: Connection, tenant_id: str, entries: Sequence[AuditEntry]
    ) -> None:
        if not entries:
            return
        head = conn.execute(
            select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.tenant_id == tenant_id)
        ).first()
        seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
        rows = []
        for entry in entries:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.at = entry.at or utcnow()
            entry.hash = prev = chain_hash(tenant_id, entry.prev_hash, entry)
            rows.append(
                {
                    "tenant_id": tenant_id,
                    "seq": entry.seq,
                    "at": entry.at,
                    "actor": entry.actor,
                    "action": entry.action,
                    "target": entry.target,
                    "detail": entry.detail,
                    "prev_hash": entry.prev_hash,
                    "hash": entry.hash,
                }
            )
        conn.execute(table_of(AuditEntryRow).insert(), rows)
        heads = table_of(AuditHeadRow)
        if head is None:
            conn.execute(heads.insert().values(tenant_id=tenant_id, seq=seq, hash=prev))
        else:
            conn.execute(
                update(heads).where(heads.c.tenant_id == tenant_id).values(seq=seq, hash=prev)
            )

    def append_audit(self, tenant_id: str, *entries: AuditEntry) -> None:
        with self._write() as conn:
            self._append_audit(conn, tenant_id, entries)

    def audit_entries(
        self,
        tenant_id: str,
        *,
        after_seq: int = 0,
        limit: int | None = None,
        newest_first: bool = False,
        action: str | None = None,
    ) -> list[AuditEntry]:
        a = table_of(AuditEntryRow).c
        stmt = select(table_of(AuditEntryRow)).where(a.tenant_id == tenant_id)
        if action:
            stmt = stmt.where(a.action == action)
        if newest_first:
            stmt = stmt.order_by(a.seq.desc())
            if after_seq:
                stmt = stmt.where(a.seq < after_seq)
        else:
            stmt = stmt.where(a.seq > after_seq).order_by(a.seq)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            AuditEntry(
                r.action, r.actor, r.target, dict(r.detail), r.at, r.seq, r.prev_hash, r.hash
            )
            for r in rows
        ]

    def audit_head(self, tenant_id: str) -> tuple[int, str]:
        with self.engine.connect() as conn:
            head = conn.execute(
                select(AuditHeadRow.seq, AuditHeadRow.hash).where(
                    AuditHeadRow.tenant_id == tenant_id
                )
            ).first()
        return (head.seq, head.hash) if head else (0, GENESIS)

    def audit_tenants(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(AuditHeadRow.tenant_id)).scalars())
