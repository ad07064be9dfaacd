"""Encrypted evidence bundles: stored as AES-GCM ciphertext with the id of their key.

Encryption, key rotation and export live in the cases stage; this store only keeps bytes,
so nothing here ever sees a key or plaintext.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from safeguarding.storage.models import Conversation
from safeguarding.storage.models_cases import EvidenceBundleRow
from safeguarding.storage.repository.audit import AuditEntry, AuditStore
from safeguarding.storage.repository.base import table_of


@dataclass(slots=True, frozen=True)
class BundleRecord:
    id: str
    tenant_id: str
    case_id: str
    created_at: datetime
    key_id: str
    nonce: bytes
    ciphertext: bytes
    content_sha256: str
    legal_hold: bool


def _bundle(r: Any) -> BundleRecord:
    return BundleRecord(**dict(r._mapping))


class BundleStore(AuditStore):
    """Evidence bundles per tenant; freezing one also holds its conversation's text."""

    def store_bundle(
        self, bundle: BundleRecord, *, conversation_id: str | None, audit: AuditEntry
    ) -> None:
        with self._write() as conn:
            conn.execute(table_of(EvidenceBundleRow).insert().values(**_values(bundle)))
            if conversation_id is not None:
                conn.execute(
                    update(table_of(Conversation))
                    .where(
                        Conversation.tenant_id == bundle.tenant_id,
                        Conversation.id == conversation_id,
                    )
                    .values(evidence_hold=True)
                )
            self._append_audit(conn, bundle.tenant_id, [audit])

    def bundles(
        self, tenant_id: str | None = None, case_id: str | None = None
    ) -> list[BundleRecord]:
        b = table_of(EvidenceBundleRow).c
        stmt = select(table_of(EvidenceBundleRow))
        if tenant_id is not None:
            stmt = stmt.where(b.tenant_id == tenant_id)
        if case_id is not None:
            stmt = stmt.where(b.case_id == case_id)
        with self.engine.connect() as conn:
            return [_bundle(r) for r in conn.execute(stmt.order_by(b.created_at)).all()]

    def get_bundle(self, tenant_id: str, bundle_id: str) -> BundleRecord | None:
        with self.engine.connect() as conn:
            r = conn.execute(
                select(table_of(EvidenceBundleRow)).where(
                    EvidenceBundleRow.tenant_id == tenant_id, EvidenceBundleRow.id == bundle_id
                )
            ).first()
        return _bundle(r) if r else None

    def set_legal_hold(
        self, tenant_id: str, bundle_id: str, hold: bool, *, audit: AuditEntry
    ) -> bool:
        with self._write() as conn:
            result = conn.execute(
                update(table_of(EvidenceBundleRow))
                .where(EvidenceBundleRow.tenant_id == tenant_id, EvidenceBundleRow.id == bundle_id)
                .values(legal_hold=hold)
            )
            if result.rowcount:
                self._append_audit(conn, tenant_id, [audit])
            return bool(result.rowcount)

    def purge_bundles(self, cutoff: datetime, *, dry_run: bool = False) -> tuple[int, int]:
        """Delete bundles frozen before ``cutoff`` unless on legal hold: (deleted, kept)."""
        b = table_of(EvidenceBundleRow)
        old = b.c.created_at < cutoff
        with self._write() as conn:
            held = conn.execute(select(func.count()).where(old, b.c.legal_hold.is_(True))).scalar()
            if dry_run:
                doomed = conn.execute(
                    select(func.count()).where(old, b.c.legal_hold.is_(False))
                ).scalar()
                return int(doomed or 0), int(held or 0)
            result = conn.execute(delete(b).where(old, b.c.legal_hold.is_(False)))
            return int(result.rowcount or 0), int(held or 0)

    def rewrap_bundle(
        self,
        tenant_id: str,
        bundle_id: str,
        old_key_id: str,
        key_id: str,
        nonce: bytes,
        ciphertext: bytes,
    ) -> bool:
        """Replace a bundle's ciphertext (key rotation) if it is still under ``old_key_id``."""
        with self._write() as conn:
            result = conn.execute(
                update(table_of(EvidenceBundleRow))
                .where(
                    EvidenceBundleRow.tenant_id == tenant_id,
                    EvidenceBundleRow.id == bundle_id,
                    EvidenceBundleRow.key_id == old_key_id,
                )
                .values(key_id=key_id, nonce=nonce, ciphertext=ciphertext)
            )
            return bool(result.rowcount)


def _values(bundle: BundleRecord) -> dict[str, Any]:
    return {name: getattr(bundle, name) for name in BundleRecord.__slots__}
