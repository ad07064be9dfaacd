"""``POST /v1/events``: ingest a batch of events, idempotent by event id."""

from __future__ import annotations

from fastapi import APIRouter

from safeguarding.api.deps import ServicesDep, WritePrincipal
from safeguarding.api.problems import PROBLEM_SCHEMA
from safeguarding.api.responses import FastJSONResponse
from safeguarding.api.schemas import IngestOut
from safeguarding.service.events import EventBatch
from safeguarding.service.problems import ProblemError

router = APIRouter(tags=["ingest"])
ERRORS = {code: PROBLEM_SCHEMA for code in (400, 401, 403, 409, 413, 422, 503)}


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

    With a queue (`serve --queue`) the events are checked the same way, stored in the
    queue and answered `202` once the queue acknowledged them; the workers process them.
    `503` (with `Retry-After`) when the queue cannot take them now: nothing of such an
    answer needs to be remembered, the retry is idempotent.
    """
    events = list(batch.events)
    if services.queue is not None:
        from safeguarding.service.queue.link import QueueUnavailable

        try:
            queued = await services.queue.submit(principal.tenant_id, events)
        except QueueUnavailable:
            retry = str(services.settings.queue_retry_after_s)
            raise ProblemError(
                503,
                "Queue unavailable",
                "The event queue cannot take events now; retry after the delay given.",
                headers={"Retry-After": retry},
            ) from None
        return FastJSONResponse(queued.to_dict(), status_code=202)
    result = await services.pipeline.ingest_async(principal.tenant_id, events)
    if result.queued:  # the worker also polls; wake it only when there is work
        services.outbox.wake()
    return FastJSONResponse(result.to_dict())
