"""What a reviewer sees of a case, and what an evidence bundle freezes.

The conversation with each message's evidence spans (from the stored assessment), the
participants with their declared ages, account age, connection, prior actions and reports,
the suspected account's other conversations, media matches and actions already taken.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from safeguarding.actions.evidence import freeze_conversation
from safeguarding.domain import AlertLevel, Message
from safeguarding.storage.records import AccountRecord, ActionRecord, ReportRecord
from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.cases import CaseRecord


@dataclass(slots=True)
class Span:
    start: int
    end: int
    kind: str
    score: float


@dataclass(slots=True)
class MessageView:
    index: int
    sender: str
    ts: datetime | None
    text: str | None
    media: list[dict[str, Any]]
    kinds: list[str] = field(default_factory=list)  # evidence kinds on this message
    spans: list[Span] = field(default_factory=list)

    def segments(self) -> list[tuple[str, str | None]]:
        """The text cut at the evidence spans: (piece, kind or None), for highlighting."""
        text = self.text or ""
        out: list[tuple[str, str | None]] = []
        at = 0
        for span in sorted(self.spans, key=lambda s: s.start):
            start, end = max(span.start, at), min(span.end, len(text))
            if start >= end:
                continue
            if start > at:
                out.append((text[at:start], None))
            out.append((text[start:end], span.kind))
            at = end
        if at < len(text):
            out.append((text[at:], None))
        return out


@dataclass(slots=True)
class Participant:
    id: str
    role: str  # suspected offender | child at risk | participant
    declared_age: int | None
    age_band: str | None
    account_age_days: int | None
    connected: bool | None
    prior_actions: int
    reports_received: int


def messages_view(repo: Repository, case: CaseRecord) -> tuple[list[MessageView], dict[str, Any]]:
    """The conversation's messages with evidence marked, and its stored assessment."""
    if case.kind != "conversation":
        return [], {}
    stored = repo.get_conversation(case.tenant_id, case.subject)
    assessment = dict(stored.assessment or {}) if stored else {}
    views = [
        MessageView(m["idx"], m["sender"], m["ts"], m["text"], list(m["media"] or []))
        for m in repo.messages(case.tenant_id, case.subject)
    ]
    by_index = {v.index: v for v in views}
    for ev in assessment.get("evidence", []):
        view = by_index.get(ev.get("message_index"))
        if view is None:
            continue
        if ev["kind"] not in view.kinds:
            view.kinds.append(ev["kind"])
        span = ev.get("span")
        if span and len(span) == 2:
            view.spans.append(
                Span(int(span[0]), int(span[1]), ev["kind"], float(ev.get("score", 0)))
            )
    return views, assessment


def media_matches(assessment: dict[str, Any]) -> list[dict[str, Any]]:
    """Media match evidence with its bank and distance (from the signal's detail)."""
    out = []
    for ev in assessment.get("evidence", []):
        if ev.get("kind") != "media_match":
            continue
        detail = ev.get("detail") or {}
        out.append(
            {
                "message_index": ev.get("message_index"),
                "bank": detail.get("bank") or ev.get("source"),
                "distance": detail.get("distance"),
                "score": ev.get("score"),
            }
        )
    return out


def participants(
    repo: Repository, case: CaseRecord, messages: list[MessageView]
) -> list[Participant]:
    ids = list(
        dict.fromkeys(
            [*(x for x in (case.offender, case.child) if x), *(m.sender for m in messages)]
        )
    )
    if case.kind == "conversation":
        ids += sorted(repo.conversation_members(case.tenant_id, case.subject) - set(ids))
    accounts: dict[str, AccountRecord] = repo.get_accounts(case.tenant_id, ids)
    pairs = repo.connected_pairs(case.tenant_id, ids)
    now = datetime.now(UTC)
    out = []
    for pid in ids[:50]:
        facts = accounts.get(pid)
        role = (
            "suspected offender"
            if pid == case.offender
            else "child at risk"
            if pid == case.child
            else "participant"
        )
        others = [o for o in ids if o != pid]
        out.append(
            Participant(
                pid,
                role,
                facts.declared_age if facts else None,
                facts.age_band if facts else None,
                (now - facts.created_at).days if facts and facts.created_at else None,
                any(frozenset((pid, o)) in pairs for o in others) if others else None,
                len(repo.actions(case.tenant_id, account_id=pid, limit=200)),
                len(repo.reports(case.tenant_id, reported_id=pid)),
            )
        )
    return out


def other_conversations(repo: Repository, case: CaseRecord) -> dict[str, Any]:
    """The suspected account's conversations: how many children it contacted, and when."""
    if not case.offender:
        return {"conversations": [], "children": 0}
    rows = repo.conversations_of(case.tenant_id, case.offender)
    children = {r["at_risk"] for r in rows if r["at_risk"] and r["at_risk"] != case.offender}
    listed = [
        {**r, "level_label": AlertLevel(r["level"]).label}
        for r in rows
        if r["id"] != (case.subject if case.kind == "conversation" else None)
    ]
    return {"conversations": listed, "children": len(children)}


def actions_taken(repo: Repository, case: CaseRecord) -> list[ActionRecord]:
    if case.kind == "conversation":
        return repo.actions(case.tenant_id, conversation_id=case.subject, limit=200)
    return repo.actions(case.tenant_id, account_id=case.subject, limit=200)


def bundle_content(repo: Repository, case: CaseRecord, *, frozen_by: str) -> dict[str, Any]:
    """Everything a report needs, frozen: conversation (hash-chained), participants,
    signals, actions and the case's decisions."""
    views, assessment = messages_view(repo, case)
    messages = [
        Message(
            case.subject, v.sender, v.text or "", ts=v.ts, message_id=str(v.index), index=v.index
        )
        for v in views
    ]
    reports: list[ReportRecord] = (
        repo.reports(case.tenant_id, reported_id=case.offender) if case.offender else []
    )
    events = repo.case_events(case.tenant_id, case.id)
    grouped: dict[str, list[str]] = defaultdict(list)
    for conv in other_conversations(repo, case)["conversations"]:
        grouped["conversations"].append(conv["id"])
    return {
        "case": {
            "id": case.id,
            "kind": case.kind,
            "subject": case.subject,
            "queue": case.queue,
            "risk": case.risk,
            "level": AlertLevel(case.level).label,
            "tactics": case.tactics,
            "offender": case.offender,
            "child": case.child,
            "age_band": case.age_band,
            "platform": case.platform,
            "locale": case.locale,
            "opened_at": case.opened_at.isoformat(),
        },
        "frozen_by": frozen_by,
        "frozen_at": datetime.now(UTC).isoformat(),
        "conversation": freeze_conversation(case.subject, messages) if messages else None,
        "participants": [_plain(p) for p in participants(repo, case, views)],
        "signals": assessment.get("evidence", []),
        "reasons": assessment.get("reasons", []),
        "actions": [a.event for a in actions_taken(repo, case)],
        "reports": [
            {"reporter": r.reporter_id, "reason": r.reason, "ts": r.ts.isoformat()} for r in reports
        ],
        "decisions": [
            {
                "kind": e.kind,
                "decision": e.decision,
                "user": e.user_id,
                "note": e.note,
                "at": e.at.isoformat() if e.at else None,
            }
            for e in events
        ],
        "other_conversations": grouped["conversations"],
    }


def _plain(p: Participant) -> dict[str, Any]:
    return {name: getattr(p, name) for name in Participant.__slots__}
