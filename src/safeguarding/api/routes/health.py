"""Liveness, readiness and Prometheus metrics (no authentication: for the platform's infra)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from safeguarding.api.deps import ServicesDep
from safeguarding.api.problems import problem_response

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "not ready (problem+json)"}})
def readyz(services: ServicesDep) -> JSONResponse:
    """The database is reachable and its schema is current."""
    try:
        reachable = services.repo.ping()
        migrated = reachable and services.repo.is_migrated()
    except Exception as exc:  # any database error means "not ready", never a 500
        return problem_response(503, "Not ready", f"database unreachable: {type(exc).__name__}")
    if not migrated:
        return problem_response(503, "Not ready", "database migrations are not applied")
    return JSONResponse({"status": "ready", "database": "ok", "migrations": "current"})


@router.get("/metrics", response_class=Response)
def metrics(services: ServicesDep) -> Response:
    """Prometheus metrics: events, ingest latency, alerts by level, outbox depth."""
    return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)
