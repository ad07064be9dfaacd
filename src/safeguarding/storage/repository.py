"""The one storage interface every other layer uses (SQLite or PostgreSQL behind it).

Writes are grouped: :meth:`Repository.write_batch` commits the events, messages, engine state,
alerts and outbox rows of one ingest call in a single transaction, so an acknowledged event is
always complete and a failed one leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Engine,
    Row,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from safeguarding.storage import migrate
from safeguarding.storage.db import WRITE_OPTION, WalCheckpointer, make_engine, sqlite_file
from safeguarding.storage.models import (
    Account,
    AccountState,
    ActionRow,
    AlertRow,
    ApiKey,
    Base,
    Conversation,
    ConversationMember,
    Event,
    OutboxRow,
    StoredMessage,
    Tenant,
    UserReport,
)
from safeguarding.storage.models import (
    Connection as ConnectionRow,
)
from safeguarding.storage.records import (
    AccountRecord,
    AccountSummary,
    ActionRecord,
    AlertRecord,
    ApiKeyRecord,
    ConversationRecord,
    OutboxMessage,
    PurgeReport,
    ReportRecord,
    StoredEvent,
    TenantRecord,
    WriteBatch,
)

KEY_PREFIX = "sg"
ALERT_LEVEL = 2  # AlertLevel.ALERT: a moderator should review
DEFAULT_SCOPES = ("events:write", "read")
KNOWN_SCOPES = frozenset({"events:write", "read", "admin"})


class DuplicateEventError(Exception):
    """An event id was inserted by a concurrent writer; the caller should re-read it."""


def _t(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def _in_chunks(
    conn: Connection, stmt: Any, tenant_id: str, ids: Sequence[str], key: str = "ids"
) -> Iterator[Row[Any]]:
    """The rows of a tenant lookup ``stmt`` for ``ids``, asked ``_CHUNK`` ids at a time so an
    IN list never reaches the database's limit on bound parameters."""
    for start in range(0, len(ids), _CHUNK):
        params = {"tenant_id": tenant_id, key: list(ids[start : start + _CHUNK])}
        yield from conn.execute(stmt, params).all()


def _update_conversation_statement() -> Any:
    """One prepared UPDATE for every touched conversation (executemany, built once)."""
    table = _t(Conversation)
    c = table.c
    return (
        update(table)
        .where(c.tenant_id == bindparam("k_tenant"), c.id == bindparam("k_id"))
        .values(
            {
                name: bindparam(name)
                for name in (
                    "updated_at",
                    "message_count",
                    "risk",
                    "level",
                    "alerted_level",
                    "offender",
                    "at_risk",
                    "assessment",
                    "action_state",
                )
            }
            # An evidence hold is never lifted by ingest.
            | {"evidence_hold": or_(c.evidence_hold, bindparam("hold", type_=Boolean))}
            # The engine snapshot is only replaced when the batch carries one.
            | {
                "engine_state": case(
                    (
                        bindparam("write_state", type_=Boolean),
                        bindparam("engine_state", type_=c.engine_state.type),
                    ),
                    else_=c.engine_state,
                )
            }
        )
    )


_UPDATE_CONVERSATION = _update_conversation_statement()
_SELECT_TENANT = select(_t(Tenant)).where(_t(Tenant).c.id == bindparam("tenant_id"))
# Statements of the ingest path, built once: SQLAlchemy memoises a statement's cache key on
# the object, so reusing it skips rebuilding and re-keying it on every batch.
_SELECT_STORED_EVENTS = select(Event.event_id, Event.digest, Event.result).where(
    Event.tenant_id == bindparam("tenant_id"),
    Event.event_id.in_(bindparam("event_ids", expanding=True)),
)
_SELECT_API_KEY = select(_t(ApiKey)).where(_t(ApiKey).c.id == bindparam("key_id"))
_SELECT_CONVERSATIONS = select(_t(Conversation)).where(
    _t(Conversation).c.tenant_id == bindparam("tenant_id"),
    _t(Conversation).c.id.in_(bindparam("ids", expanding=True)),
)
_SELECT_ACCOUNTS = select(_t(Account)).where(
    _t(Account).c.tenant_id == bindparam("tenant_id"),
    _t(Account).c.id.in_(bindparam("ids", expanding=True)),
)
_SELECT_CONNECTIONS = (
    select(ConnectionRow.account_id, ConnectionRow.other_account_id, ConnectionRow.change)
    .where(
        ConnectionRow.tenant_id == bindparam("tenant_id"),
        ConnectionRow.account_id.in_(bindparam("ids", expanding=True)),
        ConnectionRow.other_account_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(ConnectionRow.ts, ConnectionRow.id)
)
_SELECT_ACCOUNT_STATES = select(AccountState.account_id, AccountState.state).where(
    AccountState.tenant_id == bindparam("tenant_id"),
    AccountState.account_id.in_(bindparam("ids", expanding=True)),
)
_CHUNK = 500  # ids per IN list
_INSERT_EVENTS = insert(_t(Event))
_INSERT_MESSAGES = insert(_t(StoredMessage))
_INSERT_CONVERSATIONS = insert(_t(Conversation))
_INSERT_CONNECTIONS = insert(_t(ConnectionRow))
_INSERT_REPORTS = insert(_t(UserReport))
_INSERT_ALERTS = insert(_t(AlertRow)).returning(_t(AlertRow).c.id, sort_by_parameter_order=True)
_INSERT_ACTIONS = insert(_t(ActionRow))
_INSERT_OUTBOX = insert(_t(OutboxRow))


_CACHE_MAX = 4096


def _now() -> datetime:
    return datetime.now(UTC)


def _hash_secret(secret: str) -> str:
    # Keys are 256-bit random, so a fast hash is enough (no dictionary to guess from).
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_api_key(token: str) -> tuple[str, str] | None:
    """Split ``sg_<key id>_<secret>`` into (key id, secret)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class Repository:
    """Storage for the service. Thread-safe; on SQLite, writes are serialised in-process."""

    def __init__(self, engine: Engine, *, checkpointer: WalCheckpointer | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._write_lock = threading.Lock()
        self._statements: dict[tuple[str, str, tuple[str, ...]], Any] = {}
        self._checkpointer = checkpointer
        if checkpointer is not None:
            checkpointer.start()
        # Verified API keys (by a hash of the whole token) and tenant records, kept for a
        # short time so an ingest request does not read them on every call. Revoking a key
        # or changing a webhook through this object takes effect at once; through another
        # process (the CLI) within ``cache_ttl_s``.
        self.cache_ttl_s = 5.0
        self._key_cache: dict[str, tuple[float, ApiKeyRecord]] = {}
        self._tenant_cache: dict[str, tuple[float, TenantRecord | None]] = {}

    @classmethod
    def from_url(
        cls, url: str, *, sqlite_synchronous: str = "NORMAL", background_checkpoint: bool = False
    ) -> Repository:
        """``background_checkpoint``: for the long-running service on an SQLite file, WAL
        checkpoints run in a thread of their own (see :class:`WalCheckpointer`)."""
        engine = make_engine(
            url,
            sqlite_synchronous=sqlite_synchronous,
            background_checkpoint=background_checkpoint,
        )
        path = sqlite_file(engine) if background_checkpoint else None
        return cls(engine, checkpointer=WalCheckpointer(path) if path else None)

    # --- lifecycle -----------------------------------------------------------------------
    def migrate(self) -> None:
        with self._write_lock:
            migrate.upgrade(self.engine)

    def is_migrated(self) -> bool:
        return migrate.is_up_to_date(self.engine)

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(1)).scalar() == 1

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction (BEGIN IMMEDIATE on SQLite, serialised in-process)."""
        with self._write_lock, self.engine.connect() as conn:
            conn = conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    def _upsert(
        self, conn: Connection, table: Table, rows: list[dict[str, Any]], keys: Sequence[str]
    ) -> None:
        if not rows:
            return
        key = ("upsert", table.name, tuple(keys))
        stmt = self._statements.get(key)
        if stmt is None:
            dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
            base = dialect_insert(table)
            updates = {c.name: base.excluded[c.name] for c in table.columns if c.name not in keys}
            stmt = self._statements[key] = base.on_conflict_do_update(
                index_elements=list(keys), set_=updates
            )
        conn.execute(stmt, rows)

    def _insert_ignore(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        key = ("insert_ignore", table.name, ())
        stmt = self._statements.get(key)
        if stmt is None:
            dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
            stmt = self._statements[key] = dialect_insert(table).on_conflict_do_nothing()
        conn.execute(stmt, rows)

    # --- tenants and keys ----------------------------------------------------------------
    def create_tenant(
        self, name: str, *, webhook_url: str | None = None, webhook_secret: str | None = None
    ) -> TenantRecord:
        record = TenantRecord(
            id="t_" + secrets.token_hex(8),
            name=name,
            created_at=_now(),
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
        )
        with self._write() as conn:
            conn.execute(
                insert(_t(Tenant)),
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
                update(_t(Tenant))
                .where(Tenant.id == tenant_id)
                .values(webhook_url=url, webhook_secret=secret)
            )
            self._tenant_cache.pop(tenant_id, None)
            return bool(result.rowcount)

    def _tenant(self, row: Any) -> TenantRecord:
        return TenantRecord(row.id, row.name, row.created_at, row.webhook_url, row.webhook_secret)

    def get_tenant(self, tenant_id: str) -> TenantRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_t(Tenant)).where(Tenant.id == tenant_id)).first()
        return self._tenant(row) if row else None

    def find_tenant(self, id_or_name: str) -> TenantRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(_t(Tenant)).where(or_(Tenant.id == id_or_name, Tenant.name == id_or_name))
            ).first()
        return self._tenant(row) if row else None

    def list_tenants(self) -> list[TenantRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_t(Tenant)).order_by(Tenant.created_at)).all()
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
        record = ApiKeyRecord(key_id, tenant_id, scope_list, _now())
        with self._write() as conn:
            conn.execute(
                insert(_t(ApiKey)),
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
                update(_t(ApiKey))
                .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
                .values(revoked_at=_now())
            )
            for digest, (_, record) in list(self._key_cache.items()):
                if record.id == key_id:
                    self._key_cache.pop(digest, None)
            return bool(result.rowcount)

    def list_api_keys(self, tenant_id: str | None = None) -> list[ApiKeyRecord]:
        stmt = select(_t(ApiKey)).order_by(ApiKey.created_at)
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
            row = conn.execute(_SELECT_API_KEY, {"key_id": key_id}).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_hash, _hash_secret(secret)):
            return None
        return ApiKeyRecord(row.id, row.tenant_id, tuple(row.scopes.split()), row.created_at)

    def authenticate_cached(self, token: str) -> ApiKeyRecord | None:
        """:meth:`authenticate`, with a verified key kept in memory for ``cache_ttl_s``
        (keyed by a hash of the whole token; unknown or wrong tokens are never kept). For
        the API's request path: a key revoked by another process (the CLI) is refused
        within ``cache_ttl_s``, one revoked through this object at once."""
        hit = self.peek_cached_key(token)
        if hit is not None:
            return hit
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        record = self.authenticate(token)
        if record is None:
            self._key_cache.pop(digest, None)
            return None
        if len(self._key_cache) >= _CACHE_MAX:
            self._key_cache.clear()
        self._key_cache[digest] = (now + self.cache_ttl_s, record)
        return record

    def peek_cached_key(self, token: str) -> ApiKeyRecord | None:
        """The key of ``token`` if :meth:`authenticate_cached` verified it less than
        ``cache_ttl_s`` ago; None otherwise. Memory only, never the database."""
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
        if len(self._tenant_cache) >= _CACHE_MAX:
            self._tenant_cache.clear()
        self._tenant_cache[tenant_id] = (now + self.cache_ttl_s, record)
        return record

    # --- ingest --------------------------------------------------------------------------
    def stored_events(self, tenant_id: str, event_ids: Sequence[str]) -> dict[str, StoredEvent]:
        with self.engine.connect() as conn:
            return self._stored_events(conn, tenant_id, event_ids)

    def ingest_lookup(
        self, tenant_id: str, event_ids: Sequence[str]
    ) -> tuple[dict[str, StoredEvent], TenantRecord | None]:
        """:meth:`stored_events` and :meth:`get_tenant` on one connection (one per batch)."""
        with self.engine.connect() as conn:
            stored = self._stored_events(conn, tenant_id, event_ids)
            row = conn.execute(_SELECT_TENANT, {"tenant_id": tenant_id}).first()
        record = self._tenant(row) if row else None
        self._tenant_cache[tenant_id] = (time.monotonic() + self.cache_ttl_s, record)
        return stored, record

    def _stored_events(
        self, conn: Connection, tenant_id: str, event_ids: Sequence[str]
    ) -> dict[str, StoredEvent]:
        rows = _in_chunks(conn, _SELECT_STORED_EVENTS, tenant_id, event_ids, key="event_ids")
        return {r.event_id: StoredEvent(r.event_id, r.digest, r.result) for r in rows}

    def get_conversation(self, tenant_id: str, conversation_id: str) -> ConversationRecord | None:
        return self.get_conversations(tenant_id, [conversation_id]).get(conversation_id)

    def get_conversations(
        self, tenant_id: str, ids: Iterable[str]
    ) -> dict[str, ConversationRecord]:
        """The stored conversations among ``ids`` (one query per 500 ids): the ingest path
        looks up every conversation of a batch at once."""
        wanted = list(set(ids))
        found: dict[str, ConversationRecord] = {}
        with self.engine.connect() as conn:
            for row in _in_chunks(conn, _SELECT_CONVERSATIONS, tenant_id, wanted):
                found[row.id] = ConversationRecord(
                    row.id,
                    row.message_count,
                    row.level,
                    row.risk,
                    row.assessment,
                    row.engine_state,
                    row.updated_at,
                    row.evidence_hold,
                    row.alerted_level,
                    row.action_state,
                )
        return found

    def existing_conversations(self, tenant_id: str, ids: Iterable[str]) -> set[str]:
        wanted = list(set(ids))
        if not wanted:
            return set()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(Conversation.id).where(
                    Conversation.tenant_id == tenant_id, Conversation.id.in_(wanted)
                )
            ).all()
        return {r.id for r in rows}

    def conversation_members(self, tenant_id: str, conversation_id: str) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ConversationMember.account_id).where(
                    ConversationMember.tenant_id == tenant_id,
                    ConversationMember.conversation_id == conversation_id,
                )
            ).all()
        return {r.account_id for r in rows}

    def get_accounts(self, tenant_id: str, ids: Iterable[str]) -> dict[str, AccountRecord]:
        wanted = list(set(ids))
        found: dict[str, AccountRecord] = {}
        with self.engine.connect() as conn:
            for r in _in_chunks(conn, _SELECT_ACCOUNTS, tenant_id, wanted):
                found[r.id] = AccountRecord(
                    r.id,
                    r.declared_age,
                    r.age_band,
                    r.verified_age,
                    r.created_at,
                    r.guardian_id,
                )
        return found

    def connected_pairs(self, tenant_id: str, account_ids: Iterable[str]) -> set[frozenset[str]]:
        """Pairs of these accounts whose latest connection change is "added"."""
        ids = list(set(account_ids))
        if len(ids) < 2:
            return set()
        with self.engine.connect() as conn:
            rows = conn.execute(_SELECT_CONNECTIONS, {"tenant_id": tenant_id, "ids": ids}).all()
        latest: dict[frozenset[str], str] = {}
        for row in rows:
            latest[frozenset((row.account_id, row.other_account_id))] = row.change
        return {pair for pair, change in latest.items() if change == "added"}

    def write_batch(self, batch: WriteBatch) -> list[int]:
        """Commit one ingest call atomically; returns the ids given to the new alerts.

        Raises :class:`DuplicateEventError` when another writer stored one of the event ids
        first (the unique key is the last line of defence for idempotency).
        """
        tenant = batch.tenant_id
        at = batch.received_at
        try:
            with self._write() as conn:
                return self._write_batch(conn, tenant, at, batch)
        except IntegrityError as exc:
            raise DuplicateEventError(str(exc.orig)) from exc

    def _write_batch(
        self, conn: Connection, tenant: str, at: datetime, batch: WriteBatch
    ) -> list[int]:
        if batch.events:
            conn.execute(
                _INSERT_EVENTS,
                [
                    {
                        "tenant_id": tenant,
                        "event_id": eid,
                        "kind": kind,
                        "digest": digest,
                        "conversation_id": cid,
                        "received_at": at,
                        "result": result,
                    }
                    for eid, kind, digest, cid, result in batch.events
                ],
            )
        if batch.messages:
            conn.execute(
                _INSERT_MESSAGES,
                [
                    {
                        "tenant_id": tenant,
                        "conversation_id": m.conversation_id,
                        "idx": m.idx,
                        "message_id": m.message_id,
                        "event_id": m.event_id,
                        "sender": m.sender,
                        "recipients": m.recipients,
                        "ts": m.ts,
                        "received_at": at,
                        "text": m.text,
                        "media": m.media,
                    }
                    for m in batch.messages
                ],
            )
        new = [c for c in batch.conversations if c.is_new]
        old = [c for c in batch.conversations if not c.is_new]
        if new:
            conn.execute(
                _INSERT_CONVERSATIONS,
                [
                    {
                        "tenant_id": tenant,
                        "id": c.id,
                        "created_at": at,
                        "updated_at": at,
                        "message_count": c.message_count,
                        "risk": c.risk,
                        "level": c.level,
                        "alerted_level": c.alerted_level,
                        "offender": c.offender,
                        "at_risk": c.at_risk,
                        "assessment": c.assessment,
                        "engine_state": c.engine_state,
                        "evidence_hold": c.evidence_hold,
                        "action_state": c.action_state,
                    }
                    for c in new
                ],
            )
        if old:
            conn.execute(
                _UPDATE_CONVERSATION,
                [
                    {
                        "k_tenant": tenant,
                        "k_id": c.id,
                        "updated_at": at,
                        "message_count": c.message_count,
                        "risk": c.risk,
                        "level": c.level,
                        "alerted_level": c.alerted_level,
                        "offender": c.offender,
                        "at_risk": c.at_risk,
                        "assessment": c.assessment,
                        "engine_state": c.engine_state,
                        "write_state": c.engine_state is not None,
                        "action_state": c.action_state,
                        "hold": c.evidence_hold,
                    }
                    for c in old
                ],
            )
        members = [
            {"tenant_id": tenant, "conversation_id": c.id, "account_id": a}
            for c in batch.conversations
            for a in sorted(c.members)
        ]
        self._insert_ignore(conn, _t(ConversationMember), members)
        self._upsert(
            conn,
            _t(Account),
            [
                {
                    "tenant_id": tenant,
                    "id": a.id,
                    "declared_age": a.declared_age,
                    "age_band": a.age_band,
                    "verified_age": a.verified_age,
                    "created_at": a.created_at,
                    "updated_at": at,
                    "guardian_id": a.guardian_id,
                }
                for a in batch.accounts
            ],
            ("tenant_id", "id"),
        )
        if batch.connections:
            conn.execute(
                _INSERT_CONNECTIONS,
                [
                    {
                        "tenant_id": tenant,
                        "account_id": c.account_id,
                        "other_account_id": c.other_account_id,
                        "change": c.change,
                        "ts": c.ts,
                    }
                    for c in batch.connections
                ],
            )
        if batch.reports:
            conn.execute(
                _INSERT_REPORTS,
                [
                    {
                        "tenant_id": tenant,
                        "event_id": r.event_id,
                        "reporter_id": r.reporter_id,
                        "reported_id": r.reported_id,
                        "conversation_id": r.conversation_id,
                        "reason": r.reason,
                        "comment": r.comment,
                        "ts": r.ts,
                    }
                    for r in batch.reports
                ],
            )
        alert_ids: list[int] = []
        if batch.alerts:  # one executemany; the ids come back in row order for the webhooks
            result = conn.execute(
                _INSERT_ALERTS,
                [
                    {
                        "tenant_id": tenant,
                        "conversation_id": a.conversation_id,
                        "level": a.level,
                        "risk": a.risk,
                        "message_index": a.message_index,
                        "offender": a.offender,
                        "at_risk": a.at_risk,
                        "tactics": a.tactics,
                        "raised_at": a.raised_at,
                        "status": "open",
                    }
                    for a in batch.alerts
                ],
            )
            alert_ids = [int(row[0]) for row in result]
        for m in batch.outbox:
            if m.alert_index is not None:
                m.payload = {**m.payload, "alert_id": alert_ids[m.alert_index]}
        self._add_outbox(conn, tenant, at, batch.outbox)
        if batch.actions:
            conn.execute(
                _INSERT_ACTIONS,
                [
                    {
                        "tenant_id": tenant,
                        "conversation_id": a.conversation_id,
                        "account_id": a.account_id,
                        "action_type": a.action_type,
                        "rule_ids": a.rule_ids,
                        "payload": a.event,
                        "shadow": a.shadow,
                        "created_at": a.created_at or at,
                    }
                    for a in batch.actions
                ],
            )
        self._upsert(
            conn,
            _t(AccountState),
            [
                {"tenant_id": tenant, "account_id": aid, "state": state, "updated_at": at}
                for aid, state in batch.account_states.items()
            ],
            ("tenant_id", "account_id"),
        )
        return alert_ids

    def _add_outbox(
        self, conn: Connection, tenant: str, at: datetime, messages: list[OutboxMessage]
    ) -> None:
        if messages:
            conn.execute(
                _INSERT_OUTBOX,
                [
                    {
                        "tenant_id": tenant,
                        "ordering_key": m.ordering_key,
                        "event_type": m.event_type,
                        "payload": m.payload,
                        "created_at": at,
                        "attempts": 0,
                        "next_attempt_at": at,
                    }
                    for m in messages
                ],
            )

    def enqueue_webhooks(self, tenant_id: str, messages: list[OutboxMessage]) -> None:
        """Queue webhook events from other stages (e.g. actions) outside an ingest call."""
        with self._write() as conn:
            self._add_outbox(conn, tenant_id, _now(), messages)

    def hold_evidence(self, tenant_id: str, conversation_id: str, hold: bool = True) -> bool:
        """Mark a conversation as evidence in a case: retention never purges its text."""
        with self._write() as conn:
            result = conn.execute(
                update(_t(Conversation))
                .where(Conversation.tenant_id == tenant_id, Conversation.id == conversation_id)
                .values(evidence_hold=hold)
            )
            return bool(result.rowcount)

    # --- reads ---------------------------------------------------------------------------
    def account_states(self, tenant_id: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Saved ``AccountTracker`` state of these accounts (those that have one)."""
        wanted = list(set(ids))
        with self.engine.connect() as conn:
            rows = _in_chunks(conn, _SELECT_ACCOUNT_STATES, tenant_id, wanted)
            return {r.account_id: r.state for r in rows}

    def _newest_first(
        self,
        model: type[ActionRow] | type[AlertRow],
        tenant_id: str,
        filters: Sequence[ColumnElement[bool]],
        after_id: int | None,
        limit: int,
    ) -> Sequence[Row[Any]]:
        """One keyset page of a tenant's rows, highest id first: ``after_id`` is the last id of
        the page before, so pages stay stable while new rows arrive."""
        stmt = select(_t(model)).where(model.tenant_id == tenant_id, *filters)
        if after_id is not None:
            stmt = stmt.where(model.id < after_id)
        stmt = stmt.order_by(model.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return conn.execute(stmt).all()

    def actions(
        self,
        tenant_id: str,
        *,
        conversation_id: str | None = None,
        account_id: str | None = None,
        action_type: str | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[ActionRecord]:
        """Recorded actions, newest first; ``after_id`` continues a page (keyset paging)."""
        filters = []
        if conversation_id is not None:
            filters.append(ActionRow.conversation_id == conversation_id)
        if account_id is not None:
            filters.append(ActionRow.account_id == account_id)
        if action_type is not None:
            filters.append(ActionRow.action_type == action_type)
        rows = self._newest_first(ActionRow, tenant_id, filters, after_id, limit)
        return [
            ActionRecord(
                r.conversation_id,
                r.account_id,
                r.action_type,
                list(r.rule_ids),
                r.payload,
                r.shadow,
                r.created_at,
                r.id,
            )
            for r in rows
        ]

    def messages(
        self, tenant_id: str, conversation_id: str, start: int = 0
    ) -> list[dict[str, Any]]:
        """A conversation's stored messages in order, from index ``start``."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_t(StoredMessage))
                .where(
                    StoredMessage.tenant_id == tenant_id,
                    StoredMessage.conversation_id == conversation_id,
                    StoredMessage.idx >= start,
                )
                .order_by(StoredMessage.idx)
            ).all()
        return [dict(r._mapping) for r in rows]

    def message_texts(
        self, tenant_id: str, wanted: Mapping[str, Iterable[int]]
    ) -> dict[str, dict[int, str | None]]:
        """The text of these messages (conversation id -> message indices), in one query;
        ``None`` where the retention purge removed it. For excerpts in answers."""
        pairs = {(cid, int(i)) for cid, idxs in wanted.items() for i in idxs}
        found: dict[str, dict[int, str | None]] = {cid: {} for cid in wanted}
        if not pairs:
            return found
        s = _t(StoredMessage).c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(s.conversation_id, s.idx, s.text).where(
                    s.tenant_id == tenant_id,
                    s.conversation_id.in_(sorted({cid for cid, _ in pairs})),
                    s.idx.in_(sorted({i for _, i in pairs})),
                )
            ).all()
        for r in rows:
            if (r.conversation_id, r.idx) in pairs:
                found[r.conversation_id][r.idx] = r.text
        return found

    def alerts(
        self,
        tenant_id: str,
        *,
        status: str | None = "open",
        level: int | None = None,
        min_level: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[AlertRecord]:
        """Alerts newest first; ``after_id`` continues a page (keyset paging)."""
        filters = []
        if status:
            filters.append(AlertRow.status == status)
        if level is not None:
            filters.append(AlertRow.level == level)
        if min_level is not None:
            filters.append(AlertRow.level >= min_level)
        if since is not None:
            filters.append(AlertRow.raised_at >= since)
        if until is not None:
            filters.append(AlertRow.raised_at < until)
        rows = self._newest_first(AlertRow, tenant_id, filters, after_id, limit)
        return [
            AlertRecord(
                r.conversation_id,
                r.level,
                r.risk,
                r.message_index,
                r.offender,
                r.at_risk,
                list(r.tactics),
                r.raised_at,
                r.id,
                r.status,
            )
            for r in rows
        ]

    def set_alert_status(self, tenant_id: str, alert_id: int, status: str) -> bool:
        with self._write() as conn:
            result = conn.execute(
                update(_t(AlertRow))
                .where(AlertRow.tenant_id == tenant_id, AlertRow.id == alert_id)
                .values(status=status)
            )
            return bool(result.rowcount)

    def reports(
        self,
        tenant_id: str,
        *,
        reported_id: str | None = None,
        conversation_id: str | None = None,
    ) -> list[ReportRecord]:
        """User reports, for the policy stage and moderators."""
        stmt = select(_t(UserReport)).where(UserReport.tenant_id == tenant_id)
        if reported_id is not None:
            stmt = stmt.where(UserReport.reported_id == reported_id)
        if conversation_id is not None:
            stmt = stmt.where(UserReport.conversation_id == conversation_id)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.order_by(UserReport.id)).all()
        return [
            ReportRecord(
                r.event_id,
                r.reporter_id,
                r.reported_id,
                r.conversation_id,
                r.reason,
                r.comment,
                r.ts,
                r.id,
            )
            for r in rows
        ]

    def account_summary(self, tenant_id: str, account_id: str) -> AccountSummary:
        """Aggregate an account's conversations: worst risk as offender, alerts, reports."""
        c = _t(Conversation).c
        m = _t(ConversationMember).c
        with self.engine.connect() as conn:
            convs = conn.execute(
                select(c.id, c.risk, c.level, c.alerted_level, c.offender, c.at_risk)
                .join(
                    _t(ConversationMember),
                    and_(m.tenant_id == c.tenant_id, m.conversation_id == c.id),
                )
                .where(m.tenant_id == tenant_id, m.account_id == account_id)
            ).all()
            received = conn.execute(
                select(func.count())
                .select_from(_t(UserReport))
                .where(UserReport.tenant_id == tenant_id, UserReport.reported_id == account_id)
            ).scalar_one()
            made = conn.execute(
                select(func.count())
                .select_from(_t(UserReport))
                .where(UserReport.tenant_id == tenant_id, UserReport.reporter_id == account_id)
            ).scalar_one()
        facts = self.get_accounts(tenant_id, [account_id]).get(account_id)
        as_offender = [r for r in convs if r.offender == account_id]
        at_risk = [r for r in convs if r.at_risk == account_id]
        alerted = [r for r in convs if r.alerted_level >= ALERT_LEVEL]
        return AccountSummary(
            account_id=account_id,
            known=bool(convs or facts or received or made),
            conversations=len(convs),
            alerted_conversations=len(alerted),
            max_risk_as_offender=max((r.risk for r in as_offender), default=0.0),
            max_level_as_offender=max((r.level for r in as_offender), default=0),
            conversations_at_risk=len(at_risk),
            max_risk_at_risk=max((r.risk for r in at_risk), default=0.0),
            reports_received=int(received),
            reports_made=int(made),
            facts=facts,
        )

    # --- outbox --------------------------------------------------------------------------
    def due_webhooks(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """The first undelivered message of each (tenant, ordering key), if it is due."""
        o = _t(OutboxRow).c
        pending = and_(o.delivered_at.is_(None), o.dead_at.is_(None))
        heads = (
            select(o.tenant_id, o.ordering_key, func.min(o.id).label("head"))
            .where(pending)
            .group_by(o.tenant_id, o.ordering_key)
            .subquery()
        )
        stmt = (
            select(_t(OutboxRow))
            .join(heads, o.id == heads.c.head)
            .where(o.next_attempt_at <= now)
            .order_by(o.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            OutboxMessage(
                r.ordering_key,
                r.event_type,
                r.payload,
                r.id,
                r.tenant_id,
                r.attempts,
                r.created_at,
            )
            for r in rows
        ]

    def mark_delivered(self, outbox_id: int, at: datetime) -> None:
        with self._write() as conn:
            conn.execute(
                update(_t(OutboxRow))
                .where(OutboxRow.id == outbox_id)
                .values(delivered_at=at, attempts=OutboxRow.attempts + 1, last_error=None)
            )

    def mark_failed(
        self, outbox_id: int, error: str, next_attempt_at: datetime, dead: bool = False
    ) -> None:
        values: dict[str, Any] = {
            "attempts": OutboxRow.attempts + 1,
            "last_error": error[:500],
            "next_attempt_at": next_attempt_at,
        }
        if dead:
            values["dead_at"] = _now()
        with self._write() as conn:
            conn.execute(update(_t(OutboxRow)).where(OutboxRow.id == outbox_id).values(**values))

    def outbox_depth(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(_t(OutboxRow))
                    .where(OutboxRow.delivered_at.is_(None), OutboxRow.dead_at.is_(None))
                ).scalar_one()
            )

    def outbox_rows(self, tenant_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_t(OutboxRow)).where(OutboxRow.tenant_id == tenant_id).order_by(OutboxRow.id)
            ).all()
        return [dict(r._mapping) for r in rows]

    def purge_delivered_webhooks(self, before: datetime) -> int:
        with self._write() as conn:
            result = conn.execute(
                delete(_t(OutboxRow)).where(
                    OutboxRow.delivered_at.is_not(None), OutboxRow.delivered_at < before
                )
            )
            return int(result.rowcount or 0)

    # --- retention -----------------------------------------------------------------------
    def purge_text(self, cutoff: datetime, *, dry_run: bool = False) -> PurgeReport:
        """Delete message text older than ``cutoff`` unless its conversation is evidence.

        The conversations concerned (not on evidence hold, with a message older than
        ``cutoff``) also lose any excerpt still stored in their assessment or engine state
        JSON (written before excerpts were left out of storage): one pass over them.
        """
        s = _t(StoredMessage).c
        c = _t(Conversation).c
        held = (
            select(Conversation.id)
            .where(
                Conversation.tenant_id == s.tenant_id,
                Conversation.id == s.conversation_id,
                Conversation.evidence_hold.is_(True),
            )
            .exists()
        )
        old = and_(s.ts < cutoff, s.text.is_not(None))
        has_old = (
            select(s.idx)
            .where(s.tenant_id == c.tenant_id, s.conversation_id == c.id, s.ts < cutoff)
            .exists()
        )
        with self._write() as conn:
            by_tenant = {
                r.tenant_id: int(r.n)
                for r in conn.execute(
                    select(s.tenant_id, func.count().label("n"))
                    .where(old, ~held)
                    .group_by(s.tenant_id)
                ).all()
            }
            kept = conn.execute(
                select(func.count()).select_from(_t(StoredMessage)).where(old, held)
            ).scalar_one()
            scrubbed: list[dict[str, Any]] = []
            touched: set[tuple[str, str]] = set()
            for r in conn.execute(
                select(c.tenant_id, c.id, c.assessment, c.engine_state).where(
                    c.evidence_hold.is_not(True), has_old
                )
            ):
                assessment = _scrub_excerpts(r.assessment)
                state = _scrub_excerpts(r.engine_state)
                if assessment is not None or state is not None:
                    touched.add((r.tenant_id, r.id))
                    scrubbed.append(
                        {
                            "k_tenant": r.tenant_id,
                            "k_id": r.id,
                            "assessment": r.assessment if assessment is None else assessment,
                            "engine_state": r.engine_state if state is None else state,
                        }
                    )
            # Recorded actions of those conversations: an escalate_review event carries the
            # assessment (excerpts), a preserve_evidence snapshot may carry the text.
            a = _t(ActionRow).c
            purged_conversation = (
                select(c.id)
                .where(
                    c.tenant_id == a.tenant_id,
                    c.id == a.conversation_id,
                    c.evidence_hold.is_not(True),
                    has_old,
                )
                .exists()
            )
            scrubbed_actions: list[dict[str, Any]] = []
            for r in conn.execute(
                select(a.id, a.tenant_id, a.conversation_id, a.payload).where(purged_conversation)
            ):
                event = _scrub_action_event(r.payload)
                if event is not None:
                    scrubbed_actions.append({"k_id": r.id, "payload": event})
                    touched.add((r.tenant_id, r.conversation_id))
            if not dry_run:
                if scrubbed_actions:
                    conn.execute(
                        update(_t(ActionRow))
                        .where(a.id == bindparam("k_id"))
                        .values(payload=bindparam("payload")),
                        scrubbed_actions,
                    )
                conn.execute(
                    update(_t(StoredMessage))
                    .where(old, ~held)
                    .values(text=None, text_purged_at=_now())
                )
                if scrubbed:
                    conn.execute(
                        update(_t(Conversation))
                        .where(c.tenant_id == bindparam("k_tenant"), c.id == bindparam("k_id"))
                        .values(
                            assessment=bindparam("assessment"),
                            engine_state=bindparam("engine_state"),
                        ),
                        scrubbed,
                    )
        return PurgeReport(
            cutoff, dry_run, sum(by_tenant.values()), int(kept), by_tenant, len(touched)
        )


def _scrub_excerpts(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """``data`` (an assessment or engine state) without quoted excerpts in its evidence, or
    None when it has none to remove. An excerpt that was never there stays ``None``."""
    if not data or not isinstance(data.get("evidence"), list):
        return None
    evidence = data["evidence"]
    if not any(isinstance(e, dict) and e.get("excerpt") is not None for e in evidence):
        return None
    return {
        **data,
        "evidence": [
            {k: v for k, v in e.items() if k != "excerpt"}
            if isinstance(e, dict) and e.get("excerpt") is not None
            else e
            for e in evidence
        ],
    }


def _scrub_action_event(event: dict[str, Any] | None) -> dict[str, Any] | None:
    """A recorded action event without message text (the excerpts of an escalate_review
    assessment, the texts of a preserve_evidence snapshot), or None when it quotes none."""
    payload = event.get("payload") if isinstance(event, dict) else None
    if event is None or not isinstance(payload, dict):
        return None
    new = dict(payload)
    if isinstance(payload.get("assessment"), dict):
        assessment = _scrub_excerpts(payload["assessment"])
        if assessment is not None:
            new["assessment"] = assessment
    messages = payload.get("messages")
    if isinstance(messages, list) and any(isinstance(m, dict) and "text" in m for m in messages):
        new["messages"] = [
            {k: v for k, v in m.items() if k != "text"} if isinstance(m, dict) else m
            for m in messages
        ]
    return None if new == payload else {**event, "payload": new}
