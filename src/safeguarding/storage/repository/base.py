"""The shared plumbing of the repository: engine, write transactions, upserts."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Self, cast

from sqlalchemy import Connection, Engine, Row, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from safeguarding.storage import migrate
from safeguarding.storage.db import WRITE_OPTION, WalCheckpointer, make_engine, sqlite_file
from safeguarding.storage.models import Base
from safeguarding.storage.records import ApiKeyRecord, TenantRecord


class UnknownCursorError(LookupError):
    """A paging cursor names no row of this tenant."""


class DuplicateEventError(Exception):
    """An event id was inserted by a concurrent writer; the caller should re-read it."""


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def rows_in_chunks(
    conn: Connection, stmt: Any, tenant_id: str, ids: Sequence[str], key: str = "ids"
) -> Iterator[Row[Any]]:
    """The rows of a tenant lookup ``stmt`` for ``ids``, asked ``CHUNK`` ids at a time so an
    IN list never reaches the database's limit on bound parameters."""
    for start in range(0, len(ids), CHUNK):
        params = {"tenant_id": tenant_id, key: list(ids[start : start + CHUNK])}
        yield from conn.execute(stmt, params).all()


CHUNK = 500  # ids per IN list
CACHE_MAX = 4096


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, send the statements run inside in one go (psycopg's pipeline mode)
    and read their results once at the end: a write of N statements costs one network round
    trip instead of N. Only for statements whose results are not read (inserts without
    ``RETURNING``, updates); an error surfaces at the end of the block as psycopg's own
    exception. Elsewhere a no-op."""
    if conn.dialect.name != "postgresql":
        yield
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.pipeline():
        yield


def utcnow() -> datetime:
    return datetime.now(UTC)


class RepositoryBase:
    """Connections, transactions and statement caches shared by every aggregate's store."""

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
        # process (the CLI) within ``key_cache_ttl_s`` (keys: 1 s, the documented bound on a
        # revoked key's use) and ``cache_ttl_s`` (tenant records, 5 s).
        self.key_cache_ttl_s = 1.0
        self.cache_ttl_s = 5.0
        self._key_cache: dict[str, tuple[float, ApiKeyRecord]] = {}
        self._tenant_cache: dict[str, tuple[float, TenantRecord | None]] = {}

    @classmethod
    def from_url(
        cls, url: str, *, sqlite_synchronous: str = "NORMAL", background_checkpoint: bool = False
    ) -> Self:
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
