"""Mount the console on the API app: its state, routers, static files and security headers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safeguarding.cases.auth import Accounts
from safeguarding.cases.routing import load_routing
from safeguarding.cases.settings import ConsoleSettings
from safeguarding.cases.workflow import CaseService
from safeguarding.storage.repository import Repository

HERE = Path(__file__).parent
PREFIX = "/console"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(slots=True)
class ConsoleState:
    settings: ConsoleSettings
    cases: CaseService
    accounts: Accounts
    templates: Jinja2Templates

    @classmethod
    def build(cls, repo: Repository, settings: ConsoleSettings | None = None) -> ConsoleState:
        settings = settings or ConsoleSettings.from_env()
        cases = CaseService(repo, load_routing(settings.routing), settings)
        templates = Jinja2Templates(directory=str(HERE / "templates"))
        return cls(settings, cases, Accounts(repo, settings), templates)


class SecurityHeaders:
    """No caching, no framing, a strict CSP, and no referrer on every console response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                if not scope["path"].startswith(PREFIX + "/static"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def mount_console(
    app: FastAPI, repo: Repository, settings: ConsoleSettings | None = None
) -> ConsoleState:
    from safeguarding.console import (
        pages_admin,
        pages_auth,
        pages_case,
        pages_insight,
        pages_insight_patterns,
        pages_insight_transparency,
        pages_queue,
    )
    from safeguarding.console.web import NotSignedIn, not_signed_in

    state = ConsoleState.build(repo, settings)
    app.state.console = state
    app.add_exception_handler(NotSignedIn, not_signed_in)
    for module in (
        pages_auth,
        pages_queue,
        pages_case,
        pages_admin,
        pages_insight,
        pages_insight_patterns,
        pages_insight_transparency,
    ):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
    app.mount(
        PREFIX + "/static", StaticFiles(directory=str(HERE / "static")), name="console-static"
    )
    app.add_middleware(SecurityHeaders)
    return state
