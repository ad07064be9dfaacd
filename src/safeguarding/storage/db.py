"""Database engines: one URL chooses SQLite (embedded default) or PostgreSQL (production).

SQLite runs in WAL mode so readers never block the single writer. ``synchronous=NORMAL`` is
the default: in WAL mode a committed transaction is in the WAL file (the OS page cache) before
``COMMIT`` returns, so it survives a crash or ``kill -9`` of the process; only a power loss or
kernel crash can lose the last transactions. ``SAFEGUARDING_SQLITE_SYNCHRONOUS=FULL`` fsyncs
every commit for power-loss durability at a throughput cost.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

log = logging.getLogger("safeguarding.storage")

DEFAULT_DB_URL = "sqlite:///./var/safeguarding.db"
# With a background checkpointer, commits only checkpoint past this many WAL pages (80 MiB):
# a safety net should the checkpointer fall behind.
BACKGROUND_AUTOCHECKPOINT_PAGES = 20_000
WRITE_OPTION = "safeguarding_write"
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def json_default(value: Any) -> Any:
    """What orjson does not take natively but ``json.dumps`` did: float/int subclasses
    (numpy scalars among them)."""
    if isinstance(value, float):
        return float(value)
    if isinstance(value, int):
        return int(value)
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_dumps(value: Any) -> str:
    """JSON columns through orjson: several times faster than ``json.dumps`` on ingest."""
    return orjson.dumps(value, default=json_default, option=_JSON_OPTIONS).decode()


def json_loads(text: str | bytes) -> Any:
    return orjson.loads(text)


# ``hide_parameters``: a failed statement's error names its SQL but never its bound values
# (message text, ids), so no traceback or log line can carry them.
JSON_ARGS: dict[str, Any] = {
    "json_serializer": json_dumps,
    "json_deserializer": json_loads,
    "hide_parameters": True,
}


def normalise_url(url: str) -> str:
    """Let users write ``postgresql://`` and still get the installed psycopg 3 driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def sqlite_file(engine: Engine) -> str | None:
    """The database file of an SQLite engine, or None (in memory, or another backend)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    return None if database in ("", ":memory:") else str(Path(database).expanduser())


def make_engine(
    url: str, *, sqlite_synchronous: str = "NORMAL", background_checkpoint: bool = False
) -> Engine:
    """Create an engine with the pragmas and pool that suit the backend.

    ``background_checkpoint`` (SQLite file): commits leave WAL checkpoints to a
    :class:`WalCheckpointer` thread instead of paying for them (copy and fsync) every
    ~1000 pages; durability is the same, a commit is in the WAL either way.
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # No pre-ping: it costs a round trip per checkout on the ingest path; stale
        # connections are recycled instead and a failed batch is retried by the client.
        return create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=10, **JSON_ARGS)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:")
    if not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if in_memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs, **JSON_ARGS)
    sync = sqlite_synchronous.upper()
    if sync not in ("NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"SQLite synchronous must be NORMAL, FULL or EXTRA, not {sync!r}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would defer BEGIN; take control of it.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not in_memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={sync}")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        # Read side: a larger page cache and memory-mapped reads; temp tables in memory.
        cur.execute("PRAGMA cache_size=-65536")  # 64 MiB
        cur.execute("PRAGMA temp_store=MEMORY")
        if not in_memory:
            cur.execute("PRAGMA mmap_size=268435456")  # 256 MiB
            if background_checkpoint:
                cur.execute(f"PRAGMA wal_autocheckpoint={BACKGROUND_AUTOCHECKPOINT_PAGES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Writers take the lock up front: a deferred read-then-write could fail with BUSY
        # instead of waiting when another process (the CLI) writes at the same time.
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class WalCheckpointer:
    """Checkpoints an SQLite WAL from a background thread, off the ingest path.

    Every ``interval`` seconds, when the WAL file has grown past ``min_bytes``, it runs a
    PASSIVE checkpoint (never blocks or waits for readers and the writer) on its own
    connection. The GIL is released while SQLite copies pages and fsyncs.
    """

    def __init__(self, path: str, *, interval: float = 0.05, min_bytes: int = 1 << 20) -> None:
        self.path = path
        self.wal = path + "-wal"
        self.interval = interval
        self.min_bytes = min_bytes
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        import sqlite3

        conn: sqlite3.Connection | None = None
        try:
            while not self._stop.wait(self.interval):
                try:
                    if os.path.getsize(self.wal) < self.min_bytes:
                        continue
                    if conn is None:
                        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except FileNotFoundError:
                    continue
                except sqlite3.Error as exc:
                    log.warning("background WAL checkpoint failed: %s", exc)
        finally:
            if conn is not None:
                conn.close()
