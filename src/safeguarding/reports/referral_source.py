"""Gather one stored conversation into a :class:`~safeguarding.reports.referral.ReferralCase`.

The referral builder takes plain inputs; this reads them from storage for one tenant: the
stored assessment with its evidence excerpts filled from the message text (``None`` once
purged), the members' account facts, message times and counts (never their text), the
conversation's alerts and the actions taken.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from safeguarding.domain import AlertLevel
from safeguarding.reports.referral import ReferralCase, ReferralParticipant
from safeguarding.service.namespace import quoted_indices, with_excerpts
from safeguarding.storage.repository import Repository

MAX_ROWS = 500  # alerts and actions listed in one referral


def referral_case(repo: Repository, tenant_id: str, conversation_id: str) -> ReferralCase | None:
    """The case for ``conversation_id`` of ``tenant_id``; ``None`` when the tenant has none."""
    record = repo.get_conversation(tenant_id, conversation_id)
    if record is None or not record.assessment:
        return None
    wanted = {conversation_id: quoted_indices(record.assessment)}
    texts = repo.message_texts(tenant_id, wanted)[conversation_id]
    assessment = with_excerpts(record.assessment, texts) or {}
    times: dict[int, datetime] = {}
    sent: Counter[str] = Counter()
    for row in repo.messages(tenant_id, conversation_id):  # times and senders only
        times[int(row["idx"])] = row["ts"]
        sent[str(row["sender"])] += 1
    members = repo.conversation_members(tenant_id, conversation_id) | set(sent)
    accounts = repo.get_accounts(tenant_id, members)
    roles = {assessment.get("offender"): "suspect", assessment.get("at_risk"): "child at risk"}
    participants = []
    for account_id in sorted(members, key=lambda m: (_order(roles.get(m)), m)):
        facts = accounts.get(account_id)
        participants.append(
            ReferralParticipant(
                account_id=account_id,
                role=roles.get(account_id, "other participant"),
                declared_age=facts.declared_age if facts else None,
                verified_age=facts.verified_age if facts else None,
                age_band=facts.age_band if facts else None,
                account_created_at=facts.created_at if facts else None,
                messages=sent[account_id],
            )
        )
    alerts = [
        {
            "raised_at": a.raised_at.isoformat(),
            "level": AlertLevel(a.level).label,
            "harm": a.harm,
            "message_index": a.message_index,
        }
        for a in reversed(
            repo.alerts(tenant_id, status=None, conversation_id=conversation_id, limit=MAX_ROWS)
        )
    ]
    actions: list[dict[str, Any]] = [
        {
            "created_at": a.created_at.isoformat() if a.created_at else None,
            "action": a.action_type,
            "shadow": a.shadow,
        }
        for a in reversed(repo.actions(tenant_id, conversation_id=conversation_id, limit=MAX_ROWS))
    ]
    tenant = repo.get_tenant(tenant_id)
    return ReferralCase(
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        message_count=record.message_count,
        assessment=assessment,
        participants=participants,
        alerts=alerts,
        actions=actions,
        message_times=times,
        reporter=tenant.name if tenant else None,
    )


def _order(role: str | None) -> int:
    return {"suspect": 0, "child at risk": 1}.get(role or "", 2)
