"""FastAPI dependencies shared by every router: the service objects and API-key auth.

Routers in ``api/routes`` (including other teams') use :func:`get_services` and
:func:`require_scope`; the tenant id of the :class:`Principal` scopes every query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from safeguarding.service.media import MediaMatchers
from safeguarding.service.metrics import ServiceMetrics
from safeguarding.service.outbox import OutboxWorker
from safeguarding.service.pipeline import IngestPipeline
from safeguarding.service.problems import ProblemError
from safeguarding.service.settings import Settings
from safeguarding.storage.repository import Repository

if TYPE_CHECKING:
    from safeguarding.service.queue.publisher import QueuePublisher


@dataclass(slots=True)
class Services:
    settings: Settings
    repo: Repository
    pipeline: IngestPipeline
    outbox: OutboxWorker
    metrics: ServiceMetrics
    media: MediaMatchers
    queue: QueuePublisher | None = None  # ``serve --queue``: ingest publishes, workers apply


@dataclass(slots=True, frozen=True)
class Principal:
    """Who is calling: the tenant and the key's scopes."""

    tenant_id: str
    key_id: str
    scopes: tuple[str, ...]


bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer sg_...`")


async def get_services(request: Request) -> Services:
    # ``async``: FastAPI runs a plain ``def`` dependency in the thread pool, a thread hop
    # per dependency per request.
    services: Services = request.app.state.services
    return services


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def require_scope(scope: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that authenticates the API key and checks it carries ``scope``."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        services: Annotated[Services, Depends(get_services)],
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized("Send an API key as `Authorization: Bearer <key>`.")
        # Verified keys are kept for a few seconds (``Repository.authenticate_cached``): a
        # hit is answered on the event loop, a miss reads the database in the thread pool.
        # A stand-in repository without that cache is asked every time.
        repo = services.repo
        token = credentials.credentials
        peek = getattr(repo, "peek_cached_key", None)
        key = peek(token) if peek is not None else None
        if key is None:
            authenticate = getattr(repo, "authenticate_cached", None) or repo.authenticate
            key = await run_in_threadpool(authenticate, token)
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
