"""Administration of one tenant's banks: create, update, import, disable and release hashes.

The base of :class:`~safeguarding.signals.media.matcher.MediaMatcher`: every change is written
to the store and applied to the matcher's in-memory index at once; the store's bank version
tells when another process changed the banks too (then the index is rebuilt).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import Any, TextIO

from safeguarding.domain import (
    DEFAULT_PDQ_THRESHOLD,
    MediaBank,
    MediaBankEntry,
    MediaEntry,
    MediaMatchRecord,
)
from safeguarding.signals.media.banks import (
    BankFormat,
    ImportReport,
    LineError,
    check_bank_name,
    check_threshold,
    guess_format,
    read_entries,
)
from safeguarding.signals.media.errors import BankError
from safeguarding.signals.media.hashes import HashType, parse_hash_literal
from safeguarding.signals.media.store import BankStore
from safeguarding.signals.media.urls import canonicalise_url

IMPORT_BATCH = 50_000


class BankAdministration:
    """Bank and per-hash controls over a :class:`BankStore`; the matcher builds the index."""

    store: BankStore
    _lock: AbstractContextManager[Any]
    _version: int
    _banks: dict[str, MediaBank]
    _bank_by_tag: dict[int, MediaBank]
    _inactive: dict[int, str]  # entry id -> why it is not matched (disabled, quarantined)

    def reload(self) -> None:
        """Rebuild the in-memory index from the store (the matcher's)."""
        raise NotImplementedError

    def _index_new(self, entries: Sequence[MediaEntry]) -> None:
        """Add new entries to the in-memory index (the matcher's)."""
        raise NotImplementedError

    def _after_write(self, *, changed: bool = True) -> None:
        """After this matcher's own change (already applied in memory): adopt the new version,
        or rebuild when another process changed the banks too. ``changed``: the store raised
        the version for this write (False when there was nothing to change)."""
        version = self.store.version()
        with self._lock:
            if version == self._version + int(changed):
                self._version = version
                return
        self.reload()

    # --- banks ------------------------------------------------------------------------------

    def banks(self) -> list[MediaBank]:
        return self.store.list_banks()

    def bank(self, name: str) -> MediaBank:
        found = self.store.get_bank(name)
        if found is None:
            raise BankError(f"no bank named {name!r}")
        return found

    def create_bank(
        self,
        name: str,
        *,
        threshold: int = DEFAULT_PDQ_THRESHOLD,
        negative: bool = False,
        dihedral: bool = False,
        description: str = "",
    ) -> MediaBank:
        check_bank_name(name)
        check_threshold(threshold)
        if self.store.get_bank(name) is not None:
            raise BankError(f"bank {name!r} already exists")
        try:
            bank = self.store.create_bank(
                MediaBank(
                    name,
                    threshold=threshold,
                    negative=negative,
                    dihedral=dihedral,
                    description=description,
                )
            )
        except ValueError as exc:  # created by another process meanwhile
            raise BankError(str(exc)) from exc
        self._refresh_bank(bank)
        return bank

    def update_bank(
        self,
        name: str,
        *,
        enabled: bool | None = None,
        threshold: int | None = None,
        negative: bool | None = None,
        dihedral: bool | None = None,
    ) -> MediaBank:
        if threshold is not None:
            check_threshold(threshold)
        changes = {
            "enabled": enabled,
            "threshold": threshold,
            "negative": negative,
            "dihedral": dihedral,
        }
        bank = self.store.update_bank(name, **changes)
        if bank is None:
            raise BankError(f"no bank named {name!r}")
        self._refresh_bank(bank, changed=any(v is not None for v in changes.values()))
        return bank

    def _refresh_bank(self, bank: MediaBank, *, changed: bool = True) -> None:
        with self._lock:
            self._banks = {**self._banks, bank.name: bank}
            self._bank_by_tag = {**self._bank_by_tag, bank.id: bank}
        self._after_write(changed=changed)

    def import_bank(
        self,
        name: str,
        source: str | Path | Iterable[str],
        *,
        fmt: BankFormat | str = BankFormat.AUTO,
        threshold: int | None = None,
        negative: bool | None = None,
        dihedral: bool | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Import a bank file (creating the bank if needed). Bad lines are reported, not fatal.

        The format is settled before anything is written; a new bank that ends up with no
        entry (every line bad, an empty file, or an error part-way) is removed again, so a
        failed import leaves nothing behind. ``progress`` gets the number of lines read so far.
        """
        check_bank_name(name)
        if threshold is not None:
            check_threshold(threshold)
        with _open_lines(source) as lines:
            counted = _CountingLines(lines)
            fmt = BankFormat(fmt)
            head = list(islice(counted, 20))
            if fmt is BankFormat.AUTO:
                fmt = guess_format(head)
            bank = self.store.get_bank(name)
            created = bank is None
            if bank is None:
                bank = self.create_bank(
                    name,
                    threshold=DEFAULT_PDQ_THRESHOLD if threshold is None else threshold,
                    negative=bool(negative),
                    dihedral=bool(dihedral),
                )
            elif threshold is not None or negative is not None or dihedral is not None:
                bank = self.update_bank(
                    name, threshold=threshold, negative=negative, dihedral=dihedral
                )
            try:
                report = self._import_lines(bank, chain(head, counted), counted, fmt, progress)
            except BaseException:
                if created:
                    self._drop_bank(name)
                raise
        if created and report.added == 0:
            self._drop_bank(name)
            first = "; ".join(str(e) for e in report.errors[:3])
            raise BankError(
                f"nothing imported into the new bank {name!r}: {len(report.errors)} bad lines"
                + (f" ({first})" if first else ", no entries")
            )
        return report

    def _drop_bank(self, name: str) -> None:
        self.store.delete_bank(name)
        self.reload()

    def _import_lines(
        self,
        bank: MediaBank,
        lines: Iterable[str],
        counted: _CountingLines,
        fmt: BankFormat,
        progress: Callable[[int], None] | None,
    ) -> ImportReport:
        report = ImportReport(bank=bank.name, format=fmt.value)
        batch: list[MediaBankEntry] = []
        for item in read_entries(lines, fmt):
            if isinstance(item, LineError):
                report.errors.append(item)
                continue
            batch.append(item)
            if len(batch) >= IMPORT_BATCH:
                self._store_batch(bank, batch, report)
                batch = []
                if progress:
                    progress(counted.count)
        self._store_batch(bank, batch, report)
        report.lines = counted.count
        if progress:
            progress(counted.count)
        self.store.record_event(
            "bank_import",
            {"bank": bank.name, "added": report.added, "errors": len(report.errors)},
        )
        return report

    def _store_batch(
        self, bank: MediaBank, batch: list[MediaBankEntry], report: ImportReport
    ) -> None:
        if not batch:
            return
        added = self.store.add_entries(bank.name, batch)
        report.added += len(added)
        report.duplicates += len(batch) - len(added)
        self._index_new(added)
        self._after_write(changed=bool(added))

    # --- per-hash controls ------------------------------------------------------------------

    def find_entries(self, hash_literal: str, bank: str | None = None) -> list[MediaEntry]:
        """Entries holding a hash typed as ``pdq:HEX``/``md5:HEX``/``sha256:HEX``/bare hex/URL."""
        if hash_literal.lower().startswith("url:"):
            value = canonicalise_url(hash_literal[4:])
            return self.store.find_entries(HashType.URL.value, value, bank)
        found: list[MediaEntry] = []
        for parsed in parse_hash_literal(hash_literal):
            found.extend(self.store.find_entries(parsed.hash_type.value, parsed.value, bank))
        return found

    def set_hash_disabled(
        self,
        hash_literal: str,
        disabled: bool,
        *,
        bank: str | None = None,
        reason: str | None = None,
    ) -> list[MediaEntry]:
        """Disable (false positive) or re-enable a hash in one bank or all banks holding it."""
        entries = self.find_entries(hash_literal, bank)
        if not entries:
            raise BankError(f"no bank entry holds {hash_literal!r}")
        ids = [e.id for e in entries]
        self.store.set_disabled(ids, disabled, reason)
        with self._lock:
            for entry in entries:
                if disabled:
                    self._inactive[entry.id] = f"disabled ({reason or 'no reason given'})"
                elif not entry.quarantined:
                    self._inactive.pop(entry.id, None)
        self._after_write()
        self.store.record_event(
            "hash_disabled" if disabled else "hash_enabled", {"entries": ids, "reason": reason}
        )
        return entries

    def release_quarantine(self, hash_literal: str, *, bank: str | None = None) -> list[MediaEntry]:
        """A person confirmed the hash is fine to match again; its match rate starts afresh."""
        entries = [e for e in self.find_entries(hash_literal, bank) if e.quarantined]
        if entries:
            ids = [e.id for e in entries]
            self.store.set_quarantined(ids, False, None)
            with self._lock:
                for entry in entries:
                    if not entry.disabled:
                        self._inactive.pop(entry.id, None)
            self._after_write()
            self.store.record_event("quarantine_released", {"entries": ids})
        return entries

    def quarantined(self) -> list[MediaEntry]:
        return self.store.quarantined_entries()

    def matches(self, *, limit: int = 100, bank: str | None = None) -> list[MediaMatchRecord]:
        """Recorded matches of this tenant, newest first."""
        return self.store.list_matches(limit=limit, bank=bank)


class _CountingLines:
    """Iterates lines and counts them, for progress and the report."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.count = 0

    def __iter__(self) -> _CountingLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        return line


@contextmanager
def _open_lines(source: str | Path | Iterable[str]) -> Iterator[Iterable[str]]:
    """Lines of a bank file (path) or of an iterable of lines; :class:`BankError` if unreadable."""
    if not isinstance(source, str | Path):
        yield source
        return
    try:
        handle: TextIO = open(source, encoding="utf-8-sig", errors="replace", newline="")  # noqa: SIM115
    except OSError as exc:
        raise BankError(f"cannot read {source}: {exc.strerror or exc}") from exc
    with handle:
        yield handle
