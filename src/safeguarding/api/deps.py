"""FastAPI dependencies shared by every router: the service objects and API-key auth.

Routers in ``api/routes`` (including other teams') use :func:`get_services` and
:func:`require_scope`; the tenant id of the :class:`Principal` scopes every query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from safeguarding.service.metrics import ServiceMetrics
from safeguarding.service.outbox import OutboxWorker
from safeguarding.service.pipeline import IngestPipeline
from safeguarding.service.problems import ProblemError
from safeguarding.service.settings import Settings
from safeguarding.storage.repository import Repository


@dataclass(slots=True)
class Services:
    settings: Settings
    repo: Repository
    pipeline: IngestPipeline
    outbox: OutboxWorker
    metrics: ServiceMetrics


@dataclass(slots=True, frozen=True)
class Principal:
    """Who is calling: the tenant and the key's scopes."""

    tenant_id: str
    key_id: str
    scopes: tuple[str, ...]


bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer sg_...`")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def require_scope(scope: str) -> Callable[..., Principal]:
    """A dependency that authenticates the API key and checks it carries ``scope``."""

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        services: Annotated[Services, Depends(get_services)],
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized("Send an API key as `Authorization: Bearer <key>`.")
        key = services.repo.authenticate(credentials.credentials)
        if key is None:
            raise _unauthorized("The API key is unknown or revoked.")
        if scope not in key.scopes and "admin" not in key.scopes:
            raise ProblemError(
                403,
                "Forbidden",
                f"This API key lacks the {scope!r} scope; it has {list(key.scopes)}.",
            )
        request.state.tenant_id = key.tenant_id  # for the request log line
        return Principal(key.tenant_id, key.id, key.scopes)

    return dependency


ServicesDep = Annotated[Services, Depends(get_services)]
ReadPrincipal = Annotated[Principal, Depends(require_scope("read"))]
WritePrincipal = Annotated[Principal, Depends(require_scope("events:write"))]
