"""Media banks in the service database, on SQLite and PostgreSQL: every row scoped by tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from safeguarding.domain import MediaBank, MediaBankEntry, MediaMatchRecord
from safeguarding.storage import Repository
from safeguarding.storage.repository.media import DuplicateBankError

PDQ = "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _match(entry_id: int, ref: str, at: datetime = NOW) -> MediaMatchRecord:
    return MediaMatchRecord("known", entry_id, "pdq", PDQ, 3, ref, at, context={"c": 1})


def test_a_tenants_store_never_reaches_another_tenants_rows(repo: Repository) -> None:
    a = repo.media(repo.create_tenant("a").id)
    b = repo.media(repo.create_tenant("b").id)
    a.create_bank(MediaBank("known", threshold=20))
    (entry,) = a.add_entries("known", [MediaBankEntry("pdq", PDQ)])
    a.record_matches([_match(entry.id, "a-1")])
    a.count_match(entry.id, 10, 0)

    assert b.list_banks() == [] and b.get_bank("known") is None
    assert b.update_bank("known", enabled=False) is None
    assert a.get_bank("known").enabled  # type: ignore[union-attr]
    assert b.find_entries("pdq", PDQ) == [] and b.get_entry(entry.id) is None
    assert list(b.iter_entries()) == []
    b.set_disabled([entry.id], True, "not yours")
    b.set_quarantined([entry.id], True, "not yours")
    assert not a.get_entry(entry.id).disabled  # type: ignore[union-attr]
    assert b.quarantined_entries() == [] and b.list_matches() == []
    b.delete_bank("known")
    assert a.get_bank("known") is not None
    with pytest.raises(KeyError):
        b.add_entries("known", [MediaBankEntry("pdq", PDQ)])
    assert b.count_match(entry.id, 10, 0) == {10: 1}  # b's own counter, not a's
    assert a.count_match(entry.id, 10, 0) == {10: 2}
    # b may have a bank of the same name, with its own entries
    b.create_bank(MediaBank("known"))
    assert len(b.add_entries("known", [MediaBankEntry("pdq", PDQ)])) == 1
    assert [m.content_ref for m in a.list_matches()] == ["a-1"]


def test_entries_versions_counters_and_events(repo: Repository) -> None:
    store = repo.media(repo.create_tenant("a").id)
    assert store.version() == 0
    store.create_bank(MediaBank("known", dihedral=True))
    with pytest.raises(DuplicateBankError):
        store.create_bank(MediaBank("known"))
    first = store.add_entries(
        "known", [MediaBankEntry("pdq", PDQ), MediaBankEntry("md5", "a" * 32)]
    )
    again = store.add_entries(
        "known", [MediaBankEntry("pdq", PDQ), MediaBankEntry("sha1", "b" * 40)]
    )
    assert len(first) == 2 and [e.hash_type for e in again] == ["sha1"]
    version = store.version()
    store.set_quarantined([first[0].id], True, "flooding")
    assert store.version() == version + 1
    (quarantined,) = store.quarantined_entries()
    assert (quarantined.id, quarantined.reason) == (first[0].id, "flooding")
    assert store.get_bank("known").dihedral and store.get_bank("known").entries == 3  # type: ignore[union-attr]
    assert store.count_match(first[0].id, 5, 0) == {5: 1}
    assert store.count_match(first[0].id, 7, 6) == {7: 1}  # windows before 6 are forgotten
    store.set_quarantined([first[0].id], False, None)  # released: counted afresh
    assert store.count_match(first[0].id, 7, 0) == {7: 1}
    store.record_event("quarantine", {"entry_id": 1, "reason": "x"})
    assert store.list_events(kind="quarantine")[0]["reason"] == "x"
    stored = store.record_matches([_match(first[0].id, "r1"), _match(first[0].id, "r2")])
    assert [m.id for m in stored] == sorted(m.id for m in stored)  # type: ignore[type-var]
    assert [m.content_ref for m in store.list_matches(limit=1)] == ["r2"]
    store.delete_bank("known")
    assert store.get_bank("known") is None and list(store.iter_entries()) == []


def test_purge_deletes_old_media_matches_of_every_tenant(repo: Repository) -> None:
    for name in ("a", "b"):
        store = repo.media(repo.create_tenant(name).id)
        store.create_bank(MediaBank("known"))
        (entry,) = store.add_entries("known", [MediaBankEntry("pdq", PDQ)])
        store.record_matches(
            [_match(entry.id, "old", NOW - timedelta(days=100)), _match(entry.id, "new")]
        )
    dry = repo.purge_text(NOW - timedelta(days=90), dry_run=True)
    assert dry.media_matches_purged == 2
    done = repo.purge_text(NOW - timedelta(days=90))
    assert done.media_matches_purged == 2
    for tenant in repo.list_tenants():
        assert [m.content_ref for m in repo.media(tenant.id).list_matches()] == ["new"]
