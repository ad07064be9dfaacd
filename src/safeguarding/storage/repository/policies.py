"""Policy versions per tenant, and the operator's service-wide ones (tenant ``*``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from safeguarding.storage.models import PolicyVersion
from safeguarding.storage.records import PolicyVersionRecord
from safeguarding.storage.repository.base import RepositoryBase, table_of, utcnow

#: The tenant id of the service-wide policy; no tenant can have it (ids are ``t_<hex>``).
SERVICE_POLICY = "*"

_COLUMNS = (
    PolicyVersion.tenant_id,
    PolicyVersion.version,
    PolicyVersion.name,
    PolicyVersion.declared_version,
    PolicyVersion.content_hash,
    PolicyVersion.source,
    PolicyVersion.created_by,
    PolicyVersion.created_at,
)


class PolicyStore(RepositoryBase):
    """Append-only: a new policy is a new version; the highest version is in force."""

    def add_policy_version(
        self,
        tenant_id: str,
        text: str | None,
        *,
        name: str | None,
        declared_version: str | None,
        content_hash: str | None,
        source: str,
        created_by: str,
    ) -> PolicyVersionRecord:
        """Store the next version (``text`` ``None``: follow the service-wide policy)."""
        for attempt in range(3):  # another process may take the same number first
            try:
                with self._write() as conn:
                    latest = conn.execute(
                        select(func.max(PolicyVersion.version)).where(
                            PolicyVersion.tenant_id == tenant_id
                        )
                    ).scalar()
                    record = PolicyVersionRecord(
                        tenant_id,
                        (latest or 0) + 1,
                        text,
                        name,
                        declared_version,
                        content_hash,
                        source[:300],
                        created_by[:100],
                        utcnow(),
                    )
                    conn.execute(insert(table_of(PolicyVersion)), [_row(record)])
                    return record
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def policy_version(
        self, tenant_id: str, version: int | None = None
    ) -> PolicyVersionRecord | None:
        """One version with its text; ``version`` ``None``: the latest."""
        stmt = select(*_COLUMNS, PolicyVersion.text).where(PolicyVersion.tenant_id == tenant_id)
        if version is None:
            stmt = stmt.order_by(PolicyVersion.version.desc()).limit(1)
        else:
            stmt = stmt.where(PolicyVersion.version == version)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else _record(row, row.text)

    def policy_versions(
        self, tenant_id: str, *, before: int | None = None, limit: int = 50
    ) -> list[PolicyVersionRecord]:
        """A tenant's versions, newest first, without their text; page with ``before``."""
        stmt = select(*_COLUMNS).where(PolicyVersion.tenant_id == tenant_id)
        if before is not None:
            stmt = stmt.where(PolicyVersion.version < before)
        stmt = stmt.order_by(PolicyVersion.version.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [_record(row, None) for row in conn.execute(stmt).all()]

    def latest_policy_versions(self) -> dict[str, int]:
        """Every tenant's (and the service's) highest version number, in one query: a
        running service compares it with what it holds to take up changes made elsewhere."""
        stmt = select(PolicyVersion.tenant_id, func.max(PolicyVersion.version)).group_by(
            PolicyVersion.tenant_id
        )
        with self.engine.connect() as conn:
            return {tenant: int(version) for tenant, version in conn.execute(stmt).all()}


def _row(record: PolicyVersionRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in PolicyVersionRecord.__slots__}


def _record(row: Any, text: str | None) -> PolicyVersionRecord:
    values: Sequence[Any] = tuple(row)[: len(_COLUMNS)]
    tenant, version, name, declared, digest, source, by, at = values
    return PolicyVersionRecord(tenant, version, text, name, declared, digest, source, by, at)
