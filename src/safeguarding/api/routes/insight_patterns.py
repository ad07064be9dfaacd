"""Read-only insight: the investigators' patterns of the caller's tenant, pseudonymised.

Account ids in the answer are the tenant's pseudonyms (``insight.pseudonyms``), the same as
in the CLI's and the console's exports. Real ids are never served to an API key (a key has
no person or role behind it): a lead exports them from the console.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from safeguarding.api.deps import ReadPrincipal, ServicesDep
from safeguarding.api.problems import PROBLEM_SCHEMA
from safeguarding.insight import patterns_access as access
from safeguarding.insight.patterns import PatternSettings
from safeguarding.insight.pseudonyms import load_key

router = APIRouter(tags=["insight"])
ERRORS = {code: PROBLEM_SCHEMA for code in (401, 403, 422)}


class PatternCluster(BaseModel):
    rank: int
    accounts: list[str]
    children_reached: int
    risk: float
    score: float
    suspended: int
    repeat_offending: bool
    communities: int


class PatternBurst(BaseModel):
    account: str
    children: int
    window_start: str
    window_end: str


class PatternOpener(BaseModel):
    account: str
    children: int


class PatternLink(BaseModel):
    a: str
    b: str
    kinds: dict[str, int]


class PatternRepeat(BaseModel):
    suspended: str
    account: str
    via: str
    suspended_at: str
    acted_at: str


class PatternsOut(BaseModel):
    settings: dict[str, float]
    clusters: list[PatternCluster]
    cluster_count: int
    bursts: list[PatternBurst]
    repeated_openers: list[PatternOpener]
    links: list[PatternLink]
    repeat_offenders: list[PatternRepeat]
    counts: dict[str, int]


@router.get("/v1/insight/patterns", response_model=PatternsOut, responses=ERRORS)  # type: ignore[arg-type]
async def insight_patterns(
    principal: ReadPrincipal,
    services: ServicesDep,
    window_hours: Annotated[float, Query(gt=0, le=8784)] = 24.0,
    min_children: Annotated[int, Query(ge=1, le=10_000)] = 5,
    opener_min_children: Annotated[int, Query(ge=1, le=10_000)] = 3,
    max_sharing: Annotated[int, Query(ge=2, le=1000)] = 20,
    top: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Contact bursts, repeated openers, linked accounts, repeat offenders and the clusters
    they form, for the caller's tenant; ids pseudonymised, no message text."""
    settings = PatternSettings(window_hours, min_children, opener_min_children, max_sharing)
    tenant = principal.tenant_id

    def run() -> dict[str, Any]:
        patterns, _graph, ranked = access.compute(services.repo, tenant, settings)
        return access.as_json(patterns, ranked, access.namer(load_key(), tenant, False), top)

    return await run_in_threadpool(run)
