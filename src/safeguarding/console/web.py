"""Shared helpers of the console pages: the signed-in person, CSRF, rendering, errors."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from safeguarding.cases.auth import csrf_ok
from safeguarding.cases.roles import Permission
from safeguarding.cases.workflow import CaseError, Reviewer
from safeguarding.console.app import PREFIX, ConsoleState
from safeguarding.storage.repository.users import SessionRecord, UserRecord

SESSION_COOKIE = "sg_session"
LOGIN_CSRF_COOKIE = "sg_login_csrf"


@dataclass(slots=True, frozen=True)
class Visitor:
    session: SessionRecord
    user: UserRecord
    who: Reviewer

    def may(self, permission: Permission) -> bool:
        return self.who.may(permission)


class NotSignedIn(Exception):
    pass


def state_of(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


async def visitor(request: Request) -> Visitor:
    state = state_of(request)
    found = await run_in_threadpool(state.accounts.session, request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise NotSignedIn
    session, user = found
    request.state.tenant_id = user.tenant_id  # for the request log line
    return Visitor(session, user, Reviewer(user.tenant_id, user.id, user.username, user.role))


async def form_of(request: Request, v: Visitor) -> dict[str, Any]:
    """The posted form, after its CSRF token (field or ``X-CSRF-Token`` header) is checked."""
    form = await request.form()
    token = form.get("csrf") or request.headers.get("x-csrf-token")
    if not csrf_ok(v.session, token if isinstance(token, str) else None):
        raise CaseError("The form expired; reload the page and try again.")
    out: dict[str, Any] = {}
    for key in form:
        values = [x for x in form.getlist(key) if isinstance(x, str)]
        out[key] = (
            values if len(values) > 1 or key.endswith("[]") else (values[0] if values else "")
        )
    return out


def render(
    request: Request,
    template: str,
    v: Visitor | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    state = state_of(request)
    base = {
        "request": request,
        "me": v,
        "prefix": PREFIX,
        "csrf": v.session.csrf_token if v else None,
        "P": Permission,
        "queues": state.cases.routing.queues,
    }
    return state.templates.TemplateResponse(request, template, base | context, status_code=status)


def error_page(request: Request, v: Visitor | None, exc: CaseError) -> HTMLResponse:
    return render(request, "error.html", v, status=exc.status, message=str(exc))


async def not_signed_in(request: Request, exc: Exception) -> Response:
    """Pages send people to the login form; a change without a session is refused."""
    if request.method in ("GET", "HEAD"):
        return RedirectResponse(f"{PREFIX}/login", status_code=303)
    return render(request, "error.html", None, status=401, message="Sign in first.")


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PREFIX,
        httponly=True,
        secure=state_of(request).settings.secure_cookies,
        samesite="strict",
    )


def new_token() -> str:
    return secrets.token_urlsafe(32)
