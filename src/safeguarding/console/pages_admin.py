"""People (admin), the audit log (auditor, admin), time in queue (leads) and each person's
wellbeing preferences within the admin's limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from safeguarding.cases.audit import verify_audit
from safeguarding.cases.roles import Permission, Role
from safeguarding.cases.workflow import CaseDenied, CaseError
from safeguarding.console.app import PREFIX
from safeguarding.console.web import Visitor, error_page, form_of, render, state_of, visitor
from safeguarding.storage.repository.audit import AuditEntry

router = APIRouter()
AUDIT_PAGE = 100


def _require(v: Visitor, permission: Permission) -> None:
    if not v.may(permission):
        raise CaseDenied("Your role cannot open this page.")


@router.get("/users")
async def users_page(request: Request) -> Response:
    v = await visitor(request)
    try:
        _require(v, Permission.USERS)
    except CaseError as exc:
        return error_page(request, v, exc)
    users = await run_in_threadpool(state_of(request).cases.repo.list_users, v.who.tenant_id)
    return render(
        request,
        "users.html",
        v,
        users=users,
        roles=[r.value for r in Role],
        message=request.query_params.get("done"),
    )


@router.post("/users")
async def users_change(request: Request) -> Response:
    v = await visitor(request)
    accounts = state_of(request).accounts
    try:
        _require(v, Permission.USERS)
        form = await form_of(request, v)
        action, username = str(form.get("action", "")), str(form.get("username", ""))
        if not username.isprintable() or len(username) > 100:
            raise CaseError("A username is 1-100 printable characters.")
        password = str(form.get("password", ""))
        try:
            if action == "create":
                await run_in_threadpool(
                    accounts.create,
                    v.who.tenant_id,
                    username,
                    str(form.get("role", "")),
                    password,
                    v.user.username,
                )
            elif action in ("disable", "enable"):
                if username == v.user.username:
                    raise CaseError("You cannot disable yourself.")
                if not await run_in_threadpool(
                    accounts.disable,
                    v.who.tenant_id,
                    username,
                    v.user.username,
                    action == "disable",
                ):
                    raise CaseError("No such user.")
            elif action == "reset":
                if not await run_in_threadpool(
                    accounts.reset, v.who.tenant_id, username, password, v.user.username
                ):
                    raise CaseError("No such user.")
            else:
                raise CaseError("Unknown action.")
        except ValueError as exc:
            raise CaseError(str(exc)) from None
    except CaseError as exc:
        return error_page(request, v, exc)
    return RedirectResponse(f"{PREFIX}/users?done={action}", status_code=303)


@router.get("/audit")
async def audit_page(request: Request) -> Response:
    v = await visitor(request)
    repo = state_of(request).cases.repo
    try:
        _require(v, Permission.AUDIT)
        before = int(request.query_params.get("before") or 0)
        if before < 0:
            raise ValueError
    except ValueError:
        return error_page(request, v, CaseError("Bad page."))
    except CaseError as exc:
        return error_page(request, v, exc)
    entries = await run_in_threadpool(
        lambda: repo.audit_entries(
            v.who.tenant_id, after_seq=before, limit=AUDIT_PAGE, newest_first=True
        )
    )
    verdict = await run_in_threadpool(verify_audit, repo, v.who.tenant_id)
    await run_in_threadpool(
        repo.append_audit, v.who.tenant_id, AuditEntry("audit_viewed", v.user.username)
    )
    return render(
        request, "audit.html", v, entries=entries, verdict=verdict, more=len(entries) == AUDIT_PAGE
    )


@router.get("/team")
async def team_page(request: Request) -> Response:
    v = await visitor(request)
    state = state_of(request)
    try:
        _require(v, Permission.BULK)
    except CaseError as exc:
        return error_page(request, v, exc)
    since = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    rows = await run_in_threadpool(state.cases.repo.queue_time, v.who.tenant_id, since)
    users = {
        u.id: u.username
        for u in await run_in_threadpool(state.cases.repo.list_users, v.who.tenant_id)
    }
    return render(
        request, "team.html", v, rows=[(users.get(u, "?"), q, s) for u, q, s in rows], since=since
    )


@router.get("/preferences")
async def preferences_page(request: Request) -> Response:
    v = await visitor(request)
    return render(request, "preferences.html", v, settings=state_of(request).settings)


@router.post("/preferences")
async def preferences_change(request: Request) -> Response:
    v = await visitor(request)
    state = state_of(request)
    try:
        form = await form_of(request, v)
        prefs = dict(v.user.preferences)
        if state.settings.allow_unblur_preference:
            prefs["blur"] = form.get("blur") == "on"
        try:
            minutes = int(form.get("break_minutes") or state.settings.break_minutes)
        except ValueError:
            raise CaseError("Break reminder: a number of minutes.") from None
        prefs["break_minutes"] = max(5, min(minutes, state.settings.break_minutes))
        await run_in_threadpool(
            lambda: state.cases.repo.update_user(v.who.tenant_id, v.user.id, preferences=prefs)
        )
    except CaseError as exc:
        return error_page(request, v, exc)
    return RedirectResponse(f"{PREFIX}/preferences", status_code=303)
