"""The FastAPI application factory: ``safeguarding.api.app:create_app(settings)``.

Creating the app opens the database, applies migrations and loads the risk engine, so a
process that has an app is ready to serve. The webhook worker runs during the lifespan.
Every module in ``api/routes`` that exposes ``router`` is mounted.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from safeguarding.api import routes
from safeguarding.api.deps import Services
from safeguarding.api.middleware import ServiceMiddleware
from safeguarding.api.problems import install_problem_handlers
from safeguarding.cases.settings import ConsoleSettings
from safeguarding.console import mount_console
from safeguarding.service.actions import ActionStage
from safeguarding.service.media import MediaMatchers
from safeguarding.service.metrics import ServiceMetrics
from safeguarding.service.outbox import OutboxWorker
from safeguarding.service.pipeline import IngestPipeline, RiskEngine
from safeguarding.service.settings import Settings
from safeguarding.storage.repository import Repository

DESCRIPTION = """
Detects grooming risk in chat conversations as they happen.

Send events (messages, account facts, connection changes, user reports) to `POST /v1/events`;
read assessments of conversations and accounts, and page through open alerts. Alerts and
reports are also pushed to your webhook, signed with HMAC-SHA256.

Authenticate with `Authorization: Bearer <API key>`. Errors are RFC 9457 problem+json.
"""


def default_risk_engine() -> RiskEngine:
    from safeguarding.risk.engine import Engine

    engine: RiskEngine = Engine.default()
    return engine


def build_services(settings: Settings, risk_engine: RiskEngine | None = None) -> Services:
    repo = Repository.from_url(
        settings.db_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        background_checkpoint=True,
    )
    repo.migrate()
    metrics = ServiceMetrics()
    metrics.track_outbox_depth(repo.outbox_depth)
    # The policy first: a refused policy file stops the start at once, before the engine loads.
    actions = ActionStage.for_settings(repo, settings)
    engine = risk_engine or default_risk_engine()
    pipeline = IngestPipeline(repo, engine, settings, metrics, actions=actions)
    outbox = OutboxWorker(repo, settings, metrics)
    queue = None
    if settings.queue_url:
        from safeguarding.service.queue.publisher import QueuePublisher

        queue = QueuePublisher(repo, settings)
    return Services(settings, repo, pipeline, outbox, metrics, MediaMatchers(repo), queue)


def mount_routers(app: FastAPI) -> list[str]:
    mounted = []
    for info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routes.__name__}.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
            mounted.append(info.name)
    return mounted


def create_app(
    settings: Settings | None = None,
    *,
    risk_engine: RiskEngine | None = None,
    console_settings: ConsoleSettings | None = None,
) -> FastAPI:
    settings = settings or Settings.from_env()
    services = build_services(settings, risk_engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.webhooks_enabled:
            services.outbox.start()
        if services.queue is not None:
            await services.queue.start()
        try:
            yield
        finally:
            if services.queue is not None:
                await services.queue.close()
            services.outbox.stop()
            services.pipeline.close()
            services.repo.close()

    app = FastAPI(
        title="Safeguarding",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = services
    install_problem_handlers(app)
    mount_routers(app)
    mount_console(app, services.repo, console_settings)
    app.add_middleware(
        ServiceMiddleware,
        max_body_bytes=settings.max_body_bytes,
        media_max_body_bytes=settings.media_max_body_bytes,
        metrics=services.metrics,
    )
    return app
