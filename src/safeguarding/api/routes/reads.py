"""Read endpoints: conversation and account assessments, alerts and user reports."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from safeguarding.api.deps import ReadPrincipal, ServicesDep
from safeguarding.api.problems import PROBLEM_SCHEMA
from safeguarding.api.schemas import AccountOut, AlertPage, ConversationOut, Level, ReportOut
from safeguarding.domain import AlertLevel
from safeguarding.service.events import Timestamp
from safeguarding.service.namespace import quoted_indices, with_excerpts
from safeguarding.service.problems import ProblemError
from safeguarding.storage.public_ids import PUBLIC_ID_PATTERN
from safeguarding.storage.repository import UnknownCursorError

router = APIRouter(tags=["read"])


@contextlib.contextmanager
def unknown_cursor_is_422() -> Iterator[None]:
    """A cursor that names no row of the caller's (never another tenant's: they all look
    alike) is a client error."""
    try:
        yield
    except UnknownCursorError:
        raise ProblemError(
            422, "Unknown cursor", "cursor: not a next_cursor this API gave you."
        ) from None


ERRORS = {code: PROBLEM_SCHEMA for code in (401, 403, 404, 422)}
# ``:path`` in the routes: an id may hold any character an event may carry, "/" included
# (sent percent-encoded, as the client does); the route's fixed tail ends it.
IdPath = Annotated[str, Path(min_length=1, max_length=200)]
LEVELS = {level.label: int(level) for level in AlertLevel}


@router.get(
    "/v1/conversations/{conversation_id:path}/assessment",
    response_model=ConversationOut,
    responses=ERRORS,  # type: ignore[arg-type]
)
def conversation_assessment(
    conversation_id: IdPath,
    principal: ReadPrincipal,
    services: ServicesDep,
) -> dict[str, Any]:
    """The current assessment of one conversation."""
    record = services.repo.get_conversation(principal.tenant_id, conversation_id)
    if record is None:
        raise ProblemError(
            404, "Unknown conversation", f"No conversation {conversation_id!r} for this tenant."
        )
    # Stored evidence quotes no text: excerpts come from the messages (None once purged).
    wanted = {conversation_id: quoted_indices(record.assessment)}
    texts = services.repo.message_texts(principal.tenant_id, wanted)[conversation_id]
    return {
        "conversation_id": record.id,
        "message_count": record.message_count,
        "updated_at": record.updated_at,
        "evidence_hold": record.evidence_hold,
        "assessment": with_excerpts(record.assessment, texts),
    }


@router.get(
    "/v1/accounts/{account_id:path}/assessment",
    response_model=AccountOut,
    responses=ERRORS,  # type: ignore[arg-type]
)
def account_assessment(
    account_id: IdPath,
    principal: ReadPrincipal,
    services: ServicesDep,
) -> dict[str, Any]:
    """An account's risk across all its conversations, alerts and reports."""
    s = services.repo.account_summary(principal.tenant_id, account_id)
    if not s.known:
        raise ProblemError(404, "Unknown account", f"No account {account_id!r} for this tenant.")
    facts = None
    if s.facts is not None:
        facts = {
            "declared_age": s.facts.declared_age,
            "age_band": s.facts.age_band,
            "verified_age": s.facts.verified_age,
            "created_at": s.facts.created_at,
            "guardian_id": s.facts.guardian_id,
        }
    return {
        "account_id": account_id,
        "conversations": s.conversations,
        "alerted_conversations": s.alerted_conversations,
        "risk_as_offender": round(s.max_risk_as_offender, 4),
        "level_as_offender": AlertLevel(s.max_level_as_offender).label,
        "conversations_at_risk": s.conversations_at_risk,
        "risk_at_risk": round(s.max_risk_at_risk, 4),
        "reports_received": s.reports_received,
        "reports_made": s.reports_made,
        "facts": facts,
    }


@router.get("/v1/alerts", response_model=AlertPage, responses=ERRORS)  # type: ignore[arg-type]
def list_alerts(
    principal: ReadPrincipal,
    services: ServicesDep,
    level: Level | None = None,
    min_level: Level | None = None,
    since: Annotated[Timestamp | None, Query(description="raised at or after (ISO 8601)")] = None,
    until: Annotated[Timestamp | None, Query(description="raised before (ISO 8601)")] = None,
    status: Annotated[str, Query(pattern="^(open|closed|all)$")] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[
        str | None, Query(pattern=PUBLIC_ID_PATTERN, description="next_cursor")
    ] = None,
) -> dict[str, Any]:
    """Alerts, newest first, filterable by level and time; page with ``cursor``."""
    with unknown_cursor_is_422():
        alerts = services.repo.alerts(
            principal.tenant_id,
            status=None if status == "all" else status,
            level=LEVELS[level] if level else None,
            min_level=LEVELS[min_level] if min_level else None,
            since=since,
            until=until,
            after=cursor,
            limit=limit,
        )
    items = [
        {
            "id": a.public_id,
            "conversation_id": a.conversation_id,
            "level": AlertLevel(a.level).label,
            "risk": round(a.risk, 4),
            "message_index": a.message_index,
            "offender": a.offender,
            "at_risk": a.at_risk,
            "tactics": a.tactics,
            "raised_at": a.raised_at,
            "status": a.status,
            "harm": a.harm,
        }
        for a in alerts
    ]
    next_cursor = alerts[-1].public_id if len(alerts) == limit else None
    return {"items": items, "next_cursor": next_cursor}


@router.get("/v1/reports", response_model=list[ReportOut], responses=ERRORS)  # type: ignore[arg-type]
def list_reports(
    principal: ReadPrincipal,
    services: ServicesDep,
    reported_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    conversation_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> list[dict[str, Any]]:
    """User reports, optionally about one account or one conversation."""
    reports = services.repo.reports(
        principal.tenant_id, reported_id=reported_id, conversation_id=conversation_id
    )
    return [
        {
            "id": r.public_id,
            "event_id": r.event_id,
            "reporter_id": r.reporter_id,
            "reported_id": r.reported_id,
            "conversation_id": r.conversation_id,
            "reason": r.reason,
            "comment": r.comment,
            "ts": r.ts,
        }
        for r in reports
    ]
