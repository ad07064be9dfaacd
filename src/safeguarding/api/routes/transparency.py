"""The tenant's transparency report for a period, read only: the published figures (small
counts suppressed, no identifiers) and the DSA template sections as CSV text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from safeguarding.api.deps import ReadPrincipal, ServicesDep
from safeguarding.api.problems import PROBLEM_SCHEMA
from safeguarding.insight.transparency import Period, PeriodError, build_report
from safeguarding.insight.transparency_json import published
from safeguarding.service.problems import ProblemError

router = APIRouter(tags=["insight"])
ERRORS = {code: PROBLEM_SCHEMA for code in (401, 403, 422)}


class TransparencyOut(BaseModel):
    provider: str
    period: dict[str, str]
    threshold: int = Field(description="counts from 1 to threshold-1 are shown as <threshold")
    by_harm: list[dict[str, Any]]
    by_action_type: dict[str, str]
    time_to_action: list[dict[str, Any]]
    notices: dict[str, str]
    appeals: dict[str, Any]
    reversals: dict[str, str]
    review_decisions: dict[str, str]
    authority_reports: list[dict[str, str]]
    dsa_csv: dict[str, str] = Field(description="DSA template sections (file name: CSV text)")


@router.get(
    "/v1/insight/transparency",
    response_model=TransparencyOut,
    responses=ERRORS,  # type: ignore[arg-type]
)
def transparency(
    principal: ReadPrincipal,
    services: ServicesDep,
    start: Annotated[date, Query(alias="from", description="first day (YYYY-MM-DD)")],
    end: Annotated[date, Query(alias="to", description="last day (YYYY-MM-DD)")],
) -> dict[str, Any]:
    """This tenant's transparency report for the days ``from`` to ``to`` (UTC)."""
    try:
        period = Period(start, end)
    except PeriodError as exc:
        raise ProblemError(422, "Invalid period", str(exc)) from None
    tenant = services.repo.get_tenant(principal.tenant_id)
    name = tenant.name if tenant is not None else principal.tenant_id
    report = build_report(
        services.repo,
        principal.tenant_id,
        period,
        provider=name,
        published=datetime.now(UTC).date(),
    )
    return published(report)
