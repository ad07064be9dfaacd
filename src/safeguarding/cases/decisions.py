"""What a review decision does on the platform: action events through the existing actions
table and webhook outbox, marked ``source: review`` with the case id.

"Confirm and act" sends the chosen sanctions; "no violation" releases what the engine did
automatically (held messages, restrictions, suspensions pending review), once each. Notes are
never put in an event: they may quote the conversation.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from safeguarding.actions.dispatcher import WARNING_TEXT
from safeguarding.domain import AlertLevel
from safeguarding.storage.records import ActionRecord, OutboxMessage
from safeguarding.storage.repository.cases import CaseRecord


class Decision(StrEnum):
    NO_VIOLATION = "no_violation"
    CONFIRM = "confirm"
    ESCALATE = "escalate"
    REPORT = "report"


SANCTIONS = ("warn", "restrict_contact_with_minors", "suspend")
# Automatic action -> the event that undoes it.
RELEASES = {
    "hold_message": "release_hold",
    "restrict_contact_with_minors": "lift_restriction",
    "suspend": "lift_suspension",
}


def _payload(action: str, case: CaseRecord, original: dict[str, Any] | None) -> dict[str, Any]:
    account = case.offender
    match action:
        case "warn":
            return {"account": account, "text": WARNING_TEXT}
        case "restrict_contact_with_minors":
            return {"account": account, "scope": "new_contact_with_minors", "confirmed": True}
        case "suspend":
            return {"account": account, "confirmed": True}
    payload = dict((original or {}).get("payload") or {})
    keep = {k: payload[k] for k in ("account", "message_index", "message_id") if k in payload}
    return {**keep, "releases": (original or {}).get("event_id")}


def review_event(
    action: str,
    case: CaseRecord,
    decision: str,
    now: datetime,
    original: dict[str, Any] | None = None,
    harm: str | None = None,
) -> tuple[ActionRecord, OutboxMessage]:
    """One action taken by a reviewer's decision, recorded and queued like the engine's.
    ``harm``: the harm acted on (else the original action's), for transparency counts."""
    conversation = original.get("conversation_id") if original else None
    if conversation is None and case.kind == "conversation":
        conversation = case.subject
    event = {
        "event_id": uuid.uuid4().hex,
        "type": f"action.{action}",
        "action": action,
        "source": "review",
        "case_id": case.id,
        "target_role": "offender",
        "target_account": case.offender,
        "conversation_id": conversation,
        "level": AlertLevel(case.level).label,
        "harm": harm or (original or {}).get("harm"),
        "risk": round(case.risk, 4),
        "rule_ids": [],
        "reasons": [f"review decision: {decision}"],
        "shadow": False,
        "created_at": now.isoformat(),
        "payload": _payload(action, case, original),
    }
    key = conversation or f"account:{case.offender}"
    return (
        ActionRecord(conversation, case.offender, action, [], event, False, now),
        OutboxMessage(key, f"action.{action}", event),
    )


def acted_harm(prior: Sequence[ActionRecord]) -> str | None:
    """The harm the latest action on the case named (``prior`` newest first, as the
    repository reads them): what a review decision acts on."""
    return next((h for a in prior if (h := a.event.get("harm"))), None)


def releases(
    case: CaseRecord,
    prior: Sequence[ActionRecord],
    decision: str,
    now: datetime,
    *,
    reviewed: bool = False,
) -> list[tuple[ActionRecord, OutboxMessage]]:
    """Release events for the holds and restrictions not released yet: those the engine took
    automatically, or (``reviewed``, an appeal overturned) those this case's review took."""
    done = {
        a.event.get("payload", {}).get("releases")
        for a in prior
        if a.action_type in RELEASES.values()
    }
    out = []
    for action in prior:
        undo = RELEASES.get(action.action_type)
        if undo is None or action.shadow:
            continue
        by_review = action.event.get("source") == "review"
        if by_review != reviewed or (by_review and action.event.get("case_id") != case.id):
            continue
        if action.event.get("event_id") in done:
            continue
        out.append(review_event(undo, case, decision, now, action.event))
    return out
