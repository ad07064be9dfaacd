"""``POST /v1/events``: ingest a batch of events, idempotent by event id."""

from __future__ import annotations

from fastapi import APIRouter

from safeguarding.api.deps import ServicesDep, WritePrincipal
from safeguarding.api.problems import PROBLEM_SCHEMA
from safeguarding.api.responses import FastJSONResponse
from safeguarding.api.schemas import IngestOut
from safeguarding.service.events import EventBatch

router = APIRouter(tags=["ingest"])
ERRORS = {code: PROBLEM_SCHEMA for code in (400, 401, 403, 409, 413, 422)}


@router.post("/v1/events", response_model=IngestOut, responses=ERRORS)  # type: ignore[arg-type]
async def post_events(
    batch: EventBatch,
    principal: WritePrincipal,
    services: ServicesDep,
) -> FastJSONResponse:
    """Ingest messages, account facts, connection changes and user reports, in order.

    Everything in the batch is committed durably before the answer. A retried batch (same
    event ids) creates nothing twice and returns what was stored. The answer lists the
    assessments of conversations that changed.
    """
    result = await services.pipeline.ingest_async(principal.tenant_id, list(batch.events))
    if result.queued:  # the worker also polls; wake it only when there is work
        services.outbox.wake()
    return FastJSONResponse(result.to_dict())
