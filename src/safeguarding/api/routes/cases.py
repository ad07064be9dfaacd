"""Appeals from the platform (Ofcom ICU D11): ``POST /v1/cases/{case_id}/appeals``.

The platform learns case ids from the ``case_id`` of review action webhooks. The appeal lands
in the console's appeals queue, to be decided by someone other than the original decider;
the outcome comes back as a ``case.appeal_decided`` webhook.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import WritePrincipal
from safeguarding.api.problems import PROBLEM_SCHEMA
from safeguarding.cases.workflow import CaseError, CaseService
from safeguarding.service.problems import ProblemError

router = APIRouter(tags=["cases"])


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    appeal_id: str = Field(
        min_length=1, max_length=200, description="Your id; repeats are idempotent"
    )
    reason: str | None = Field(default=None, max_length=2000, description="The user's statement")


class AppealOut(BaseModel):
    appeal_id: str
    case_id: str
    state: str
    outcome: str | None
    received_at: str


@router.post(
    "/v1/cases/{case_id}/appeals",
    status_code=202,
    response_model=AppealOut,
    responses={404: PROBLEM_SCHEMA, 409: PROBLEM_SCHEMA, 422: PROBLEM_SCHEMA},
)
async def appeal(
    request: Request,
    principal: WritePrincipal,
    case_id: Annotated[str, Path(min_length=1, max_length=40)],
    body: AppealIn,
) -> AppealOut:
    """Appeal a decided case; it goes to the appeals queue of the review console."""
    cases: CaseService = request.app.state.console.cases
    try:
        record = await run_in_threadpool(
            cases.receive_appeal, principal.tenant_id, case_id, body.appeal_id, body.reason
        )
    except CaseError as exc:
        raise ProblemError(exc.status, "Not possible", str(exc)) from None
    return AppealOut(
        appeal_id=record.external_id,
        case_id=record.case_id,
        state=record.state,
        outcome=record.outcome,
        received_at=record.received_at.isoformat(),
    )
