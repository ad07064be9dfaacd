"""Reports to authorities and their audit trail, per tenant.

A subject (conversation, case or action) is reported to an authority once: the unique key
(tenant, authority, subject) makes a second :meth:`create_authority_report` return the row
that exists instead of a new one, so two operators (or a crash and a retry) never file twice.
Every change of a report writes an audit event in the same transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from safeguarding.storage.models import AuthorityReportEvent, AuthorityReportRow
from safeguarding.storage.records import AuthorityReportEventRecord, AuthorityReportRecord
from safeguarding.storage.repository.audit import AuditEntry, AuditStore
from safeguarding.storage.repository.base import table_of, utcnow

_UPDATABLE = frozenset(
    {
        "status",
        "external_id",
        "approved_by",
        "sent",
        "progress",
        "error_code",
        "error_message",
        "submitted_at",
        "retain_until",
    }
)


def _record(row: Row[Any]) -> AuthorityReportRecord:
    return AuthorityReportRecord(
        id=row.id,
        authority=row.authority,
        subject_kind=row.subject_kind,
        subject_id=row.subject_id,
        conversation_id=row.conversation_id,
        status=row.status,
        sent=dict(row.sent or {}),
        progress=dict(row.progress or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
        external_id=row.external_id,
        approved_by=row.approved_by,
        error_code=row.error_code,
        error_message=row.error_message,
        submitted_at=row.submitted_at,
        retain_until=row.retain_until,
        tenant_id=row.tenant_id,
    )


class AuthorityReportStore(AuditStore):
    """Authority reports (one per tenant, authority and subject) and their steps."""

    def _audit(
        self,
        conn: Connection,
        tenant_id: str,
        report_id: str,
        step: str,
        outcome: str,
        detail: dict[str, Any] | None,
        actor: str | None,
    ) -> None:
        conn.execute(
            insert(table_of(AuthorityReportEvent)),
            [
                {
                    "tenant_id": tenant_id,
                    "report_id": report_id,
                    "at": utcnow(),
                    "step": step,
                    "outcome": outcome,
                    "actor": actor,
                    "detail": detail or {},
                }
            ],
        )
        # The same step in the tenant's hash-chained audit log, in the same transaction, so
        # `safeguarding audit verify` covers reports as it covers reviewers' decisions.
        self._append_audit(
            conn,
            tenant_id,
            [
                AuditEntry(
                    f"report.{step}",
                    actor,
                    report_id,
                    {"outcome": outcome, **(detail or {})},
                )
            ],
        )

    def create_authority_report(
        self,
        tenant_id: str,
        *,
        authority: str,
        subject_kind: str,
        subject_id: str,
        conversation_id: str | None,
        status: str,
        sent: dict[str, Any],
        approved_by: str | None = None,
        actor: str | None = None,
    ) -> tuple[AuthorityReportRecord, bool]:
        """The report of this subject: a new one (``True``) or the one already there
        (``False``, unchanged). The creation is audited in the same transaction."""
        existing = self.find_authority_report(tenant_id, authority, subject_kind, subject_id)
        if existing is not None:
            return existing, False
        now = utcnow()
        report_id = "rpt_" + uuid.uuid4().hex
        row = {
            "id": report_id,
            "tenant_id": tenant_id,
            "authority": authority,
            "subject_kind": subject_kind,
            "subject_id": subject_id,
            "conversation_id": conversation_id,
            "status": status,
            "approved_by": approved_by,
            "sent": sent,
            "progress": {},
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self._write() as conn:
                conn.execute(insert(table_of(AuthorityReportRow)), [row])
                self._audit(conn, tenant_id, report_id, "created", "ok", {"status": status}, actor)
        except IntegrityError:
            found = self.find_authority_report(tenant_id, authority, subject_kind, subject_id)
            if found is None:
                raise
            return found, False
        created = self.get_authority_report(tenant_id, report_id)
        assert created is not None
        return created, True

    def update_authority_report(
        self,
        tenant_id: str,
        report_id: str,
        *,
        step: str,
        outcome: str = "ok",
        detail: dict[str, Any] | None = None,
        actor: str | None = None,
        **changes: Any,
    ) -> AuthorityReportRecord:
        """Change a report and audit the step in one transaction."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)} of a report")
        with self._write() as conn:
            if changes:
                conn.execute(
                    update(table_of(AuthorityReportRow))
                    .where(
                        AuthorityReportRow.tenant_id == tenant_id,
                        AuthorityReportRow.id == report_id,
                    )
                    .values(updated_at=utcnow(), **changes)
                )
            self._audit(conn, tenant_id, report_id, step, outcome, detail, actor)
        found = self.get_authority_report(tenant_id, report_id)
        if found is None:
            raise KeyError(report_id)
        return found

    def fail_authority_report(
        self,
        tenant_id: str,
        report_id: str,
        code: str,
        message: str,
        *,
        actor: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuthorityReportRecord:
        """Mark a report failed with the authority's (or our) code and message, audited."""
        return self.update_authority_report(
            tenant_id,
            report_id,
            step="error",
            outcome="error",
            detail={"code": code, **(detail or {})},
            actor=actor,
            status="failed",
            error_code=code[:40],
            error_message=message[:500],
        )

    def audit_authority_report(
        self,
        tenant_id: str,
        report_id: str,
        step: str,
        outcome: str = "ok",
        detail: dict[str, Any] | None = None,
        actor: str | None = None,
    ) -> None:
        with self._write() as conn:
            self._audit(conn, tenant_id, report_id, step, outcome, detail, actor)

    def get_authority_report(self, tenant_id: str, report_id: str) -> AuthorityReportRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table_of(AuthorityReportRow)).where(
                    AuthorityReportRow.tenant_id == tenant_id, AuthorityReportRow.id == report_id
                )
            ).first()
        return _record(row) if row else None

    def find_authority_report(
        self, tenant_id: str, authority: str, subject_kind: str, subject_id: str
    ) -> AuthorityReportRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table_of(AuthorityReportRow)).where(
                    AuthorityReportRow.tenant_id == tenant_id,
                    AuthorityReportRow.authority == authority,
                    AuthorityReportRow.subject_kind == subject_kind,
                    AuthorityReportRow.subject_id == subject_id,
                )
            ).first()
        return _record(row) if row else None

    def authority_reports(
        self,
        tenant_id: str,
        *,
        authority: str | None = None,
        conversation_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AuthorityReportRecord]:
        """A tenant's reports, newest first."""
        r = AuthorityReportRow
        stmt = select(table_of(r)).where(r.tenant_id == tenant_id)
        if authority is not None:
            stmt = stmt.where(r.authority == authority)
        if conversation_id is not None:
            stmt = stmt.where(r.conversation_id == conversation_id)
        if status is not None:
            stmt = stmt.where(r.status == status)
        stmt = stmt.order_by(r.created_at.desc(), r.id.desc()).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(stmt).all()]

    def authority_report_events(
        self, tenant_id: str, report_id: str
    ) -> list[AuthorityReportEventRecord]:
        e = AuthorityReportEvent
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table_of(e))
                .where(e.tenant_id == tenant_id, e.report_id == report_id)
                .order_by(e.id)
            ).all()
        return [
            AuthorityReportEventRecord(
                r.report_id, r.step, r.outcome, dict(r.detail or {}), r.at, r.actor, r.id
            )
            for r in rows
        ]
