"""Login and logout. Every login makes a new session token (no session fixation); the login
form carries its own CSRF token (a double-submit cookie) since there is no session yet."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from safeguarding.cases.auth import AuthError
from safeguarding.cases.workflow import CaseError
from safeguarding.console.app import PREFIX
from safeguarding.console.web import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    NotSignedIn,
    error_page,
    form_of,
    new_token,
    render,
    set_cookie,
    state_of,
    visitor,
)

router = APIRouter()


def _login_page(request: Request, status: int = 200, error: str | None = None) -> Response:
    token = new_token()
    response = render(request, "login.html", None, status=status, login_csrf=token, error=error)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, 3600)
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    state = state_of(request)
    form = await request.form()
    fields = {k: form.get(k) for k in ("organisation", "username", "password", "csrf")}
    if not all(
        isinstance(v, str) and 0 < len(v) <= 200 and v.isprintable() for v in fields.values()
    ):
        return _login_page(request, 400, "Fill in your organisation, username and password.")
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, str(fields["csrf"])):
        return _login_page(request, 400, "The form expired; please try again.")
    repo = state.cases.repo
    tenant = await run_in_threadpool(repo.find_tenant, str(fields["organisation"]))
    try:
        if tenant is None:
            raise AuthError("Unknown user or wrong password.")
        # A session cookie sent with the login is ended, whoever it belonged to.
        old = await run_in_threadpool(state.accounts.session, request.cookies.get(SESSION_COOKIE))
        if old is not None:
            await run_in_threadpool(state.accounts.logout, *old)
        result = await run_in_threadpool(
            state.accounts.login, tenant.id, str(fields["username"]), str(fields["password"])
        )
    except AuthError as exc:
        return _login_page(request, 401, str(exc))
    response = RedirectResponse(f"{PREFIX}/", status_code=303)
    set_cookie(response, request, SESSION_COOKIE, result.token, state.settings.session_hours * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    try:
        v = await visitor(request)
        await form_of(request, v)
    except NotSignedIn:
        return RedirectResponse(f"{PREFIX}/login", status_code=303)
    except CaseError as exc:
        return error_page(request, None, exc)
    await run_in_threadpool(state_of(request).accounts.logout, v.session, v.user)
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response
