"""Actions the policy stage took (or would have taken in shadow mode)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from safeguarding.api.deps import ReadPrincipal, ServicesDep
from safeguarding.api.problems import PROBLEM_SCHEMA
from safeguarding.api.routes.reads import unknown_cursor_is_422
from safeguarding.api.schemas import ActionPage
from safeguarding.policy.registry import ActionType
from safeguarding.storage.public_ids import PUBLIC_ID_PATTERN

router = APIRouter(tags=["actions"])
ERRORS = {code: PROBLEM_SCHEMA for code in (401, 403, 422)}
ACTION_TYPES = "^(" + "|".join([a.value for a in ActionType] + ["account_alert"]) + ")$"
IdQuery = Annotated[str | None, Query(min_length=1, max_length=200)]


@router.get("/v1/actions", response_model=ActionPage, responses=ERRORS)  # type: ignore[arg-type]
def list_actions(
    principal: ReadPrincipal,
    services: ServicesDep,
    conversation_id: IdQuery = None,
    account_id: IdQuery = None,
    type: Annotated[str | None, Query(pattern=ACTION_TYPES)] = None,  # noqa: A002
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[
        str | None, Query(pattern=PUBLIC_ID_PATTERN, description="next_cursor")
    ] = None,
) -> dict[str, Any]:
    """Recorded actions, newest first, by conversation, account or type; page with ``cursor``."""
    with unknown_cursor_is_422():
        rows = services.repo.actions(
            principal.tenant_id,
            conversation_id=conversation_id,
            account_id=account_id,
            action_type=type,
            after=cursor,
            limit=limit,
        )
    items = [
        {
            "id": r.public_id,
            "type": r.action_type,
            "conversation_id": r.conversation_id,
            "account_id": r.account_id,
            "rule_ids": r.rule_ids,
            "shadow": r.shadow,
            "created_at": r.created_at,
            "event": r.event,
        }
        for r in rows
    ]
    next_cursor = rows[-1].public_id if len(rows) == limit else None
    return {"items": items, "next_cursor": next_cursor}
