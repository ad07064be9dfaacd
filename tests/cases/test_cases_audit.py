"""The audit chain: every view, claim and decision appended; any edit, removal, reordering
or truncation found by ``verify_audit`` (both backends)."""

from __future__ import annotations

from case_helpers import World
from sqlalchemy import delete, update

from safeguarding.cases.audit import verify_audit
from safeguarding.storage.models_cases import AuditEntryRow


def _activity(world: World) -> None:
    moderator = world.who("moderator")
    case = world.cases.queue(moderator, "general")[0]
    world.cases.case(moderator, case.id)
    world.cases.claim(moderator, case.id)
    world.cases.decide(moderator, case.id, "no_violation", "friends teasing")


def test_actions_are_appended_and_the_chain_verifies(world: World) -> None:
    _activity(world)
    actions = [e.action for e in world.repo.audit_entries(world.tenant)]
    assert actions.count("user_created") == 6
    assert actions[-3:] == ["case_viewed", "case_claimed", "case_decided"]
    assert verify_audit(world.repo, world.tenant).ok
    assert verify_audit(world.repo, world.other).ok
    assert all(e.actor != "moderator" for e in world.repo.audit_entries(world.other))


def _tamper(world: World, stmt) -> str:
    _activity(world)
    with world.repo.engine.begin() as conn:
        conn.execute(stmt)
    verdict = verify_audit(world.repo, world.tenant)
    assert not verdict.ok
    assert verify_audit(world.repo, world.other).ok
    return verdict.problem or ""


def test_a_changed_entry_fails(world: World) -> None:
    t = AuditEntryRow
    problem = _tamper(
        world,
        update(t)
        .where(t.tenant_id == world.tenant, t.action == "case_decided")
        .values(actor="lead"),
    )
    assert "changed" in problem


def test_a_removed_entry_fails(world: World) -> None:
    t = AuditEntryRow
    problem = _tamper(
        world, delete(t).where(t.tenant_id == world.tenant, t.action == "case_claimed")
    )
    assert "missing" in problem


def test_a_truncated_chain_fails(world: World) -> None:
    t = AuditEntryRow
    problem = _tamper(
        world, delete(t).where(t.tenant_id == world.tenant, t.action == "case_decided")
    )
    assert "head" in problem


def test_reordered_entries_fail(world: World) -> None:
    _activity(world)
    t = AuditEntryRow
    entries = world.repo.audit_entries(world.tenant)
    a, b = entries[-2], entries[-1]
    with world.repo.engine.begin() as conn:  # swap the two entries' sequence numbers
        conn.execute(update(t).where(t.tenant_id == world.tenant, t.seq == a.seq).values(seq=-1))
        conn.execute(update(t).where(t.tenant_id == world.tenant, t.seq == b.seq).values(seq=a.seq))
        conn.execute(update(t).where(t.tenant_id == world.tenant, t.seq == -1).values(seq=b.seq))
    assert not verify_audit(world.repo, world.tenant).ok
