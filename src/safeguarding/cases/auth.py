"""People: users per tenant with roles, argon2 passwords, sessions, lock-out, CSRF tokens.

Identity is pluggable: an :class:`IdentityProvider` turns credentials (or an OIDC callback)
into a user of one tenant. Only passwords ship now; an OIDC provider would map the token's
``sub`` to ``console_users.subject`` with ``identity_provider = "oidc"``, and everything after
login (sessions, roles, audit) stays the same.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from safeguarding.cases.roles import Role
from safeguarding.cases.settings import ConsoleSettings
from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.audit import AuditEntry
from safeguarding.storage.repository.users import SessionRecord, UserRecord

MIN_PASSWORD = 12


class AuthError(Exception):
    """Login refused; the message is safe to show (it never says which part was wrong)."""


@dataclass(slots=True, frozen=True)
class Login:
    user: UserRecord
    token: str  # the cookie value; only its hash is stored
    csrf_token: str


class IdentityProvider(Protocol):
    """Turns credentials into a user of ``tenant_id``, or raises :class:`AuthError`."""

    name: str

    def authenticate(self, tenant_id: str, username: str, secret: str) -> UserRecord: ...


def session_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hasher(settings: ConsoleSettings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.password_time_cost, memory_cost=settings.password_memory_kib
    )


def hash_password(password: str, settings: ConsoleSettings) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return hasher(settings).hash(password)


class PasswordProvider:
    """Argon2id passwords with lock-out after repeated failures."""

    name = "password"

    def __init__(self, repo: Repository, settings: ConsoleSettings) -> None:
        self.repo = repo
        self.settings = settings
        self.hasher = hasher(settings)
        # Verifying against this when the user does not exist keeps the time of a failed
        # login the same whether or not the name is known.
        self._dummy = self.hasher.hash(secrets.token_urlsafe(16))

    def authenticate(self, tenant_id: str, username: str, secret: str) -> UserRecord:
        now = datetime.now(UTC)
        user = self.repo.find_user(tenant_id, username)
        if user is None or user.password_hash is None:
            _verify(self.hasher, self._dummy, secret)
            raise AuthError("Unknown user or wrong password.")
        if user.locked_until is not None and user.locked_until > now:
            raise AuthError("This account is locked for a while after repeated failures.")
        if user.disabled or not _verify(self.hasher, user.password_hash, secret):
            failures = user.failed_logins + 1
            locked = failures >= self.settings.lockout_failures
            self.repo.update_user(
                tenant_id,
                user.id,
                failed_logins=0 if locked else failures,
                locked_until=now + timedelta(minutes=self.settings.lockout_minutes)
                if locked
                else user.locked_until,
                audit=AuditEntry(
                    "login_failed",
                    username,
                    detail={"locked": locked, "failures": failures},
                ),
            )
            raise AuthError("Unknown user or wrong password.")
        if self.hasher.check_needs_rehash(user.password_hash):
            self.repo.update_user(tenant_id, user.id, password_hash=self.hasher.hash(secret))
        return user


def _verify(hasher: PasswordHasher, password_hash: str, secret: str) -> bool:
    try:
        return hasher.verify(password_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


class Accounts:
    """User administration and sessions for the console and the CLI."""

    def __init__(self, repo: Repository, settings: ConsoleSettings) -> None:
        self.repo = repo
        self.settings = settings
        self.providers: dict[str, IdentityProvider] = {"password": PasswordProvider(repo, settings)}

    # --- administration ------------------------------------------------------------------
    def create(
        self, tenant_id: str, username: str, role: str, password: str, by: str
    ) -> UserRecord:
        Role(role)  # ValueError on an unknown role
        if not username or len(username) > 100 or not username.isprintable():
            raise ValueError("a username is 1-100 printable characters")
        if self.repo.find_user(tenant_id, username) is not None:
            raise ValueError(f"user {username!r} exists")
        return self.repo.create_user(
            tenant_id,
            username,
            role,
            hash_password(password, self.settings),
            now=datetime.now(UTC),
            audit=AuditEntry("user_created", by, username, {"role": role}),
        )

    def disable(self, tenant_id: str, username: str, by: str, disabled: bool = True) -> bool:
        user = self.repo.find_user(tenant_id, username)
        if user is None:
            return False
        self.repo.update_user(
            tenant_id,
            user.id,
            disabled=disabled,
            audit=AuditEntry("user_disabled" if disabled else "user_enabled", by, username),
        )
        if disabled:
            self.repo.revoke_sessions(tenant_id, user_id=user.id, now=datetime.now(UTC))
        return True

    def reset(self, tenant_id: str, username: str, password: str, by: str) -> bool:
        """A new password; unlocks the account and ends its sessions."""
        user = self.repo.find_user(tenant_id, username)
        if user is None:
            return False
        self.repo.update_user(
            tenant_id,
            user.id,
            password_hash=hash_password(password, self.settings),
            failed_logins=0,
            locked_until=None,
            audit=AuditEntry("user_reset", by, username),
        )
        self.repo.revoke_sessions(tenant_id, user_id=user.id, now=datetime.now(UTC))
        return True

    # --- sessions ------------------------------------------------------------------------
    def login(
        self, tenant_id: str, username: str, password: str, provider: str = "password"
    ) -> Login:
        """A fresh session (a new token every time: no session fixation)."""
        user = self.providers[provider].authenticate(tenant_id, username, password)
        now = datetime.now(UTC)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        self.repo.create_session(
            tenant_id,
            user.id,
            session_hash(token),
            csrf,
            now=now,
            expires_at=now + timedelta(hours=self.settings.session_hours),
            audit=AuditEntry("login", user.username, detail={"provider": provider}),
        )
        return Login(user, token, csrf)

    def session(self, token: str | None) -> tuple[SessionRecord, UserRecord] | None:
        """The live session and its enabled user for a cookie value, else ``None``."""
        if not token or len(token) > 200:
            return None
        record = self.repo.get_session(session_hash(token))
        now = datetime.now(UTC)
        if record is None or record.revoked_at is not None or record.expires_at <= now:
            return None
        user = self.repo.get_user(record.tenant_id, record.user_id)
        if user is None or user.disabled:
            return None
        return record, user

    def logout(self, session: SessionRecord, user: UserRecord) -> None:
        self.repo.revoke_sessions(session.tenant_id, session_hash=session.id, now=datetime.now(UTC))
        self.repo.append_audit(session.tenant_id, AuditEntry("logout", user.username))


def csrf_ok(session: SessionRecord, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf_token, submitted or "")
