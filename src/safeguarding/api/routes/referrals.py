"""Police referral of one conversation, for the caller's tenant only."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import ReadPrincipal, ServicesDep
from safeguarding.api.problems import PROBLEM_SCHEMA
from safeguarding.reports.referral import build_police_referral
from safeguarding.reports.referral_source import referral_case
from safeguarding.service.problems import ProblemError

router = APIRouter(tags=["reports"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    **{code: PROBLEM_SCHEMA for code in (401, 403, 404, 422)},
    200: {
        "description": "the referral document (JSON), or its readable page with format=html",
        "content": {"application/json": {}, "text/html": {}},
    },
}


@router.get(
    "/v1/conversations/{conversation_id}/referral",
    responses=RESPONSES,
)
async def police_referral(
    conversation_id: Annotated[str, Path(min_length=1, max_length=200)],
    principal: ReadPrincipal,
    services: ServicesDep,
    format: Annotated[Literal["json", "html"], Query()] = "json",  # noqa: A002
) -> Any:
    """A structured referral to the police (criminal exploitation is not a NCMEC matter):
    assessment, indicators, evidence excerpts, participants, alerts and actions taken."""
    case = await run_in_threadpool(
        referral_case, services.repo, principal.tenant_id, conversation_id
    )
    if case is None:
        raise ProblemError(
            404,
            "Unknown conversation",
            f"No assessed conversation {conversation_id!r} for this tenant.",
        )
    document = build_police_referral(case)
    if format == "html":
        return HTMLResponse(document.html)
    return JSONResponse(document.data)
