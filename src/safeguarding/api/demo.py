"""Demo data: replay the bundled example conversations through the HTTP API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from safeguarding.client import SafeguardingClient
from safeguarding.domain import Conversation
from safeguarding.ingest import read_corpus


def example_conversations() -> list[Conversation]:
    folder = resources.files("safeguarding") / "data" / "examples"
    conversations: list[Conversation] = []
    with resources.as_file(folder) as path:
        for file in sorted(Path(path).glob("*.jsonl")):
            conversations.extend(read_corpus(file))
    return conversations


def conversation_events(
    conv: Conversation, now: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """A corpus conversation as the events a platform would send (ground truth left out).

    Times are anchored on the first message, so replaying gives identical (idempotent) events.
    """
    first_ts = next((m.ts for m in conv.messages if m.ts is not None), None)
    now = now or first_ts or datetime(2026, 1, 1, tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    for p in conv.participants:
        event: dict[str, Any] = {
            "type": "account",
            "id": f"{conv.id}/acct/{p.id}",
            "account_id": p.id,
        }
        if p.declared_age is not None:
            event["declared_age"] = p.declared_age
        if p.account_age_days is not None:
            event["created_at"] = (now - timedelta(days=p.account_age_days)).isoformat()
        yield event
    ids = [p.id for p in conv.participants]
    connected = [p.id for p in conv.participants if p.connected]
    for i, a in enumerate(connected):
        for b in connected[i + 1 :]:
            yield {
                "type": "connection",
                "id": f"{conv.id}/conn/{a}/{b}",
                "account_id": a,
                "other_account_id": b,
                "change": "added",
                "ts": (now - timedelta(days=30)).isoformat(),
            }
    for i, m in enumerate(conv.messages):
        ts = m.ts or now
        yield {
            "type": "message",
            "id": f"{conv.id}/msg/{i}",
            "conversation_id": conv.id,
            "message_id": m.message_id or str(i),
            "sender": m.sender,
            "recipients": [r for r in ids if r != m.sender][:100],
            "ts": (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).isoformat(),
            "text": m.text,
            **({"platform": conv.platform} if conv.platform else {}),
            **({"locale": conv.locale} if conv.locale else {}),
        }


def replay_examples(client: SafeguardingClient, batch_size: int = 50) -> dict[str, int]:
    """Send every example conversation; returns counts of events and alerts seen."""
    sent = 0
    for conv in example_conversations():
        events = list(conversation_events(conv))
        for start in range(0, len(events), batch_size):
            client.send_events(events[start : start + batch_size])
            sent += len(events[start : start + batch_size])
    alerts = sum(1 for _ in client.iter_alerts(status="all"))
    return {"conversations": len(example_conversations()), "events": sent, "alerts": alerts}


def ingest_examples(services: Any, tenant_name: str = "demo") -> dict[str, int]:
    """Ingest every example conversation for ``tenant_name`` in-process (no server), as
    ``safeguarding reports load-demo`` does; idempotent like the HTTP replay."""
    from safeguarding.service.events import EventBatch

    repo = services.repo
    tenant = repo.find_tenant(tenant_name) or repo.create_tenant(tenant_name)
    sent = 0
    for conv in example_conversations():
        events = list(conversation_events(conv))
        for start in range(0, len(events), 50):
            batch = EventBatch.model_validate({"events": events[start : start + 50]})
            services.pipeline.ingest(tenant.id, batch.events)
            sent += len(batch.events)
    alerts = len(repo.alerts(tenant.id, status=None, limit=10_000))
    return {"conversations": len(example_conversations()), "events": sent, "alerts": alerts}


DEMO_PEOPLE = ("moderator", "specialist", "lead")


def demo_console(console: Any, tenant_id: str) -> dict[str, Any]:
    """Demo people (a fresh password each start) and a decided case under appeal, so the
    queues, the case view and the appeals queue all have something in them."""
    import secrets

    from safeguarding.cases.workflow import APPEALS, Reviewer

    logins = {}
    for name in DEMO_PEOPLE:
        password = secrets.token_urlsafe(9)
        if not console.accounts.reset(tenant_id, name, password, "demo"):
            console.accounts.create(tenant_id, name, name, password, "demo")
        logins[name] = password
    repo = console.cases.repo
    lead_record = repo.find_user(tenant_id, "lead")
    lead = Reviewer(tenant_id, lead_record.id, "lead", "lead")
    counts = console.cases.counts(lead)
    if not counts.get(APPEALS):
        general = console.cases.queue(lead, "general")
        if general:
            case = general[-1]
            console.cases.claim(lead, case.id)
            console.cases.decide(lead, case.id, "confirm", "Demo decision, to appeal.", ["warn"])
            console.cases.receive_appeal(tenant_id, case.id, f"demo-{case.id}", "Demo appeal")
        counts = console.cases.counts(lead)
    return {"logins": logins, "queues": counts}
