"""Labels for learning: decided cases as DATASPEC JSON Lines.

A platform measures and retrains the engine on its own reviewers' decisions. Message text is
left out unless asked for (``include_text``); without it each message keeps its time and
sender, so the export can still be joined to the platform's own copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from safeguarding.policy.registry import TACTICS
from safeguarding.storage.repository import Repository


def decided_lines(
    repo: Repository, tenant_id: str, *, include_text: bool = False, since: datetime | None = None
) -> Iterator[dict[str, Any]]:
    for case in repo.decided_cases(tenant_id, since):
        if case.kind != "conversation" or case.label is None:
            continue
        violation = case.label == "violation"
        stored = repo.get_conversation(tenant_id, case.subject)
        assessment = (stored.assessment if stored else None) or {}
        messages = repo.messages(tenant_id, case.subject)
        members = sorted(repo.conversation_members(tenant_id, case.subject))
        accounts = repo.get_accounts(tenant_id, members)
        pairs = repo.connected_pairs(tenant_id, members)
        now = datetime.now(UTC)
        participants = []
        for pid in members:
            facts = accounts.get(pid)
            participants.append(
                {
                    "id": pid,
                    "declared_age": facts.declared_age if facts else None,
                    "account_age_days": (now - facts.created_at).days
                    if facts and facts.created_at
                    else None,
                    "connected": any(frozenset((pid, o)) in pairs for o in members if o != pid),
                }
            )
        tactics = sorted(
            {
                (ev["message_index"], ev["kind"])
                for ev in assessment.get("evidence", [])
                if violation and ev.get("sender") == case.offender and ev.get("kind") in TACTICS
            }
        )
        yield {
            "id": case.subject,
            "platform": case.platform,
            "locale": case.locale,
            "participants": participants,
            "messages": [
                {
                    "ts": m["ts"].isoformat(),
                    "from": m["sender"],
                    **({"text": m["text"]} if include_text else {}),
                }
                for m in messages
            ],
            "label": "grooming" if violation else "benign",
            "category": "grooming" if violation else "benign",
            "offender": case.offender if violation else None,
            "tactics": [{"i": i, "tactic": t} for i, t in tactics],
            "first_alert_index": assessment.get("first_alert_index") if violation else None,
            "variant_of": None,
            "review": {
                "case_id": case.id,
                "decision": case.decision,
                "decided_at": case.decided_at.isoformat() if case.decided_at else None,
                "text_included": include_text,
            },
        }
