"""Insight: the investigators' patterns page (lead and auditor roles) and its downloads.

Everyone with the insight permission sees pseudonymised ids and may download the network
(GraphML, CSV) with them. A lead may ask for real ids: a POST with the form's CSRF token
and an explicit tick, refused for any other role, and appended to the tenant's audit log.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from safeguarding.cases.roles import Permission
from safeguarding.cases.workflow import CaseDenied, CaseError, CaseNotFound
from safeguarding.console.web import Visitor, error_page, form_of, render, state_of, visitor
from safeguarding.insight import patterns_access as access
from safeguarding.insight.patterns import PatternSettings
from safeguarding.insight.pseudonyms import load_key

router = APIRouter()
FILES = {
    "patterns.graphml": "application/graphml+xml",
    "nodes.csv": "text/csv",
    "edges.csv": "text/csv",
    "clusters.csv": "text/csv",
    "bursts.csv": "text/csv",
    "repeated-openers.csv": "text/csv",
    "repeat-offenders.csv": "text/csv",
}
TOP = 50


def _settings(request: Request) -> PatternSettings:
    q = request.query_params
    try:
        return PatternSettings(
            float(q.get("window_hours") or 24),
            int(q.get("min_children") or 5),
            int(q.get("opener_min_children") or 3),
            int(q.get("max_sharing") or 20),
        )
    except (ValueError, OverflowError):
        raise CaseError("Bad settings: a window of hours and whole numbers of children.") from None


def _require(v: Visitor) -> None:
    if not v.may(Permission.INSIGHT):
        raise CaseDenied("Your role cannot open this page.")


@router.get("/insight/patterns")
async def patterns_page(request: Request) -> Response:
    v = await visitor(request)
    try:
        _require(v)
        settings = _settings(request)
    except CaseError as exc:
        return error_page(request, v, exc)
    repo = state_of(request).cases.repo
    tenant = v.who.tenant_id

    def run() -> dict[str, object]:
        patterns, _graph, ranked = access.compute(repo, tenant, settings)
        return access.as_json(patterns, ranked, access.namer(load_key(), tenant, False), TOP)

    found = await run_in_threadpool(run)
    return render(
        request,
        "insight_patterns.html",
        v,
        found=found,
        settings=settings,
        query=request.url.query,
        files=list(FILES),
        real_ids=access.real_ids_allowed(v.user.role),
    )


async def _file(request: Request, v: Visitor, name: str, real_ids: bool) -> Response:
    if name not in FILES:
        return error_page(request, v, CaseNotFound("No such file."))
    settings = _settings(request)
    repo = state_of(request).cases.repo
    tenant = v.who.tenant_id

    def run() -> bytes:
        patterns, graph, ranked = access.compute(repo, tenant, settings)
        with tempfile.TemporaryDirectory() as folder:
            access.write_files(
                patterns, graph, ranked, Path(folder), access.namer(load_key(), tenant, real_ids)
            )
            data = (Path(folder) / name).read_bytes()
        if real_ids:
            access.record_real_ids(repo, tenant, v.user.username, f"console:{name}", patterns)
        return data

    data = await run_in_threadpool(run)
    suffix = "-real-ids" if real_ids else ""
    return Response(
        data,
        media_type=FILES[name],
        headers={
            "content-disposition": f'attachment; filename="{name.replace(".", suffix + ".", 1)}"'
        },
    )


@router.get("/insight/patterns/{name}")
async def patterns_file(request: Request, name: str) -> Response:
    """A file of the network with pseudonymised ids."""
    v = await visitor(request)
    try:
        _require(v)
        return await _file(request, v, name, real_ids=False)
    except CaseError as exc:
        return error_page(request, v, exc)


@router.post("/insight/patterns")
async def patterns_file_real_ids(request: Request) -> Response:
    """A file of the network with real account ids: a lead who ticked the box; audited."""
    v = await visitor(request)
    try:
        _require(v)
        form = await form_of(request, v)
        if not access.real_ids_allowed(v.user.role):
            raise CaseDenied("Real account ids are for the lead role.")
        if form.get("confirm") != "yes":
            raise CaseError("Tick the box to confirm you need the real account ids.")
        return await _file(request, v, str(form.get("file") or ""), real_ids=True)
    except CaseError as exc:
        return error_page(request, v, exc)
