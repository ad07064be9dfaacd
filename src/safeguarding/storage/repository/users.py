"""Console users, their sessions and time in queue, per tenant.

Passwords arrive here already hashed (argon2 in the cases stage); sessions are stored by a
hash of their token, so a read of this table cannot be replayed as a cookie.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select, update

from safeguarding.storage.models_cases import ConsoleSession, ConsoleUser, QueueTimeRow
from safeguarding.storage.repository.audit import AuditEntry, AuditStore
from safeguarding.storage.repository.base import table_of


@dataclass(slots=True, frozen=True)
class UserRecord:
    id: str
    tenant_id: str
    username: str
    role: str
    password_hash: str | None
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    preferences: dict[str, Any] = field(default_factory=dict)
    identity_provider: str = "password"


@dataclass(slots=True, frozen=True)
class SessionRecord:
    id: str
    tenant_id: str
    user_id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def _user(r: Row[Any]) -> UserRecord:
    return UserRecord(
        r.id,
        r.tenant_id,
        r.username,
        r.role,
        r.password_hash,
        r.disabled,
        r.failed_logins,
        r.locked_until,
        dict(r.preferences or {}),
        r.identity_provider,
    )


class UserStore(AuditStore):
    """Users, sessions and queue time; changes that matter are audited in the same commit."""

    def create_user(
        self,
        tenant_id: str,
        username: str,
        role: str,
        password_hash: str | None,
        *,
        now: datetime,
        audit: AuditEntry | None = None,
    ) -> UserRecord:
        user_id = uuid.uuid4().hex
        row: dict[str, Any] = {
            "id": user_id,
            "tenant_id": tenant_id,
            "username": username,
            "role": role,
            "password_hash": password_hash,
            "identity_provider": "password",
            "subject": None,
            "disabled": False,
            "failed_logins": 0,
            "locked_until": None,
            "preferences": {},
            "created_at": now,
        }
        with self._write() as conn:
            conn.execute(table_of(ConsoleUser).insert().values(**row))
            if audit:
                self._append_audit(conn, tenant_id, [audit])
        found = self.get_user(tenant_id, user_id)
        assert found is not None
        return found

    def get_user(self, tenant_id: str, user_id: str) -> UserRecord | None:
        with self.engine.connect() as conn:
            r = conn.execute(
                select(table_of(ConsoleUser)).where(
                    ConsoleUser.tenant_id == tenant_id, ConsoleUser.id == user_id
                )
            ).first()
        return _user(r) if r else None

    def find_user(self, tenant_id: str, username: str) -> UserRecord | None:
        with self.engine.connect() as conn:
            r = conn.execute(
                select(table_of(ConsoleUser)).where(
                    ConsoleUser.tenant_id == tenant_id, ConsoleUser.username == username
                )
            ).first()
        return _user(r) if r else None

    def list_users(self, tenant_id: str) -> list[UserRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table_of(ConsoleUser))
                .where(ConsoleUser.tenant_id == tenant_id)
                .order_by(ConsoleUser.username)
            ).all()
        return [_user(r) for r in rows]

    def update_user(
        self, tenant_id: str, user_id: str, *, audit: AuditEntry | None = None, **values: Any
    ) -> bool:
        """Change a user's columns (role, password hash, disabled, lock-out, preferences)."""
        with self._write() as conn:
            result = conn.execute(
                update(table_of(ConsoleUser))
                .where(ConsoleUser.tenant_id == tenant_id, ConsoleUser.id == user_id)
                .values(**values)
            )
            if result.rowcount and audit:
                self._append_audit(conn, tenant_id, [audit])
            return bool(result.rowcount)

    # --- sessions ------------------------------------------------------------------------
    def create_session(
        self,
        tenant_id: str,
        user_id: str,
        session_hash: str,
        csrf_token: str,
        *,
        now: datetime,
        expires_at: datetime,
        audit: AuditEntry | None = None,
    ) -> None:
        with self._write() as conn:
            conn.execute(
                update(table_of(ConsoleUser))
                .where(ConsoleUser.tenant_id == tenant_id, ConsoleUser.id == user_id)
                .values(failed_logins=0, locked_until=None)
            )
            conn.execute(
                table_of(ConsoleSession)
                .insert()
                .values(
                    id=session_hash,
                    tenant_id=tenant_id,
                    user_id=user_id,
                    csrf_token=csrf_token,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=expires_at,
                    revoked_at=None,
                )
            )
            if audit:
                self._append_audit(conn, tenant_id, [audit])

    def get_session(self, session_hash: str) -> SessionRecord | None:
        with self.engine.connect() as conn:
            r = conn.execute(
                select(table_of(ConsoleSession)).where(ConsoleSession.id == session_hash)
            ).first()
        if r is None:
            return None
        return SessionRecord(
            r.id, r.tenant_id, r.user_id, r.csrf_token, r.created_at, r.expires_at, r.revoked_at
        )

    def revoke_sessions(
        self,
        tenant_id: str,
        *,
        session_hash: str | None = None,
        user_id: str | None = None,
        now: datetime,
    ) -> int:
        s = table_of(ConsoleSession)
        stmt = update(s).where(s.c.tenant_id == tenant_id, s.c.revoked_at.is_(None))
        if session_hash is not None:
            stmt = stmt.where(s.c.id == session_hash)
        if user_id is not None:
            stmt = stmt.where(s.c.user_id == user_id)
        with self._write() as conn:
            return int(conn.execute(stmt.values(revoked_at=now)).rowcount or 0)

    def delete_expired_sessions(self, now: datetime) -> int:
        with self._write() as conn:
            result = conn.execute(
                delete(table_of(ConsoleSession)).where(ConsoleSession.expires_at < now)
            )
            return int(result.rowcount or 0)

    # --- time in queue -------------------------------------------------------------------
    def add_queue_time(
        self, tenant_id: str, user_id: str, queue: str, now: datetime, *, max_gap_s: int
    ) -> int:
        """Count the time since this person's last view of ``queue`` (up to ``max_gap_s``)
        towards today; returns today's seconds in that queue."""
        day = now.date().isoformat()
        q = table_of(QueueTimeRow)
        key = (
            (q.c.tenant_id == tenant_id)
            & (q.c.user_id == user_id)
            & (q.c.queue == queue)
            & (q.c.day == day)
        )
        with self._write() as conn:
            row = conn.execute(select(q.c.seconds, q.c.last_seen_at).where(key)).first()
            if row is None:
                conn.execute(
                    q.insert().values(
                        tenant_id=tenant_id,
                        user_id=user_id,
                        queue=queue,
                        day=day,
                        seconds=0,
                        last_seen_at=now,
                    )
                )
                return 0
            gap = (now - row.last_seen_at).total_seconds()
            seconds = row.seconds + int(min(max(gap, 0), max_gap_s))
            conn.execute(update(q).where(key).values(seconds=seconds, last_seen_at=now))
            return seconds

    def queue_time(self, tenant_id: str, since_day: str) -> list[tuple[str, str, int]]:
        """(user id, queue, seconds) summed since ``since_day`` (ISO date)."""
        q = table_of(QueueTimeRow).c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(q.user_id, q.queue, func.sum(q.seconds))
                .where(q.tenant_id == tenant_id, q.day >= since_day)
                .group_by(q.user_id, q.queue)
                .order_by(q.user_id, q.queue)
            ).all()
        return [(r[0], r[1], int(r[2] or 0)) for r in rows]
