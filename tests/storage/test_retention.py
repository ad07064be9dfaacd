"""Retention: after a purge no copy of a message's text is left in the database (evidence
excerpts included) unless the conversation is evidence in a case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from service_helpers import Harness, account_events, conversation_events, sqlite_url
from sqlalchemy import JSON, Text, select
from sqlalchemy.types import String

from safeguarding.service.namespace import scoped, unscope_assessment
from safeguarding.storage.models import Base, Conversation

# Indicator-level grooming lines; the phrases below must never survive a purge.
LINES = [
    ("adult1", "hey nice build, ur really good at this"),
    ("kid1", "thanks lol"),
    ("adult1", "how old r u btw"),
    ("kid1", "12 wbu"),
    ("adult1", "dont tell ur parents about our zebrafish chats"),
    ("adult1", "add me on snap its easier than this zebrafish game"),
    ("kid1", "ok"),
]
PHRASES = ("zebrafish", "dont tell ur parents", "add me on snap")
FUTURE = datetime.now(UTC) + timedelta(days=3650)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def harness(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Harness]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
    else:
        url = request.getfixturevalue("postgres_url")
    # No automatic hold at alert: the test decides which conversation is evidence.
    h = Harness(url, webhooks_enabled=False, evidence_hold_level=99, shadow=True)
    yield h
    if request.param == "postgres":
        with h.repo.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    h.close()


def _ingest(h: Harness, headers: dict[str, str], cid: str) -> list[dict[str, Any]]:
    response = h.post(headers, account_events(cid) + conversation_events(cid, cid, LINES))
    assert response.status_code == 200, response.text
    return response.json()["assessments"]


def _leaks(h: Harness, tenant: str, cid: str) -> list[str]:
    """Every text or JSON cell of every table, in rows of this conversation (or rows with no
    conversation column), that contains one of ``PHRASES``."""
    found = []
    with h.repo.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            cols = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if not cols:
                continue
            stmt = select(*cols)
            if "tenant_id" in table.c:
                stmt = stmt.where(table.c.tenant_id == tenant)
            if "conversation_id" in table.c:
                stmt = stmt.where(table.c.conversation_id == cid)
            elif table.name == "conversations":
                stmt = stmt.where(table.c.id == cid)
            for row in conn.execute(stmt):
                for col, value in zip(cols, row, strict=True):
                    cell = str(value).lower()
                    found += [f"{table.name}.{col.name}: {p}" for p in PHRASES if p in cell]
    return found


def _assessment(h: Harness, headers: dict[str, str], cid: str) -> dict[str, Any]:
    response = h.client.get(f"/v1/conversations/{cid}/assessment", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _engine_excerpts(h: Harness, tenant: str, cid: str) -> list[dict[str, Any]]:
    """The evidence as the engine holds it (what was stored and answered before)."""
    a = h.app.state.services.pipeline.engine.assessment(scoped(tenant, cid))
    return unscope_assessment(a.to_dict())["evidence"]


def test_stored_evidence_quotes_no_text_and_answers_fill_it(harness: Harness) -> None:
    tenant, headers = harness.tenant("p")
    changed = _ingest(harness, headers, "c1")
    expected = _engine_excerpts(harness, tenant, "c1")
    assert any(e["excerpt"] == "dont tell ur parents" for e in expected)
    # Before any purge the answers carry the same evidence, excerpts included, as before.
    assert _assessment(harness, headers, "c1")["assessment"]["evidence"] == expected
    assert changed[-1]["evidence"] == expected
    # ...but the stored JSON quotes nothing: the text lives in the messages table only.
    record = harness.repo.get_conversation(tenant, "c1")
    assert record is not None and record.assessment and record.engine_state
    assert all(e.get("excerpt") is None for e in record.assessment["evidence"])
    assert all(e.get("excerpt") is None for e in record.engine_state["evidence"])
    with harness.repo.engine.connect() as conn:
        stored = conn.execute(
            select(Conversation.assessment, Conversation.engine_state).where(
                Conversation.id == "c1"
            )
        ).one()
    assert not any(p in str(stored).lower() for p in PHRASES)


def test_purge_leaves_no_text_unless_held(harness: Harness) -> None:
    tenant, headers = harness.tenant("p")
    _ingest(harness, headers, "plain")
    _ingest(harness, headers, "held")
    assert harness.repo.hold_evidence(tenant, "held")
    held_before = _assessment(harness, headers, "held")["assessment"]["evidence"]
    assert _leaks(harness, tenant, "plain")  # the messages themselves, before the purge

    report = harness.repo.purge_text(FUTURE)
    assert report.messages_purged == len(LINES)
    assert report.messages_kept_as_evidence == len(LINES)

    assert _leaks(harness, tenant, "plain") == []
    body = _assessment(harness, headers, "plain")
    evidence = body["assessment"]["evidence"]
    assert evidence and any(e["span"] for e in evidence)
    assert all(e["excerpt"] is None for e in evidence)
    # Held: text and excerpts stay.
    assert _assessment(harness, headers, "held")["assessment"]["evidence"] == held_before
    assert any(e["excerpt"] == "dont tell ur parents" for e in held_before)
    assert [m["text"] for m in harness.repo.messages(tenant, "held")] == [t for _, t in LINES]

    # After a restart the engine restores the stored state (no excerpts) and carries on.
    harness.app.state.services.pipeline.conversations.evict(tenant, "plain")
    more = harness.post(
        headers,
        conversation_events("late", "plain", [*LINES, ("adult1", "r u home alone rn")], 7),
    )
    assert more.status_code == 200, more.text
    assert _leaks(harness, tenant, "plain") == []
    latest = _assessment(harness, headers, "plain")["assessment"]["evidence"]
    assert all(e["excerpt"] is None for e in latest if e["message_index"] < len(LINES))


def test_purge_scrubs_legacy_excerpts_and_reports_them(harness: Harness) -> None:
    tenant, headers = harness.tenant("p")
    _ingest(harness, headers, "legacy")
    _ingest(harness, headers, "held")
    harness.repo.hold_evidence(tenant, "held")
    # Rows written before storage left excerpts out: put the engine's excerpts back.
    engine = harness.app.state.services.pipeline.engine
    with harness.repo.engine.begin() as conn:
        for cid in ("legacy", "held"):
            record = harness.repo.get_conversation(tenant, cid)
            assert record is not None and record.assessment is not None
            conn.execute(
                Conversation.__table__.update()  # type: ignore[attr-defined]
                .where(Conversation.tenant_id == tenant, Conversation.id == cid)
                .values(
                    assessment={
                        **record.assessment,
                        "evidence": _engine_excerpts(harness, tenant, cid),
                    },
                    engine_state=engine.export_state(scoped(tenant, cid)),
                )
            )
    assert _leaks(harness, tenant, "legacy")

    dry = harness.repo.purge_text(FUTURE, dry_run=True)
    assert dry.conversations_scrubbed == 1 and _leaks(harness, tenant, "legacy")
    report = harness.repo.purge_text(FUTURE)
    assert report.conversations_scrubbed == 1
    assert _leaks(harness, tenant, "legacy") == []
    assert all(
        e["excerpt"] is None
        for e in _assessment(harness, headers, "legacy")["assessment"]["evidence"]
    )
    held = harness.repo.get_conversation(tenant, "held")
    assert held is not None and "dont tell ur parents" in str(held.engine_state)
    assert harness.repo.purge_text(FUTURE).conversations_scrubbed == 0


def test_engine_restores_a_state_stored_without_excerpts() -> None:
    from service_helpers import fresh_engine

    from safeguarding.domain import Message, Participant

    engine = fresh_engine()
    engine.open_conversation("t:c", [Participant("t:adult1"), Participant("t:kid1")])
    for i, (sender, text) in enumerate(LINES):
        engine.process(Message("t:c", f"t:{sender}", text, FUTURE, f"m{i}"))
    stored = engine.export_state("t:c", excerpts=False)
    assert stored["evidence"] and all("excerpt" not in e for e in stored["evidence"])
    again = fresh_engine()
    again.restore_state(stored)
    a = again.process(Message("t:c", "t:adult1", "r u home alone rn", FUTURE, "m9"))
    assert [s.excerpt for s in a.evidence if s.message_index < len(LINES)] == [None] * len(
        [s for s in a.evidence if s.message_index < len(LINES)]
    )
