"""Hash exchanges: keep a bank in sync with NCMEC's hash sharing API, Meta ThreatExchange or
a plain HTTPS list, on a schedule.

The raw clients are python-threatexchange's (``NCMECHashAPI``, ``ThreatExchangeAPI``); this
module only adapts what they return to bank entries, as HMA does: each adapter fetches the
changes since its checkpoint (incremental), hands additions and retractions to a
:class:`BankWriter`, and sends feedback (seen / false positive) where the exchange takes it.
Banks are written through the small :class:`BankWriter` interface (:class:`BankStoreWriter`
adapts a tenant's ``BankStore`` in the service database), and each exchange's checkpoint is
kept as a bank event of the tenant. Nothing here ever handles media, only hashes.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
from threatexchange.exchanges.clients.fb_threatexchange.api import ThreatExchangeAPI
from threatexchange.exchanges.clients.fb_threatexchange.threat_updates import ThreatUpdateJSON
from threatexchange.exchanges.clients.ncmec import hash_api as ncmec

from safeguarding.domain import MediaBankEntry, MediaEntry
from safeguarding.signals.media.banks import BankFormat, LineError, read_entries
from safeguarding.signals.media.errors import MediaError
from safeguarding.signals.media.hashes import HashType, normalise_hex, parse_hash_type
from safeguarding.signals.media.store import BankStore

log = logging.getLogger("safeguarding.media.exchanges")
FEEDBACK = ("seen", "false_positive")


@dataclass(frozen=True, slots=True)
class ExchangeEntry:
    """One hash from an exchange; ``source_id`` is the exchange's id of it (for feedback)."""

    hash_type: HashType
    value: str
    source_id: str
    wildcard: bool = False


@dataclass(slots=True)
class Delta:
    """What one fetch changed: hashes added and hashes the exchange retracted."""

    added: list[ExchangeEntry] = field(default_factory=list)
    removed: list[ExchangeEntry] = field(default_factory=list)
    removed_sources: list[str] = field(default_factory=list)  # retracted by the exchange's id
    full_list: bool = False  # ``added`` is the whole list: whatever else came from it goes
    skipped: int = 0  # fingerprints of kinds the banks do not hold (PhotoDNA, TMK...)
    checkpoint: dict[str, Any] = field(default_factory=dict)


class BankWriter(Protocol):
    """Where synced hashes go: add (re-enabling a hash that comes back), remove by hash,
    remove by the exchange's id (NCMEC's deleted entries name only their id), and keep only
    a full list's entries (a plain list's retractions)."""

    def add(self, bank: str, entries: Sequence[ExchangeEntry], source: str) -> int: ...
    def remove(self, bank: str, entries: Sequence[ExchangeEntry], source: str) -> int: ...
    def remove_sources(self, bank: str, source_ids: Sequence[str], source: str) -> int: ...
    def retain(self, bank: str, entries: Sequence[ExchangeEntry], source: str) -> int: ...


class Exchange(Protocol):
    name: str
    bank: str

    def fetch(self, checkpoint: dict[str, Any]) -> Delta: ...
    def feedback(self, source_id: str, hash_type: HashType, kind: str) -> None: ...


class BankStoreWriter:
    """A :class:`BankWriter` over a tenant's ``BankStore``: removal disables the entry (it
    stops matching; its history stays). Entries from an exchange carry
    ``<exchange>:<source id>`` as their note."""

    def __init__(self, store: BankStore) -> None:
        self.store = store

    def add(self, bank: str, entries: Sequence[ExchangeEntry], source: str) -> int:
        added = self.store.add_entries(
            bank,
            [
                MediaBankEntry(
                    e.hash_type.value, e.value, note=f"{source}:{e.source_id}", wildcard=e.wildcard
                )
                for e in entries
            ],
        )
        revive = [
            stored.id
            for e in entries
            for stored in self.store.find_entries(e.hash_type.value, e.value, bank)
            if stored.disabled
        ]
        if revive:
            self.store.set_disabled(revive, False, f"listed again by {source}")
        return len(added) + len(revive)

    def _disable(self, ids: list[int], source: str) -> int:
        if ids:
            self.store.set_disabled(ids, True, f"retracted by {source}")
        return len(ids)

    def remove(self, bank: str, entries: Sequence[ExchangeEntry], source: str) -> int:
        ids = [
            stored.id
            for e in entries
            for stored in self.store.find_entries(e.hash_type.value, e.value, bank)
            if not stored.disabled
        ]
        return self._disable(ids, source)

    def _from_source(self, bank: str, source: str) -> Iterator[MediaEntry]:
        """This bank's active entries synced from ``source`` (a scan: notes have no index)."""
        prefix = f"{source}:"
        for stored in self.store.iter_entries():
            if (
                stored.bank == bank
                and not stored.disabled
                and (stored.note or "").startswith(prefix)
            ):
                yield stored

    def remove_sources(self, bank: str, source_ids: Sequence[str], source: str) -> int:
        notes = {f"{source}:{sid}" for sid in source_ids}
        return self._disable(
            [e.id for e in self._from_source(bank, source) if e.note in notes], source
        )

    def retain(self, bank: str, entries: Sequence[ExchangeEntry], source: str) -> int:
        keep = {(e.hash_type.value, e.value, e.wildcard) for e in entries}
        gone = [
            e.id
            for e in self._from_source(bank, source)
            if (e.hash_type, e.value, e.wildcard) not in keep
        ]
        return self._disable(gone, source)


class EventCheckpoints:
    """Each exchange's checkpoint as a bank event of the tenant (kind ``exchange_checkpoint``);
    the newest one per exchange counts."""

    KIND = "exchange_checkpoint"

    def __init__(self, store: BankStore, scan: int = 10_000) -> None:
        self.store = store
        self.scan = scan

    def load(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for event in self.store.list_events(kind=self.KIND, limit=self.scan):  # newest first
            found.setdefault(str(event.get("exchange")), dict(event.get("checkpoint") or {}))
        return found

    def save(self, name: str, checkpoint: dict[str, Any]) -> None:
        self.store.record_event(self.KIND, {"exchange": name, "checkpoint": checkpoint})


# --- NCMEC hash sharing ----------------------------------------------------------------------

_NCMEC_TYPES = {"pdq": HashType.PDQ, "md5": HashType.MD5}
_NCMEC_FEEDBACK_TYPES = {
    HashType.PDQ: ncmec.FingerprintType.pdq,
    HashType.MD5: ncmec.FingerprintType.md5,
}


class _NcmecApi(ncmec.NCMECHashAPI):
    """python-threatexchange's client, pointed at any base URL (a test environment's, or a
    local fake's), not only its named environments."""

    def __init__(self, username: str, password: str, base_url: str) -> None:
        super().__init__(username, password, ncmec.NCMECEnvironment.test_Industry)
        self._base_url = base_url.rstrip("/")


class NcmecHashExchange:
    """NCMEC's hash sharing API: entries changed since the last fetch's end time; deleted
    entries retract their fingerprints; feedback is an upvote (seen) or downvote (false
    positive) of the entry's fingerprint."""

    def __init__(self, name: str, bank: str, username: str, password: str, base_url: str) -> None:
        self.name = name
        self.bank = bank
        self.api = _NcmecApi(username, password, base_url)

    def fetch(self, checkpoint: dict[str, Any]) -> Delta:
        start = int(checkpoint.get("until", 0))
        until = int(datetime.now(UTC).timestamp())
        delta = Delta()
        # The API does not return entries in time order: only a drained iterator moves the
        # checkpoint (python-threatexchange's warning).
        for page in self.api.get_entries_iter(start_timestamp=start, end_timestamp=until):
            for update in page.updates:
                source = f"{update.member_id}/{update.id}"
                if update.deleted:
                    # A deleted entry names its id, not its fingerprints.
                    delta.removed_sources.append(source)
                    continue
                for kind, value in update.fingerprints.items():
                    hash_type = _NCMEC_TYPES.get(kind.lower())
                    if hash_type is None:
                        delta.skipped += 1
                        continue
                    try:
                        entry = ExchangeEntry(hash_type, normalise_hex(hash_type, value), source)
                    except MediaError:
                        delta.skipped += 1
                        continue
                    delta.added.append(entry)
        delta.checkpoint = {"until": until}
        return delta

    def feedback(self, source_id: str, hash_type: HashType, kind: str) -> None:
        member, _, entry = source_id.partition("/")
        fingerprint = _NCMEC_FEEDBACK_TYPES.get(hash_type)
        if fingerprint is None or not entry:
            raise MediaError(f"NCMEC takes no feedback on {hash_type.value} entry {source_id!r}")
        vote = ncmec.FeedbackType.upvote if kind == "seen" else ncmec.FeedbackType.downvote
        self.api.submit_feedback(int(member), entry, fingerprint, vote)


# --- Meta ThreatExchange ---------------------------------------------------------------------

_TE_TYPES = {
    "HASH_PDQ": HashType.PDQ,
    "HASH_MD5": HashType.MD5,
    "HASH_VIDEO_MD5": HashType.MD5,
    "HASH_SHA256": HashType.SHA256,
}


class ThreatExchangeBank:
    """One ThreatExchange privacy group's ``/threat_updates`` (incremental from the last
    update time; ``should_delete`` retracts); feedback is a reaction on the descriptor:
    ``SAW_THIS_TOO`` (seen) or ``DISAGREE_WITH_TAGS`` (false positive)."""

    def __init__(
        self, name: str, bank: str, token: str, privacy_group: int, base_url: str | None = None
    ) -> None:
        self.name = name
        self.bank = bank
        self.privacy_group = privacy_group
        self.api = ThreatExchangeAPI(token, endpoint_override=base_url)

    def fetch(self, checkpoint: dict[str, Any]) -> Delta:
        start = int(checkpoint.get("until", 0))
        until = int(datetime.now(UTC).timestamp())
        delta = Delta()
        cursor = self.api.get_threat_updates(
            self.privacy_group,
            start_time=start,
            stop_time=until,
            types=list(_TE_TYPES),
            page_size=500,
            fields=ThreatUpdateJSON.te_threat_updates_fields(),
            decode_fn=ThreatUpdateJSON,
        )
        for page in cursor:
            for update in page:
                hash_type = _TE_TYPES.get(update.threat_type)
                if hash_type is None:
                    delta.skipped += 1
                    continue
                try:
                    value = normalise_hex(hash_type, update.indicator)
                except MediaError:
                    delta.skipped += 1
                    continue
                descriptors = (update.raw_json.get("descriptors") or {}).get("data") or []
                source = str(descriptors[0]["id"]) if descriptors else str(update.id)
                entry = ExchangeEntry(hash_type, value, source)
                (delta.removed if update.should_delete else delta.added).append(entry)
        delta.checkpoint = {"until": until}
        return delta

    def feedback(self, source_id: str, hash_type: HashType, kind: str) -> None:
        reaction = "SAW_THIS_TOO" if kind == "seen" else "DISAGREE_WITH_TAGS"
        _, _, answer = self.api.react_to_threat_descriptor(source_id, reaction)
        if not isinstance(answer, dict) or answer.get("error") or not answer.get("success"):
            raise MediaError(f"ThreatExchange refused the reaction on {source_id}")


# --- a plain HTTPS list ----------------------------------------------------------------------


class HttpsListExchange:
    """A hash or URL list at an HTTPS address, in a bank file format. ``If-None-Match``
    keeps an unchanged list from being read again; a changed one replaces what came from it
    before (hashes no longer listed are retracted)."""

    def __init__(self, name: str, bank: str, url: str, fmt: BankFormat, token: str = "") -> None:
        if fmt is BankFormat.AUTO:
            raise MediaError("give the list's format (md5, sha256, pdq, urls or hma-csv)")
        self.name = name
        self.bank = bank
        self.url = url
        self.format = fmt
        self.token = token

    def fetch(self, checkpoint: dict[str, Any]) -> Delta:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if checkpoint.get("etag"):
            headers["If-None-Match"] = str(checkpoint["etag"])
        response = httpx.get(self.url, headers=headers, timeout=60, follow_redirects=True)
        if response.status_code == 304:
            return Delta(checkpoint=dict(checkpoint))
        response.raise_for_status()
        delta = Delta(full_list=True, checkpoint={"etag": response.headers.get("etag")})
        for item in read_entries(response.text.splitlines(), self.format):
            if isinstance(item, LineError):
                delta.skipped += 1
                continue
            delta.added.append(
                ExchangeEntry(
                    parse_hash_type(item.hash_type), item.value, f"line-{item.line}", item.wildcard
                )
            )
        return delta

    def feedback(self, source_id: str, hash_type: HashType, kind: str) -> None:
        raise MediaError("a plain list takes no feedback")


# --- running them -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SyncReport:
    exchange: str
    bank: str
    added: int
    removed: int
    skipped: int
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "exchange": self.exchange,
            "bank": self.bank,
            "added": self.added,
            "removed": self.removed,
            "skipped": self.skipped,
            "error": self.error,
        }


class Checkpoints(Protocol):
    def load(self) -> dict[str, dict[str, Any]]: ...
    def save(self, name: str, checkpoint: dict[str, Any]) -> None: ...


class ExchangeSync:
    """Sync every exchange into its bank once (:meth:`run_once`) or every ``interval_s``
    seconds on a thread (:meth:`start`). A failing exchange is reported and retried at the
    next run from its unchanged checkpoint; the others go on."""

    def __init__(
        self, exchanges: Iterable[Exchange], writer: BankWriter, checkpoints: Checkpoints
    ) -> None:
        self.exchanges = list(exchanges)
        self.writer = writer
        self.checkpoints = checkpoints
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> list[SyncReport]:
        reports: list[SyncReport] = []
        saved = self.checkpoints.load()
        for exchange in self.exchanges:
            try:
                delta = exchange.fetch(saved.get(exchange.name, {}))
                added = (
                    self.writer.add(exchange.bank, delta.added, exchange.name) if delta.added else 0
                )
                removed = 0
                if delta.removed:
                    removed += self.writer.remove(exchange.bank, delta.removed, exchange.name)
                if delta.full_list:
                    removed += self.writer.retain(exchange.bank, delta.added, exchange.name)
                if delta.removed_sources:
                    removed += self.writer.remove_sources(
                        exchange.bank, delta.removed_sources, exchange.name
                    )
                self.checkpoints.save(exchange.name, delta.checkpoint)
                reports.append(
                    SyncReport(exchange.name, exchange.bank, added, removed, delta.skipped)
                )
            except Exception as exc:  # noqa: BLE001 - one exchange's failure must not stop the rest
                log.warning("exchange %s failed: %s", exchange.name, type(exc).__name__)
                reports.append(
                    SyncReport(exchange.name, exchange.bank, 0, 0, 0, type(exc).__name__)
                )
        return reports

    def start(self, interval_s: float) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                self.run_once()
                self._stop.wait(interval_s)

        self._thread = threading.Thread(target=loop, name="exchange-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

    def feedback(self, note: str, hash_type: HashType, kind: str) -> None:
        """Feedback on a bank entry synced from an exchange (its note is
        ``<exchange>:<source id>``): ``seen`` or ``false_positive``."""
        if kind not in FEEDBACK:
            raise MediaError(f"feedback is one of {FEEDBACK}")
        name, _, source = note.partition(":")
        exchange = next((e for e in self.exchanges if e.name == name), None)
        if exchange is None:
            raise MediaError(f"no exchange {name!r} for this entry")
        exchange.feedback(source, hash_type, kind)


def _secret(section: dict[str, Any], name: str) -> str:
    variable = section.get(f"{name}_env")
    return os.environ.get(str(variable), "") if variable else ""


def exchanges_from_config(sections: Sequence[dict[str, Any]]) -> list[Exchange]:
    """Exchanges from configuration (``kind``: ncmec, threatexchange, https); credentials
    come from the environment variables the ``*_env`` keys name."""
    found: list[Exchange] = []
    for s in sections:
        kind, name, bank = s.get("kind"), str(s.get("name", "")), str(s.get("bank", ""))
        if not name or not bank:
            raise MediaError("every exchange needs a name and a bank")
        if kind == "ncmec":
            user = _secret(s, "username") or str(s.get("username", ""))
            password = _secret(s, "password")
            if not (user and password):
                raise MediaError(f"exchange {name}: username and password_env (set) are needed")
            base_url = str(s.get("base_url") or ncmec.NCMECEnvironment.Industry.value)
            found.append(NcmecHashExchange(name, bank, user, password, base_url))
        elif kind == "threatexchange":
            token = _secret(s, "token")
            if not token:
                raise MediaError(f"exchange {name}: token_env (set) is needed")
            group = int(s["privacy_group"])
            found.append(ThreatExchangeBank(name, bank, token, group, s.get("base_url")))
        elif kind == "https":
            found.append(
                HttpsListExchange(
                    name,
                    bank,
                    str(s["url"]),
                    BankFormat(s.get("format", "auto")),
                    _secret(s, "token"),
                )
            )
        else:
            raise MediaError(f"unknown exchange kind {kind!r}: ncmec, threatexchange or https")
    return found
