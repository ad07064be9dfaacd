"""Media banks: the media aggregate of the repository, one tenant at a time (banks, entries,
recorded matches, bank events, quarantine counters and the bank version).

Every statement filters on the tenant the store was opened for, so one tenant's key can never
list, change or match against another's banks, nor read its matches. Nothing here ever holds
media: only hashes, bank settings and the caller's content references. The media signal
source (``signals.media.MediaMatcher``) uses :class:`TenantMediaStore` through its
``BankStore`` interface; :meth:`MediaStore.media` opens it for a tenant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from safeguarding.domain import MediaBank, MediaBankEntry, MediaEntry, MediaMatchRecord
from safeguarding.storage.models import (
    MediaBankRow,
    MediaEntryRow,
    MediaEventRow,
    MediaMatchCount,
    MediaMatchRow,
    MediaState,
)
from safeguarding.storage.repository.base import RepositoryBase

WriteContext = Callable[[], AbstractContextManager[Connection]]
_ENTRY_BATCH = 5_000


class DuplicateBankError(ValueError):
    """The tenant already has a bank of that name."""


def _now() -> datetime:
    return datetime.now(UTC)


class MediaStore(RepositoryBase):
    """The media banks of every tenant, opened one tenant at a time."""

    def media(self, tenant_id: str) -> TenantMediaStore:
        """The media banks, entries and matches of one tenant."""
        return TenantMediaStore(self.engine, self._write, tenant_id)


class TenantMediaStore:
    """One tenant's media banks. Mutations of banks or entries raise the tenant's bank
    version in the same transaction (:meth:`version`), so a process can tell when another
    changed them."""

    def __init__(self, engine: Engine, write: WriteContext, tenant_id: str) -> None:
        self.engine = engine
        self._write = write
        self.tenant_id = tenant_id
        self._dialect_insert = (
            postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        )

    # --- version ---------------------------------------------------------------------------

    def version(self) -> int:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(MediaState.version).where(MediaState.tenant_id == self.tenant_id)
            ).scalar()
        return int(found or 0)

    def _bump(self, conn: Connection) -> None:
        stmt = self._dialect_insert(MediaState).values(tenant_id=self.tenant_id, version=1)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id"], set_={"version": MediaState.version + 1}
            )
        )

    # --- banks -----------------------------------------------------------------------------

    def _banks(self, conn: Connection, name: str | None = None) -> list[MediaBank]:
        b = MediaBankRow
        entries = (
            select(func.count()).where(MediaEntryRow.bank_id == b.id).correlate(b).scalar_subquery()
        )
        stmt = select(
            b.id,
            b.name,
            b.threshold,
            b.enabled,
            b.negative,
            b.dihedral,
            b.description,
            entries.label("entries"),
        ).where(b.tenant_id == self.tenant_id)
        if name is not None:
            stmt = stmt.where(b.name == name)
        return [
            MediaBank(
                name=r.name,
                threshold=r.threshold,
                enabled=bool(r.enabled),
                negative=bool(r.negative),
                dihedral=bool(r.dihedral),
                description=r.description,
                id=r.id,
                entries=int(r.entries),
            )
            for r in conn.execute(stmt.order_by(b.name))
        ]

    def list_banks(self) -> list[MediaBank]:
        with self.engine.connect() as conn:
            return self._banks(conn)

    def get_bank(self, name: str) -> MediaBank | None:
        with self.engine.connect() as conn:
            found = self._banks(conn, name)
        return found[0] if found else None

    def create_bank(self, bank: MediaBank) -> MediaBank:
        """Create a bank (name and settings already checked); :class:`DuplicateBankError`."""
        try:
            with self._write() as conn:
                conn.execute(
                    insert(MediaBankRow).values(
                        tenant_id=self.tenant_id,
                        name=bank.name,
                        threshold=bank.threshold,
                        enabled=bank.enabled,
                        negative=bank.negative,
                        dihedral=bank.dihedral,
                        description=bank.description,
                        created_at=_now(),
                    )
                )
                self._bump(conn)
        except IntegrityError as exc:
            raise DuplicateBankError(f"bank {bank.name!r} already exists") from exc
        created = self.get_bank(bank.name)
        assert created is not None
        return created

    def update_bank(self, name: str, **changes: Any) -> MediaBank | None:
        """Change ``enabled``, ``threshold``, ``negative`` or ``dihedral``; None: no such bank."""
        values = {k: v for k, v in changes.items() if v is not None}
        if values:
            with self._write() as conn:
                conn.execute(
                    update(MediaBankRow)
                    .where(MediaBankRow.tenant_id == self.tenant_id, MediaBankRow.name == name)
                    .values(**values)
                )
                self._bump(conn)
        return self.get_bank(name)

    def delete_bank(self, name: str) -> None:
        """Delete a bank and its entries (an import that failed as a whole leaves nothing)."""
        with self._write() as conn:
            bank_id = select(MediaBankRow.id).where(
                MediaBankRow.tenant_id == self.tenant_id, MediaBankRow.name == name
            )
            conn.execute(
                delete(MediaEntryRow).where(
                    MediaEntryRow.tenant_id == self.tenant_id,
                    MediaEntryRow.bank_id.in_(bank_id.scalar_subquery()),
                )
            )
            conn.execute(
                delete(MediaBankRow).where(
                    MediaBankRow.tenant_id == self.tenant_id, MediaBankRow.name == name
                )
            )
            self._bump(conn)

    # --- entries ---------------------------------------------------------------------------

    def _entry_select(self) -> Any:
        e = MediaEntryRow
        return (
            select(
                e.id,
                MediaBankRow.name.label("bank"),
                e.hash_type,
                e.value,
                e.wildcard,
                e.disabled,
                e.quarantined,
                e.note,
                e.disabled_reason,
                e.quarantine_reason,
            )
            .join(MediaBankRow, MediaBankRow.id == e.bank_id)
            .where(e.tenant_id == self.tenant_id)
        )

    @staticmethod
    def _entry(row: Any) -> MediaEntry:
        # positional unpacking: reading a row's fields by name costs several times more, and
        # a tenant's whole bank is read this way when its index is built
        (entry_id, bank, hash_type, value, wildcard, disabled, quarantined, note, why_disabled,
         why_quarantined) = row  # fmt: skip
        return MediaEntry(
            entry_id,
            bank,
            hash_type,
            value,
            bool(wildcard),
            bool(disabled),
            bool(quarantined),
            note,
            why_quarantined if quarantined else why_disabled,
        )

    def add_entries(self, bank: str, entries: Sequence[MediaBankEntry]) -> list[MediaEntry]:
        """Insert entries, skipping those the bank already holds; returns the ones added."""
        found = self.get_bank(bank)
        if found is None:
            raise KeyError(bank)
        added_at = _now()
        rows = [
            {
                "tenant_id": self.tenant_id,
                "bank_id": found.id,
                "hash_type": e.hash_type,
                "value": e.value,
                "quality": e.quality,
                "wildcard": e.wildcard,
                "note": e.note,
                "disabled": False,
                "quarantined": False,
                "added_at": added_at,
            }
            for e in entries
        ]
        stmt = (
            self._dialect_insert(MediaEntryRow)
            .on_conflict_do_nothing()
            .returning(
                MediaEntryRow.id,
                MediaEntryRow.hash_type,
                MediaEntryRow.value,
                MediaEntryRow.wildcard,
                MediaEntryRow.note,
            )
        )
        added: list[MediaEntry] = []
        with self._write() as conn:
            for start in range(0, len(rows), _ENTRY_BATCH):
                chunk = rows[start : start + _ENTRY_BATCH]
                added.extend(
                    MediaEntry(r.id, bank, r.hash_type, r.value, bool(r.wildcard), note=r.note)
                    for r in conn.execute(stmt, chunk)
                )
            if added:
                self._bump(conn)
        added.sort(key=lambda e: e.id)
        return added

    def iter_entries(self) -> Iterator[MediaEntry]:
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=50_000).execute(
                self._entry_select().order_by(MediaEntryRow.id)
            )
            for row in result:
                yield self._entry(row)

    def find_entries(self, hash_type: str, value: str, bank: str | None = None) -> list[MediaEntry]:
        stmt = self._entry_select().where(
            MediaEntryRow.hash_type == hash_type, MediaEntryRow.value == value
        )
        if bank is not None:
            stmt = stmt.where(MediaBankRow.name == bank)
        with self.engine.connect() as conn:
            return [self._entry(r) for r in conn.execute(stmt)]

    def get_entry(self, entry_id: int) -> MediaEntry | None:
        with self.engine.connect() as conn:
            row = conn.execute(self._entry_select().where(MediaEntryRow.id == entry_id)).first()
        return self._entry(row) if row else None

    def quarantined_entries(self) -> list[MediaEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                self._entry_select()
                .where(MediaEntryRow.quarantined.is_(True))
                .order_by(MediaEntryRow.id)
            )
            return [self._entry(r) for r in rows]

    def set_disabled(self, entry_ids: Sequence[int], disabled: bool, reason: str | None) -> None:
        self._set_flag(entry_ids, disabled=disabled, disabled_reason=reason)

    def set_quarantined(
        self, entry_ids: Sequence[int], quarantined: bool, reason: str | None
    ) -> None:
        self._set_flag(entry_ids, quarantined=quarantined, quarantine_reason=reason)
        if not quarantined:  # released: its match rate is counted afresh
            with self._write() as conn:
                conn.execute(
                    delete(MediaMatchCount).where(
                        MediaMatchCount.tenant_id == self.tenant_id,
                        MediaMatchCount.entry_id.in_(list(entry_ids)),
                    )
                )

    def _set_flag(self, entry_ids: Sequence[int], **values: Any) -> None:
        with self._write() as conn:
            conn.execute(
                update(MediaEntryRow)
                .where(
                    MediaEntryRow.tenant_id == self.tenant_id,
                    MediaEntryRow.id.in_(list(entry_ids)),
                )
                .values(**values)
            )
            self._bump(conn)

    # --- matches, counters and events ------------------------------------------------------

    def record_matches(self, records: Sequence[MediaMatchRecord]) -> list[MediaMatchRecord]:
        """Store matches; returns them with their ids, in the order given."""
        if not records:
            return []
        out: list[MediaMatchRecord] = []
        with self._write() as conn:
            for r in records:
                new_id = conn.execute(
                    insert(MediaMatchRow)
                    .values(
                        tenant_id=self.tenant_id,
                        at=r.at,
                        bank=r.bank,
                        entry_id=r.entry_id,
                        hash_type=r.hash_type,
                        query_hash=r.query_hash,
                        distance=r.distance,
                        content_ref=r.content_ref,
                        negative=r.negative,
                        suppressed_by=r.suppressed_by,
                        variant=r.variant,
                        context=r.context,
                    )
                    .returning(MediaMatchRow.id)
                ).scalar_one()
                out.append(replace(r, id=new_id))
        return out

    def list_matches(self, *, limit: int = 100, bank: str | None = None) -> list[MediaMatchRecord]:
        m = MediaMatchRow
        stmt = select(MediaMatchRow.__table__).where(m.tenant_id == self.tenant_id)
        if bank is not None:
            stmt = stmt.where(m.bank == bank)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.order_by(m.id.desc()).limit(limit)).all()
        return [
            MediaMatchRecord(
                bank=r.bank,
                entry_id=r.entry_id,
                hash_type=r.hash_type,
                query_hash=r.query_hash,
                distance=r.distance,
                content_ref=r.content_ref,
                at=r.at,
                negative=r.negative,
                suppressed_by=r.suppressed_by,
                context=r.context,
                variant=r.variant,
                id=r.id,
            )
            for r in rows
        ]

    def count_match(self, entry_id: int, window_index: int, oldest: int) -> dict[int, int]:
        """Count one match of ``entry_id`` in ``window_index``; forget windows before
        ``oldest``; return the entry's counts by window (every process counts together)."""
        c = MediaMatchCount
        key = (c.tenant_id == self.tenant_id, c.entry_id == entry_id)
        with self._write() as conn:
            conn.execute(
                self._dialect_insert(c)
                .values(
                    tenant_id=self.tenant_id,
                    entry_id=entry_id,
                    window_index=window_index,
                    matches=1,
                )
                .on_conflict_do_update(
                    index_elements=["tenant_id", "entry_id", "window_index"],
                    set_={"matches": c.matches + 1},
                )
            )
            conn.execute(delete(c).where(*key, c.window_index < oldest))
            rows = conn.execute(select(c.window_index, c.matches).where(*key)).all()
        return {int(r.window_index): int(r.matches) for r in rows}

    def record_event(self, kind: str, detail: dict[str, Any]) -> None:
        with self._write() as conn:
            conn.execute(
                insert(MediaEventRow).values(
                    tenant_id=self.tenant_id, at=_now(), kind=kind, detail=detail
                )
            )

    def list_events(self, *, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        e = MediaEventRow
        stmt = select(MediaEventRow.__table__).where(e.tenant_id == self.tenant_id)
        if kind is not None:
            stmt = stmt.where(e.kind == kind)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.order_by(e.id.desc()).limit(limit)).all()
        return [{"at": r.at.isoformat(), "kind": r.kind, **r.detail} for r in rows]

    def close(self) -> None:
        """The repository owns the engine; nothing to close here."""


def purge_media_matches(conn: Connection, cutoff: datetime, *, dry_run: bool) -> int:
    """Delete recorded matches older than ``cutoff`` (they carry content references and
    conversation ids), every tenant; returns how many (would have been) deleted."""
    old = MediaMatchRow.at < cutoff
    count = int(
        conn.execute(select(func.count()).select_from(MediaMatchRow).where(old)).scalar_one()
    )
    if not dry_run and count:
        conn.execute(delete(MediaMatchRow).where(old))
    return count
