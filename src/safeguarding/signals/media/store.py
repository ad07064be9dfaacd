"""Persistence of banks, entries, recorded matches and quarantine events.

:class:`BankStore` is the small interface the matcher uses, so the service can later swap the
bundled :class:`SqliteBankStore` for PostgreSQL. Nothing here ever holds media: only hashes,
bank metadata and the caller's content references.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from safeguarding.signals.media.banks import (
    Bank,
    BankEntry,
    StoredEntry,
    check_bank_name,
    check_threshold,
)
from safeguarding.signals.media.errors import BankError
from safeguarding.signals.media.hashes import HashType


@dataclass(slots=True, frozen=True)
class MatchRecord:
    """One recorded match: bank, distance and the content reference, never the content."""

    bank: str
    entry_id: int
    hash_type: str
    query_hash: str
    distance: int
    content_ref: str | None
    at: float  # unix seconds
    negative: bool = False
    suppressed_by: str | None = None
    context: dict[str, Any] | None = None  # conversation id, message index, sender
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": datetime.fromtimestamp(self.at, UTC).isoformat(),
            "bank": self.bank,
            "entry_id": self.entry_id,
            "hash_type": self.hash_type,
            "query_hash": self.query_hash,
            "distance": self.distance,
            "content_ref": self.content_ref,
            "negative": self.negative,
            "suppressed_by": self.suppressed_by,
            "context": self.context,
        }


class BankStore(Protocol):
    """What the matcher needs from storage."""

    def create_bank(
        self, name: str, *, threshold: int, negative: bool, description: str = ""
    ) -> Bank: ...
    def get_bank(self, name: str) -> Bank | None: ...
    def list_banks(self) -> list[Bank]: ...
    def update_bank(
        self,
        name: str,
        *,
        enabled: bool | None = None,
        threshold: int | None = None,
        negative: bool | None = None,
    ) -> Bank: ...
    def add_entries(self, bank: str, entries: Iterable[BankEntry]) -> list[StoredEntry]: ...
    def iter_entries(self, hash_type: HashType | None = None) -> Iterator[StoredEntry]: ...
    def find_entries(
        self, hash_type: HashType, value: str, bank: str | None = None
    ) -> list[StoredEntry]: ...
    def set_disabled(self, entry_id: int, disabled: bool, reason: str | None = None) -> None: ...
    def set_quarantined(
        self, entry_id: int, quarantined: bool, reason: str | None = None
    ) -> None: ...
    def record_match(self, record: MatchRecord) -> MatchRecord: ...
    def list_matches(
        self, *, limit: int = 100, bank: str | None = None, since: float | None = None
    ) -> list[MatchRecord]: ...
    def record_event(self, kind: str, detail: dict[str, Any]) -> None: ...
    def list_events(self, *, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]: ...
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS banks (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    threshold INTEGER NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    negative INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    bank_id INTEGER NOT NULL REFERENCES banks(id),
    hash_type TEXT NOT NULL,
    value TEXT NOT NULL,
    quality INTEGER,
    wildcard INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    quarantined INTEGER NOT NULL DEFAULT 0,
    quarantine_reason TEXT,
    added_at TEXT NOT NULL,
    UNIQUE (bank_id, hash_type, value, wildcard)
);
CREATE INDEX IF NOT EXISTS entries_value ON entries (hash_type, value);
CREATE TABLE IF NOT EXISTS matches (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    bank TEXT NOT NULL,
    entry_id INTEGER NOT NULL,
    hash_type TEXT NOT NULL,
    query_hash TEXT NOT NULL,
    distance INTEGER NOT NULL,
    content_ref TEXT,
    negative INTEGER NOT NULL DEFAULT 0,
    suppressed_by TEXT,
    context TEXT
);
CREATE INDEX IF NOT EXISTS matches_at ON matches (at);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""

_ENTRY_COLUMNS = (
    "entries.id, banks.name, entries.hash_type, entries.value, entries.wildcard, "
    "entries.disabled, entries.quarantined, entries.note"
)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _entry(row: sqlite3.Row | tuple[Any, ...]) -> StoredEntry:
    return StoredEntry(
        id=row[0],
        bank=row[1],
        hash_type=HashType(row[2]),
        value=row[3],
        wildcard=bool(row[4]),
        disabled=bool(row[5]),
        quarantined=bool(row[6]),
        note=row[7],
    )


class SqliteBankStore:
    """A single SQLite file (WAL mode); safe to share between threads of one process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- banks ------------------------------------------------------------------------------

    def create_bank(
        self, name: str, *, threshold: int, negative: bool, description: str = ""
    ) -> Bank:
        check_bank_name(name)
        check_threshold(threshold)
        with self._lock, self._db:
            try:
                self._db.execute(
                    "INSERT INTO banks (name, threshold, negative, description, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name, threshold, int(negative), description, _now()),
                )
            except sqlite3.IntegrityError as exc:
                raise BankError(f"bank {name!r} already exists") from exc
        bank = self.get_bank(name)
        assert bank is not None
        return bank

    def _bank_query(self, where: str = "", params: tuple[Any, ...] = ()) -> list[Bank]:
        with self._lock:
            rows = self._db.execute(
                "SELECT b.id, b.name, b.threshold, b.enabled, b.negative, b.description,"
                " (SELECT COUNT(*) FROM entries e WHERE e.bank_id = b.id)"
                f" FROM banks b {where} ORDER BY b.name",
                params,
            ).fetchall()
        return [
            Bank(
                name=r[1],
                threshold=r[2],
                enabled=bool(r[3]),
                negative=bool(r[4]),
                description=r[5],
                id=r[0],
                entries=r[6],
            )
            for r in rows
        ]

    def get_bank(self, name: str) -> Bank | None:
        found = self._bank_query("WHERE b.name = ?", (name,))
        return found[0] if found else None

    def list_banks(self) -> list[Bank]:
        return self._bank_query()

    def update_bank(
        self,
        name: str,
        *,
        enabled: bool | None = None,
        threshold: int | None = None,
        negative: bool | None = None,
    ) -> Bank:
        changes: dict[str, int] = {}
        if enabled is not None:
            changes["enabled"] = int(enabled)
        if threshold is not None:
            changes["threshold"] = check_threshold(threshold)
        if negative is not None:
            changes["negative"] = int(negative)
        with self._lock, self._db:
            if changes:
                sets = ", ".join(f"{column} = ?" for column in changes)
                self._db.execute(
                    f"UPDATE banks SET {sets} WHERE name = ?", (*changes.values(), name)
                )
        bank = self.get_bank(name)
        if bank is None:
            raise BankError(f"no bank named {name!r}")
        return bank

    # --- entries ----------------------------------------------------------------------------

    def add_entries(self, bank: str, entries: Iterable[BankEntry]) -> list[StoredEntry]:
        """Insert entries, skipping ones the bank already holds; returns those added."""
        found = self.get_bank(bank)
        if found is None:
            raise BankError(f"no bank named {bank!r}")
        added_at = _now()
        rows = [
            (found.id, e.hash_type.value, e.value, e.quality, int(e.wildcard), e.note, added_at)
            for e in entries
        ]
        with self._lock, self._db:
            (last_id,) = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()
            self._db.executemany(
                "INSERT OR IGNORE INTO entries"
                " (bank_id, hash_type, value, quality, wildcard, note, added_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            new = self._db.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries JOIN banks ON banks.id = entries.bank_id"
                " WHERE entries.id > ? ORDER BY entries.id",
                (last_id,),
            ).fetchall()
        return [_entry(r) for r in new]

    def iter_entries(self, hash_type: HashType | None = None) -> Iterator[StoredEntry]:
        sql = f"SELECT {_ENTRY_COLUMNS} FROM entries JOIN banks ON banks.id = entries.bank_id"
        params: tuple[Any, ...] = ()
        if hash_type is not None:
            sql += " WHERE entries.hash_type = ?"
            params = (hash_type.value,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY entries.id", params).fetchall()
        return (_entry(r) for r in rows)

    def find_entries(
        self, hash_type: HashType, value: str, bank: str | None = None
    ) -> list[StoredEntry]:
        sql = (
            f"SELECT {_ENTRY_COLUMNS} FROM entries JOIN banks ON banks.id = entries.bank_id"
            " WHERE entries.hash_type = ? AND entries.value = ?"
        )
        params: tuple[Any, ...] = (hash_type.value, value)
        if bank is not None:
            sql += " AND banks.name = ?"
            params += (bank,)
        with self._lock:
            return [_entry(r) for r in self._db.execute(sql, params).fetchall()]

    def get_entry(self, entry_id: int) -> StoredEntry | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries JOIN banks ON banks.id = entries.bank_id"
                " WHERE entries.id = ?",
                (entry_id,),
            ).fetchone()
        return _entry(row) if row else None

    def set_disabled(self, entry_id: int, disabled: bool, reason: str | None = None) -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE entries SET disabled = ?, disabled_reason = ? WHERE id = ?",
                (int(disabled), reason, entry_id),
            )

    def set_quarantined(self, entry_id: int, quarantined: bool, reason: str | None = None) -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE entries SET quarantined = ?, quarantine_reason = ? WHERE id = ?",
                (int(quarantined), reason, entry_id),
            )

    # --- matches and events -----------------------------------------------------------------

    def record_match(self, record: MatchRecord) -> MatchRecord:
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO matches (at, bank, entry_id, hash_type, query_hash, distance,"
                " content_ref, negative, suppressed_by, context) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    record.at,
                    record.bank,
                    record.entry_id,
                    record.hash_type,
                    record.query_hash,
                    record.distance,
                    record.content_ref,
                    int(record.negative),
                    record.suppressed_by,
                    json.dumps(record.context) if record.context else None,
                ),
            )
        return replace(record, id=cursor.lastrowid)

    def list_matches(
        self, *, limit: int = 100, bank: str | None = None, since: float | None = None
    ) -> list[MatchRecord]:
        clauses: list[str] = []
        params: list[Any] = []
        if bank is not None:
            clauses.append("bank = ?")
            params.append(bank)
        if since is not None:
            clauses.append("at >= ?")
            params.append(since)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, at, bank, entry_id, hash_type, query_hash, distance, content_ref,"
                f" negative, suppressed_by, context FROM matches {where}"
                " ORDER BY id DESC LIMIT ?",
                (*params, limit),
            ).fetchall()
        return [
            MatchRecord(
                id=r[0],
                at=r[1],
                bank=r[2],
                entry_id=r[3],
                hash_type=r[4],
                query_hash=r[5],
                distance=r[6],
                content_ref=r[7],
                negative=bool(r[8]),
                suppressed_by=r[9],
                context=json.loads(r[10]) if r[10] else None,
            )
            for r in rows
        ]

    def record_event(self, kind: str, detail: dict[str, Any]) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO events (at, kind, detail) VALUES (?, ?, ?)",
                (_now(), kind, json.dumps(detail)),
            )

    def list_events(self, *, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        where, params = ("WHERE kind = ?", (kind,)) if kind else ("", ())
        with self._lock:
            rows = self._db.execute(
                f"SELECT at, kind, detail FROM events {where} ORDER BY id DESC LIMIT ?",
                (*params, limit),
            ).fetchall()
        return [{"at": r[0], "kind": r[1], **json.loads(r[2])} for r in rows]
