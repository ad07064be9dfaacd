"""Tenants and API keys, with the short-lived caches of the request path."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, or_, select, update

from safeguarding.storage.models import ApiKey, Tenant
from safeguarding.storage.records import ApiKeyRecord, TenantRecord
from safeguarding.storage.repository.base import CACHE_MAX, RepositoryBase, table_of, utcnow
from safeguarding.storage.repository.statements import SELECT_API_KEY

KEY_PREFIX = "sg"
DEFAULT_SCOPES = ("events:write", "read")
KNOWN_SCOPES = frozenset({"events:write", "read", "media", "admin"})


def _hash_secret(secret: str) -> str:
    # Keys are 256-bit random, so a fast hash is enough (no dictionary to guess from).
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_api_key(token: str) -> tuple[str, str] | None:
    """Split ``sg_<key id>_<secret>`` into (key id, secret)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class TenantStore(RepositoryBase):
    """Tenants, their webhooks and their API keys."""

    def create_tenant(
        self, name: str, *, webhook_url: str | None = None, webhook_secret: str | None = None
    ) -> TenantRecord:
        record = TenantRecord(
            id="t_" + secrets.token_hex(8),
            name=name,
            created_at=utcnow(),
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
        )
        with self._write() as conn:
            conn.execute(
                insert(table_of(Tenant)),
                [
                    {
                        "id": record.id,
                        "name": name,
                        "created_at": record.created_at,
                        "webhook_url": webhook_url,
                        "webhook_secret": webhook_secret,
                    }
                ],
            )
        return record

    def set_webhook(self, tenant_id: str, url: str | None, secret: str | None) -> bool:
        with self._write() as conn:
            result = conn.execute(
                update(table_of(Tenant))
                .where(Tenant.id == tenant_id)
                .values(webhook_url=url, webhook_secret=secret)
            )
            self._tenant_cache.pop(tenant_id, None)
            return bool(result.rowcount)

    def _tenant(self, row: Any) -> TenantRecord:
        return TenantRecord(row.id, row.name, row.created_at, row.webhook_url, row.webhook_secret)

    def get_tenant(self, tenant_id: str) -> TenantRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(table_of(Tenant)).where(Tenant.id == tenant_id)).first()
        return self._tenant(row) if row else None

    def find_tenant(self, id_or_name: str) -> TenantRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table_of(Tenant)).where(
                    or_(Tenant.id == id_or_name, Tenant.name == id_or_name)
                )
            ).first()
        return self._tenant(row) if row else None

    def list_tenants(self) -> list[TenantRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(table_of(Tenant)).order_by(Tenant.created_at)).all()
        return [self._tenant(r) for r in rows]

    def create_api_key(
        self, tenant_id: str, scopes: Iterable[str] = DEFAULT_SCOPES
    ) -> tuple[ApiKeyRecord, str]:
        """Create a key; the plain token is returned once and never stored."""
        scope_list = tuple(sorted(set(scopes)))
        unknown = set(scope_list) - KNOWN_SCOPES
        if unknown:
            raise ValueError(f"unknown scopes {sorted(unknown)}; known: {sorted(KNOWN_SCOPES)}")
        if self.get_tenant(tenant_id) is None:
            raise KeyError(f"no tenant {tenant_id!r}")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32).replace("_", "-")
        record = ApiKeyRecord(key_id, tenant_id, scope_list, utcnow())
        with self._write() as conn:
            conn.execute(
                insert(table_of(ApiKey)),
                [
                    {
                        "id": key_id,
                        "tenant_id": tenant_id,
                        "secret_hash": _hash_secret(secret),
                        "scopes": " ".join(scope_list),
                        "created_at": record.created_at,
                    }
                ],
            )
        return record, f"{KEY_PREFIX}_{key_id}_{secret}"

    def revoke_api_key(self, key_id: str) -> bool:
        with self._write() as conn:
            result = conn.execute(
                update(table_of(ApiKey))
                .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            for digest, (_, record) in list(self._key_cache.items()):
                if record.id == key_id:
                    self._key_cache.pop(digest, None)
            return bool(result.rowcount)

    def list_api_keys(self, tenant_id: str | None = None) -> list[ApiKeyRecord]:
        stmt = select(table_of(ApiKey)).order_by(ApiKey.created_at)
        if tenant_id:
            stmt = stmt.where(ApiKey.tenant_id == tenant_id)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            ApiKeyRecord(r.id, r.tenant_id, tuple(r.scopes.split()), r.created_at, r.revoked_at)
            for r in rows
        ]

    def authenticate(self, token: str) -> ApiKeyRecord | None:
        """The active key a token belongs to, or None (unknown, wrong secret or revoked)."""
        parsed = parse_api_key(token)
        if parsed is None:
            return None
        key_id, secret = parsed
        with self.engine.connect() as conn:
            row = conn.execute(SELECT_API_KEY, {"key_id": key_id}).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_hash, _hash_secret(secret)):
            return None
        return ApiKeyRecord(row.id, row.tenant_id, tuple(row.scopes.split()), row.created_at)

    def authenticate_cached(self, token: str) -> ApiKeyRecord | None:
        """:meth:`authenticate`, with a verified key kept in memory for ``key_cache_ttl_s``
        (keyed by a hash of the whole token; unknown or wrong tokens are never kept). For
        the API's request path: a key revoked by another process (the CLI) is refused
        within ``key_cache_ttl_s`` (1 s), one revoked through this object at once."""
        hit = self.peek_cached_key(token)
        if hit is not None:
            return hit
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        record = self.authenticate(token)
        if record is None:
            self._key_cache.pop(digest, None)
            return None
        if len(self._key_cache) >= CACHE_MAX:
            self._key_cache.clear()
        self._key_cache[digest] = (now + self.key_cache_ttl_s, record)
        return record

    def peek_cached_key(self, token: str) -> ApiKeyRecord | None:
        """The key of ``token`` if :meth:`authenticate_cached` verified it less than
        ``key_cache_ttl_s`` ago; None otherwise. Memory only, never the database."""
        hit = self._key_cache.get(hashlib.sha256(token.encode()).hexdigest())
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return None

    def cached_tenant(self, tenant_id: str) -> TenantRecord | None:
        """:meth:`get_tenant`, from memory when read less than ``cache_ttl_s`` ago."""
        now = time.monotonic()
        hit = self._tenant_cache.get(tenant_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        record = self.get_tenant(tenant_id)
        if len(self._tenant_cache) >= CACHE_MAX:
            self._tenant_cache.clear()
        self._tenant_cache[tenant_id] = (now + self.cache_ttl_s, record)
        return record
