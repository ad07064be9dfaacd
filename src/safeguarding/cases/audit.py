"""Verify a tenant's audit chain: a changed, removed, reordered or truncated entry fails."""

from __future__ import annotations

from dataclasses import dataclass

from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.audit import GENESIS, chain_hash


@dataclass(slots=True, frozen=True)
class AuditVerdict:
    tenant_id: str
    entries: int
    ok: bool
    problem: str | None = None  # the first break found, by sequence number


def verify_audit(repo: Repository, tenant_id: str, page: int = 5_000) -> AuditVerdict:
    prev, expected_seq, count, after = GENESIS, 1, 0, 0
    while True:
        entries = repo.audit_entries(tenant_id, after_seq=after, limit=page)
        for entry in entries:
            if entry.seq != expected_seq:
                return AuditVerdict(tenant_id, count, False, f"entry {expected_seq} is missing")
            if entry.prev_hash != prev:
                return AuditVerdict(tenant_id, count, False, f"entry {entry.seq}: chain broken")
            if chain_hash(tenant_id, prev, entry) != entry.hash:
                return AuditVerdict(tenant_id, count, False, f"entry {entry.seq} was changed")
            prev, expected_seq, count, after = entry.hash, expected_seq + 1, count + 1, entry.seq
        if len(entries) < page:
            break
    head_seq, head_hash = repo.audit_head(tenant_id)
    if (head_seq, head_hash) != (count, prev if count else GENESIS):
        return AuditVerdict(
            tenant_id, count, False, f"the chain ends at {count} but its head says {head_seq}"
        )
    return AuditVerdict(tenant_id, count, True)
