"""The cases stage on both backends: priority, routing, claims, decisions, appeals, bulk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from case_helpers import World
from sqlalchemy import select, update

from safeguarding.cases.workflow import APPEALS, CaseConflict, CaseDenied, CaseError, CaseNotFound
from safeguarding.storage.models import ActionRow, OutboxRow
from safeguarding.storage.models_cases import CaseRow


def _case(w: World, subject: str, who: str = "lead"):
    reviewer = w.who(who)
    for queue in w.cases.visible_queues(reviewer):
        for case in w.cases.queue(reviewer, queue):
            if case.subject == subject:
                return case
    raise AssertionError(subject)


def test_alerts_become_prioritised_routed_and_linked_cases(world: World) -> None:
    lead = world.who("lead")
    safety = world.cases.queue(lead, "child_safety")
    # Severe tactics (a meeting) first, then sexual risk; both with a child under 13.
    assert [c.subject for c in safety] == ["c-severe", "adult1", "c-image"] or [
        c.subject for c in safety
    ][0] in ("c-severe", "adult1")
    assert safety[0].urgency == 2 and safety[-1].urgency == 1
    keys = [(-c.urgency, -c.age_rank, -c.risk, c.opened_at) for c in safety]
    assert keys == sorted(keys)
    general = world.cases.queue(lead, "general")
    assert [c.subject for c in general] == ["c-mild"]
    account = _case(world, "adult1")
    assert account.kind == "account"
    children = [c for c in safety + general if c.kind == "conversation"]
    assert {c.parent_id for c in children} == {account.id}
    # A second sync with nothing new changes nothing.
    assert world.cases.repo_sync(world.tenant) == 0


def test_claims_are_exclusive_and_expire(world: World) -> None:
    case = _case(world, "c-mild")
    first, second = world.who("moderator"), world.who("moderator2")
    world.cases.claim(first, case.id)
    with pytest.raises(CaseConflict):
        world.cases.claim(second, case.id)
    assert world.cases.next_case(second, "general") is None  # the only general case is held
    with world.repo.engine.begin() as conn:  # the claim runs out
        conn.execute(
            update(CaseRow)
            .where(CaseRow.id == case.id)
            .values(claim_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert world.cases.next_case(second, "general").id == case.id
    with pytest.raises(CaseConflict):
        world.cases.decide(first, case.id, "no_violation", "looks fine")


def test_next_case_hands_out_the_most_urgent(world: World) -> None:
    specialist = world.who("specialist")
    first = world.cases.next_case(specialist, "child_safety")
    assert first is not None and first.urgency == 2 and first.claimed_by == specialist.user_id
    second = world.cases.next_case(world.who("lead"), "child_safety")
    assert second is not None and second.id != first.id


def test_visibility_by_role_and_tenant(world: World) -> None:
    severe = _case(world, "c-severe")
    mild = _case(world, "c-mild")
    moderator = world.who("moderator")
    assert "child_safety" not in world.cases.visible_queues(moderator)
    with pytest.raises(CaseNotFound):
        world.cases.case(moderator, severe.id)
    with pytest.raises(CaseNotFound):
        world.cases.queue(moderator, "child_safety")
    with pytest.raises(CaseNotFound):
        world.cases.claim(moderator, severe.id)
    for name in ("admin", "auditor"):
        assert world.cases.visible_queues(world.who(name)) == []
        with pytest.raises(CaseNotFound):
            world.cases.case(world.who(name), mild.id)
    outsider = world.who("lead", world.other)
    for case in (severe, mild):
        with pytest.raises(CaseNotFound):
            world.cases.case(outsider, case.id)
        with pytest.raises(CaseNotFound):
            world.cases.claim(outsider, case.id)
    assert {c.tenant_id for c in world.cases.queue(outsider, "child_safety")} == {world.other}


def _outbox(world: World, tenant: str) -> list[dict]:
    with world.repo.engine.connect() as conn:
        rows = conn.execute(
            OutboxRow.__table__.select().where(OutboxRow.tenant_id == tenant).order_by(OutboxRow.id)
        ).all()
    return [r.payload for r in rows]


def test_confirm_and_act_reaches_the_outbox_and_needs_a_note(world: World) -> None:
    case = _case(world, "c-mild")
    moderator = world.who("moderator")
    with pytest.raises(CaseConflict):  # not claimed
        world.cases.decide(moderator, case.id, "confirm", "grooming", ["warn"])
    world.cases.claim(moderator, case.id)
    with pytest.raises(CaseError):
        world.cases.decide(moderator, case.id, "confirm", "   ", ["warn"])
    with pytest.raises(CaseError):
        world.cases.decide(moderator, case.id, "confirm", "grooming", [])
    with pytest.raises(CaseDenied):
        world.cases.decide(moderator, case.id, "report", "for police")
    decided = world.cases.decide(
        moderator,
        case.id,
        "confirm",
        "secrecy with a 12-year-old",
        ["warn", "restrict_contact_with_minors"],
    )
    assert (decided.state, decided.decision, decided.label) == ("decided", "confirm", "violation")
    review = [p for p in _outbox(world, world.tenant) if p.get("source") == "review"]
    assert [p["action"] for p in review] == ["warn", "restrict_contact_with_minors"]
    assert all(p["case_id"] == case.id and p["target_account"] == "adult1" for p in review)
    assert all("secrecy" not in str(p) for p in review)  # the note never leaves
    # for transparency counts: decided by a person, for the harm the engine's actions named
    engine_harms = {
        a.event.get("harm")
        for a in world.repo.actions(world.tenant, conversation_id="c-mild")
        if a.event.get("source") != "review"
    } - {None}
    assert all(p["harm"] in engine_harms for p in review) and engine_harms
    with world.repo.engine.connect() as conn:
        stored = conn.execute(
            select(ActionRow.automated, ActionRow.harm).where(
                ActionRow.tenant_id == world.tenant, ActionRow.action_type == "warn"
            )
        ).all()
    assert [(s.automated, s.harm in engine_harms) for s in stored] == [(False, True)]
    assert _outbox(world, world.other) and not [
        p for p in _outbox(world, world.other) if p.get("source") == "review"
    ]


def test_no_violation_releases_automatic_holds_once(world: World) -> None:
    case = _case(world, "c-severe")
    specialist = world.who("specialist")
    world.cases.claim(specialist, case.id)
    decided = world.cases.decide(specialist, case.id, "no_violation", "a game roleplay, checked")
    assert decided.label == "no_violation"
    released = [
        a
        for a in world.repo.actions(world.tenant, conversation_id="c-severe")
        if a.action_type == "release_hold"
    ]
    holds = [
        a
        for a in world.repo.actions(world.tenant, conversation_id="c-severe")
        if a.action_type == "hold_message"
    ]
    assert len(released) == len(holds) == 1
    assert released[0].event["payload"]["releases"] == holds[0].event["event_id"]


def test_escalation_moves_the_case_to_the_restricted_queue(world: World) -> None:
    case = _case(world, "c-mild")
    moderator = world.who("moderator")
    world.cases.claim(moderator, case.id)
    escalated = world.cases.decide(moderator, case.id, "escalate", "needs a specialist")
    assert (escalated.queue, escalated.state, escalated.claimed_by) == (
        "child_safety",
        "open",
        None,
    )
    with pytest.raises(CaseNotFound):
        world.cases.case(moderator, case.id)
    assert case.id in {c.id for c in world.cases.queue(world.who("specialist"), "child_safety")}


def test_report_freezes_an_encrypted_bundle_and_holds_the_text(world: World) -> None:
    from safeguarding.cases.bundles import open_bundle

    case = _case(world, "c-image")
    specialist = world.who("specialist")
    world.cases.claim(specialist, case.id)
    reported = world.cases.decide(specialist, case.id, "report", "image request to a 12-year-old")
    assert reported.state == "reported"
    (bundle,) = world.repo.bundles(world.tenant, case.id)
    assert b"send me a pic" not in bundle.ciphertext
    content = open_bundle(world.keys, bundle)
    assert content["conversation"]["head_sha256"] and content["case"]["id"] == case.id
    assert any(
        m["text"] == "send me a pic so i know its u" for m in content["conversation"]["messages"]
    )
    assert world.repo.get_conversation(world.tenant, "c-image").evidence_hold


def test_appeal_is_decided_by_someone_else_and_reported_back(world: World) -> None:
    case = _case(world, "c-mild")
    moderator, other = world.who("moderator"), world.who("moderator2")
    with pytest.raises(CaseNotFound):  # not decided yet
        world.cases.receive_appeal(world.tenant, case.id, "ap-1", "I did nothing wrong")
    world.cases.claim(moderator, case.id)
    world.cases.decide(moderator, case.id, "confirm", "secrecy", ["restrict_contact_with_minors"])
    with pytest.raises(CaseNotFound):  # another tenant's case id
        world.cases.receive_appeal(world.other, case.id, "ap-1", None)
    appeal = world.cases.receive_appeal(world.tenant, case.id, "ap-1", "I did nothing wrong")
    assert world.cases.receive_appeal(world.tenant, case.id, "ap-1", None).id == appeal.id
    assert [c.id for c in world.cases.queue(other, APPEALS)] == [case.id]
    assert world.cases.next_case(moderator, APPEALS) is None  # not to the original decider
    world.cases.claim(moderator, case.id)
    with pytest.raises(CaseDenied):
        world.cases.decide_appeal(moderator, case.id, "overturned", "I was wrong")
    world.cases.release(moderator, case.id)
    assert world.cases.next_case(other, APPEALS).id == case.id
    done = world.cases.decide_appeal(other, case.id, "overturned", "teasing between friends")
    assert (done.state, done.label) == ("closed", "no_violation")
    payloads = _outbox(world, world.tenant)
    assert any(
        p.get("type") == "case.appeal_decided" and p["outcome"] == "overturned" for p in payloads
    )
    lifted = [p for p in payloads if p.get("action") == "lift_restriction"]
    assert len(lifted) == 1 and lifted[0]["case_id"] == case.id
    (stored,) = world.repo.appeals_for(world.tenant, case.id)
    assert (stored.outcome, stored.decided_by) == ("overturned", other.user_id)


def test_bulk_decisions_are_for_leads(world: World) -> None:
    ids = [c.id for c in world.cases.queue(world.who("lead"), "child_safety")]
    with pytest.raises(CaseDenied):
        world.cases.bulk(world.who("specialist"), ids, "no_violation", "bulk")
    world.cases.claim(world.who("specialist"), ids[0])  # held by someone else: skipped
    done, skipped = world.cases.bulk(world.who("lead"), ids, "no_violation", "bulk review")
    assert skipped == [ids[0]] and done == ids[1:]
