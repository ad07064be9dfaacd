"""Report records on SQLite and PostgreSQL: one per tenant, authority and subject; every
change audited in the same transaction; tenants apart."""

from __future__ import annotations

import threading

import pytest

from safeguarding.storage import Repository


def _create(repo: Repository, tenant: str, subject: str = "c1", actor: str = "mod-1"):  # type: ignore[no-untyped-def]
    return repo.create_authority_report(
        tenant,
        authority="ncmec",
        subject_kind="conversation",
        subject_id=subject,
        conversation_id=subject,
        status="prepared",
        sent={"document_sha256": "ab" * 32},
        approved_by=actor,
        actor=actor,
    )


def test_a_subject_has_one_report(repo: Repository) -> None:
    tenant = repo.create_tenant("t1").id
    first, created = _create(repo, tenant)
    again, created_again = _create(repo, tenant, actor="mod-2")
    assert created and not created_again and again.id == first.id and again.approved_by == "mod-1"
    updated = repo.update_authority_report(
        tenant,
        first.id,
        step="submitted",
        detail={"report_id": "1001"},
        status="open",
        external_id="1001",
    )
    assert updated.status == "open" and updated.external_id == "1001"
    steps = [(e.step, e.actor) for e in repo.authority_report_events(tenant, first.id)]
    assert steps == [("created", "mod-1"), ("submitted", None)]
    with pytest.raises(ValueError):
        repo.update_authority_report(tenant, first.id, step="x", authority="nca")


def test_concurrent_creations_make_one_row(repo: Repository) -> None:
    tenant = repo.create_tenant("t1").id
    results: list[bool] = []

    def create() -> None:
        results.append(_create(repo, tenant, subject="race")[1])

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1 and len(repo.authority_reports(tenant)) == 1


def test_tenants_are_apart(repo: Repository) -> None:
    one, two = repo.create_tenant("t1").id, repo.create_tenant("t2").id
    record, _ = _create(repo, one)
    other, created = _create(repo, two)  # the same conversation id in another tenant
    assert created and other.id != record.id
    assert repo.get_authority_report(two, record.id) is None
    assert repo.authority_report_events(two, record.id) == []
    assert [r.id for r in repo.authority_reports(one)] == [record.id]
    assert repo.find_authority_report(two, "ncmec", "conversation", "c1").id == other.id  # type: ignore[union-attr]
