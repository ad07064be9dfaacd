"""The transparency report in the console (leads and auditors): pick a period, read the
published figures, download the PDF, the HTML or the DSA template CSV files (a ZIP).

Only published figures reach the page and the downloads: small counts suppressed, no
identifier or message text (``insight.transparency``)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from safeguarding.cases.roles import Permission
from safeguarding.cases.workflow import CaseDenied, CaseError
from safeguarding.console.web import error_page, render, state_of, visitor
from safeguarding.insight.transparency import Period, PeriodError, Report, build_report
from safeguarding.insight.transparency_dsa import dsa_files
from safeguarding.insight.transparency_json import published
from safeguarding.insight.transparency_render import render_html, render_pdf
from safeguarding.storage.repository.audit import AuditEntry

router = APIRouter()
FORMATS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "csv": "application/zip"}


def _last_half_year(today: date) -> Period:
    """The last half-year that has ended (the period a DSA report covers)."""
    return Period.half_year(Period.half_year(today).start - timedelta(days=1))


def _period(request: Request) -> Period:
    default = _last_half_year(datetime.now(UTC).date())
    raw_start = request.query_params.get("from") or default.start.isoformat()
    raw_end = request.query_params.get("to") or default.end.isoformat()
    try:
        return Period(date.fromisoformat(raw_start[:10]), date.fromisoformat(raw_end[:10]))
    except (ValueError, PeriodError) as exc:
        raise CaseError(f"Choose a period: {exc}.") from None


def _report(request: Request, tenant_id: str, period: Period, who: str, what: str) -> Report:
    """The report, and an entry in the tenant's audit log saying who read it."""
    repo = state_of(request).cases.repo
    repo.append_audit(
        tenant_id, AuditEntry("insight_viewed", who, f"transparency {what} {period.label}")
    )
    tenant = repo.get_tenant(tenant_id)
    name = tenant.name if tenant is not None else "this platform"
    return build_report(repo, tenant_id, period, provider=name)


@router.get("/insight/transparency")
async def transparency_page(request: Request) -> Response:
    v = await visitor(request)
    try:
        if not v.may(Permission.INSIGHT):
            raise CaseDenied("Your role cannot open this page.")
        period = _period(request)
    except CaseError as exc:
        return error_page(request, v, exc)
    report = await run_in_threadpool(
        _report, request, v.who.tenant_id, period, v.user.username, "page"
    )
    return render(
        request,
        "insight_transparency.html",
        v,
        period=period,
        figures=published(report),
        formats=list(FORMATS),
    )


@router.get("/insight/transparency/download")
async def transparency_download(request: Request) -> Response:
    v = await visitor(request)
    fmt = request.query_params.get("format", "pdf")
    try:
        if not v.may(Permission.INSIGHT):
            raise CaseDenied("Your role cannot open this page.")
        if fmt not in FORMATS:
            raise CaseError("Download as pdf, html or csv.")
        period = _period(request)
    except CaseError as exc:
        return error_page(request, v, exc)
    report = await run_in_threadpool(
        _report, request, v.who.tenant_id, period, v.user.username, fmt
    )
    name = f"transparency-{period.start.isoformat()}-{period.end.isoformat()}"
    if fmt == "pdf":
        body = await run_in_threadpool(render_pdf, report)
    elif fmt == "html":
        body = (await run_in_threadpool(render_html, report)).encode("utf-8")
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file, text in dsa_files(report).items():
                archive.writestr(f"{name}/{file}", text)
        body = buffer.getvalue()
    extension = "zip" if fmt == "csv" else fmt
    return Response(
        body,
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'},
    )
