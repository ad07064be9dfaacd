"""Queues: prioritised lists, "next case", filters and (for leads) bulk decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from safeguarding.cases.decisions import SANCTIONS
from safeguarding.cases.priority import AGE_RANK
from safeguarding.cases.roles import Permission
from safeguarding.cases.workflow import APPEALS, CaseError
from safeguarding.console.app import PREFIX
from safeguarding.console.web import Visitor, error_page, form_of, render, state_of, visitor
from safeguarding.domain import AlertLevel, Tactic
from safeguarding.storage.repository.cases import CaseFilters

router = APIRouter()
PAGE = 50


@router.get("/")
async def home(request: Request) -> Response:
    v = await visitor(request)
    state = state_of(request)
    queues = state.cases.visible_queues(v.who)
    if queues:
        target = f"/queues/{queues[0]}"
    elif v.may(Permission.USERS):
        target = "/users"
    else:
        target = "/audit"
    return RedirectResponse(PREFIX + target, status_code=303)


def _filters(params: Any) -> CaseFilters:
    """Queue filters from the query string; a bad value is a 400, never a crash."""

    def one(name: str, allowed: set[str] | None = None) -> str | None:
        value = params.get(name) or None
        if value is not None and (
            len(value) > 100
            or not value.isprintable()
            or (allowed is not None and value not in allowed)
        ):
            raise CaseError(f"Unknown {name.replace('_', ' ')}.")
        return value

    def when(name: str) -> datetime | None:
        value = one(name)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise CaseError(f"{name} is a date (YYYY-MM-DD).") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    level = one("level", {lvl.label for lvl in AlertLevel})
    return CaseFilters(
        min_level=int(AlertLevel[level.upper()]) if level else None,
        tactic=one("tactic", {t.value for t in Tactic} | {"sextortion", "media_match"}),
        platform=one("platform"),
        locale=one("locale"),
        age_band=one("age_band", set(AGE_RANK)),
        opened_after=when("since"),
        opened_before=when("until"),
    )


@router.get("/queues/{name}")
async def queue_page(request: Request, name: str) -> Response:
    v = await visitor(request)
    state = state_of(request)
    try:
        filters = _filters(request.query_params)
        page = int(request.query_params.get("page") or 0)
        if not 0 <= page <= 10_000:
            raise ValueError
    except ValueError:
        return error_page(request, v, CaseError("Bad page number."))
    except CaseError as exc:
        return error_page(request, v, exc)
    try:
        cases = await run_in_threadpool(
            state.cases.queue, v.who, name, filters, limit=PAGE + 1, offset=page * PAGE
        )
    except CaseError as exc:
        return error_page(request, v, exc)
    counts = await run_in_threadpool(state.cases.counts, v.who)
    seconds = await run_in_threadpool(_queue_time, state, v, name)
    return render(
        request,
        "queue.html",
        v,
        name=name,
        title=_title(state, name),
        cases=cases[:PAGE],
        more=len(cases) > PAGE,
        page=page,
        counts=counts,
        filters=request.query_params,
        levels=[lvl.label for lvl in AlertLevel if lvl],
        tactics=sorted({t.value for t in Tactic} | {"sextortion", "media_match"}),
        age_bands=list(AGE_RANK),
        sanctions=SANCTIONS,
        names={
            u.id: u.username
            for u in await run_in_threadpool(state.cases.repo.list_users, v.who.tenant_id)
        },
        break_due=_break_due(state, v, name, seconds),
        now=datetime.now(UTC),
        level_label=lambda n: AlertLevel(n).label,
    )


def _title(state: Any, name: str) -> str:
    if name == APPEALS:
        return "Appeals"
    queue = state.cases.routing.queue(name)
    return queue.title if queue else name


def _queue_time(state: Any, v: Visitor, name: str) -> int:
    if name not in state.cases.routing.restricted():
        return 0
    return int(
        state.cases.repo.add_queue_time(
            v.who.tenant_id, v.user.id, name, datetime.now(UTC), max_gap_s=300
        )
    )


def _break_due(state: Any, v: Visitor, name: str, seconds: int) -> bool:
    limit = min(
        int(v.user.preferences.get("break_minutes") or state.settings.break_minutes),
        state.settings.break_minutes,
    )
    return name in state.cases.routing.restricted() and seconds >= limit * 60


@router.post("/queues/{name}/next")
async def next_case(request: Request, name: str) -> Response:
    v = await visitor(request)
    state = state_of(request)
    try:
        await form_of(request, v)
        case = await run_in_threadpool(state.cases.next_case, v.who, name)
    except CaseError as exc:
        return error_page(request, v, exc)
    if case is None:
        return RedirectResponse(f"{PREFIX}/queues/{name}?empty=1", status_code=303)
    return RedirectResponse(f"{PREFIX}/cases/{case.id}", status_code=303)


@router.post("/queues/{name}/bulk")
async def bulk(request: Request, name: str) -> Response:
    v = await visitor(request)
    state = state_of(request)
    try:
        form = await form_of(request, v)
        ids = form.get("case[]") or form.get("case") or []
        ids = [ids] if isinstance(ids, str) else ids
        if not ids or len(ids) > 200:
            raise CaseError("Choose between 1 and 200 cases.")
        if form.get("confirm") != "yes":
            raise CaseError("Confirm the bulk decision first.")
        sanctions = form.get("sanction[]") or []
        sanctions = [sanctions] if isinstance(sanctions, str) else sanctions
        done, skipped = await run_in_threadpool(
            state.cases.bulk,
            v.who,
            ids,
            str(form.get("decision", "")),
            str(form.get("note", "")),
            sanctions,
        )
    except CaseError as exc:
        return error_page(request, v, exc)
    return RedirectResponse(
        f"{PREFIX}/queues/{name}?decided={len(done)}&skipped={len(skipped)}", status_code=303
    )
