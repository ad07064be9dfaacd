"""The case view and everything done from it: claim, decide, escalate, report, appeals,
reveal a blurred item, export or hold an evidence bundle."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from safeguarding.cases.bundles import export_archive
from safeguarding.cases.chart import polyline, risk_series
from safeguarding.cases.decisions import SANCTIONS
from safeguarding.cases.evidence import (
    actions_taken,
    media_matches,
    messages_view,
    other_conversations,
    participants,
)
from safeguarding.cases.roles import Permission
from safeguarding.cases.workflow import CaseDenied, CaseError, CaseNotFound, is_id
from safeguarding.console.app import PREFIX
from safeguarding.console.web import Visitor, error_page, form_of, render, state_of, visitor
from safeguarding.domain import AlertLevel
from safeguarding.storage.repository.audit import AuditEntry

router = APIRouter()


def _detail(request: Request, v: Visitor, case_id: str, revealed: str | None) -> dict[str, Any]:
    state = state_of(request)
    service = state.cases
    repo = service.repo
    case = service.case(v.who, case_id)  # audited: case_viewed
    views, assessment = messages_view(repo, case)
    people = participants(repo, case, views)
    engine = request.app.state.services.pipeline.engine
    series = risk_series(engine, case.tenant_id, case.subject, views, people) if views else None
    users = {u.id: u.username for u in repo.list_users(case.tenant_id)}
    children = (
        repo.cases_where(case.tenant_id, _parent_is(case.id)) if case.kind == "account" else []
    )
    visible = set(service.visible_queues(v.who))
    blur = state.settings.blur_default and not (
        state.settings.allow_unblur_preference and v.user.preferences.get("blur") is False
    )
    return {
        "case": case,
        "messages": views,
        "assessment": assessment,
        "reasons": assessment.get("reasons", []),
        "people": people,
        "others": other_conversations(repo, case),
        "media": media_matches(assessment),
        "actions": actions_taken(repo, case),
        "bundles": repo.bundles(case.tenant_id, case.id),
        # Reports to the authorities about this conversation (NCMEC, NCA, police referral):
        # status and external reference only, read within the case's own tenant.
        "authority_reports": (
            repo.authority_reports(case.tenant_id, conversation_id=case.subject)
            if case.kind == "conversation"
            else []
        ),
        "events": repo.case_events(case.tenant_id, case.id),
        "appeals": repo.appeals_for(case.tenant_id, case.id),
        "children": [c for c in children if c.queue in visible],
        "hidden_children": len([c for c in children if c.queue not in visible]),
        "parent": repo.get_case(case.tenant_id, case.parent_id) if case.parent_id else None,
        "series": series,
        "points": polyline(series or []),
        "users": users,
        "blur": blur,
        "revealed": revealed,
        "sanctions": SANCTIONS,
        "now": datetime.now(UTC),
        "mine": case.claimed_by == v.user.id
        and (case.claim_expires_at or datetime.now(UTC)) > datetime.now(UTC),
        "level_label": AlertLevel(case.level).label,
        "severe": case.urgency >= 2,
    }


def _parent_is(case_id: str) -> Any:
    from safeguarding.storage.models_cases import CaseRow

    return CaseRow.parent_id == case_id


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str) -> Response:
    v = await visitor(request)
    state = state_of(request)
    try:
        case = await run_in_threadpool(state.cases.case, v.who, case_id, audit=None)
        if case.urgency >= 2 and request.query_params.get("proceed") != "1":
            return render(request, "warning.html", v, case=case)
        context = await run_in_threadpool(_detail, request, v, case_id, None)
    except CaseError as exc:
        return error_page(request, v, exc)
    return render(request, "case.html", v, **context)


async def _act(request: Request, case_id: str, action: str) -> Response:
    v = await visitor(request)
    service = state_of(request).cases
    try:
        form = await form_of(request, v)
        note = str(form.get("note", ""))
        if action == "claim":
            await run_in_threadpool(service.claim, v.who, case_id)
        elif action == "release":
            await run_in_threadpool(service.release, v.who, case_id)
        elif action == "decide":
            sanctions = form.get("sanction[]") or []
            sanctions = [sanctions] if isinstance(sanctions, str) else sanctions
            await run_in_threadpool(
                service.decide, v.who, case_id, str(form.get("decision", "")), note, sanctions
            )
        elif action == "appeal":
            await run_in_threadpool(
                service.decide_appeal, v.who, case_id, str(form.get("outcome", "")), note
            )
        elif action == "close":
            await run_in_threadpool(service.close, v.who, case_id, note)
        elif action == "reveal":
            item = str(form.get("item", ""))[:100]
            await run_in_threadpool(service.reveal, v.who, case_id, item)
            context = await run_in_threadpool(_detail, request, v, case_id, item)
            return render(request, "case.html", v, **context)
    except CaseError as exc:
        return error_page(request, v, exc)
    return RedirectResponse(f"{PREFIX}/cases/{case_id}?proceed=1", status_code=303)


@router.post("/cases/{case_id}/{action}")
async def case_action(request: Request, case_id: str, action: str) -> Response:
    if action not in ("claim", "release", "decide", "appeal", "close", "reveal"):
        v = await visitor(request)
        return error_page(request, v, CaseNotFound("No such page."))
    return await _act(request, case_id, action)


@router.post("/cases/{case_id}/bundles/{bundle_id}/{action}")
async def bundle_action(request: Request, case_id: str, bundle_id: str, action: str) -> Response:
    v = await visitor(request)
    state = state_of(request)
    repo = state.cases.repo
    try:
        form = await form_of(request, v)
        case = await run_in_threadpool(state.cases.case, v.who, case_id, audit=None)
        if not v.may(Permission.REPORT):
            raise CaseDenied("Evidence bundles are for child-safety specialists and leads.")
        bundle = (
            await run_in_threadpool(repo.get_bundle, v.who.tenant_id, bundle_id)
            if is_id(bundle_id)
            else None
        )
        if bundle is None or bundle.case_id != case.id:
            raise CaseNotFound("No such bundle.")
        if action == "export":
            data = await run_in_threadpool(
                export_archive, state.cases.keys, bundle, v.user.username
            )
            await run_in_threadpool(
                repo.append_audit,
                v.who.tenant_id,
                AuditEntry(
                    "bundle_exported",
                    v.user.username,
                    case.id,
                    {"bundle": bundle.id, "sha256": hashlib.sha256(data).hexdigest()},
                ),
            )
            return Response(
                data,
                media_type="application/zip",
                headers={"Content-Disposition": f'attachment; filename="evidence-{bundle.id}.zip"'},
            )
        if action == "hold":
            hold = form.get("hold") == "on"
            await run_in_threadpool(
                lambda: repo.set_legal_hold(
                    v.who.tenant_id,
                    bundle.id,
                    hold,
                    audit=AuditEntry(
                        "legal_hold", v.user.username, case.id, {"bundle": bundle.id, "hold": hold}
                    ),
                )
            )
            return RedirectResponse(f"{PREFIX}/cases/{case_id}?proceed=1", status_code=303)
        raise CaseNotFound("No such page.")
    except CaseError as exc:
        return error_page(request, v, exc)


@router.get("/media/{case_id}/{index}/{n}.svg")
async def media_placeholder(request: Request, case_id: str, index: int, n: int) -> Response:
    """A stand-in picture for a media item (the console never fetches platform media): a
    pattern derived from the item's reference, so blurring and revealing can be seen."""
    v = await visitor(request)
    state = state_of(request)
    try:
        await run_in_threadpool(state.cases.case, v.who, case_id, audit=None)
    except CaseError as exc:
        return error_page(request, v, exc)
    digest = hashlib.sha256(f"{case_id}/{index}/{n}".encode()).hexdigest()
    shapes = "".join(
        f'<rect x="{int(digest[i], 16) * 10}" y="{int(digest[i + 1], 16) * 6}" '
        f'width="40" height="30" fill="#{digest[i + 2 : i + 8]}"/>'
        for i in range(0, 48, 8)
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="120" '
        f'viewBox="0 0 200 120"><rect width="200" height="120" fill="#ddd"/>{shapes}</svg>'
    )
    return Response(svg, media_type="image/svg+xml")
