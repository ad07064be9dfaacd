"""Reports to authorities: the records (status, external id, what was sent as hashes, who
approved, every step) and the "prepare / file a report" call the console makes.

``/v1/reports`` is taken by user reports, so these live under ``/v1/authority-reports``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from safeguarding.api.deps import Principal, ReadPrincipal, ServicesDep, require_scope
from safeguarding.api.problems import PROBLEM_SCHEMA
from safeguarding.reports.case import CaseNotFound, Identity, case_from_conversation
from safeguarding.reports.config import ReportConfigError, load_config
from safeguarding.reports.errors import (
    AlreadyReported,
    AuthorityError,
    MissingFields,
    ReportError,
)
from safeguarding.reports.nca import report_to_nca
from safeguarding.reports.ncmec.submit import prepare_cybertip, submit_cybertip
from safeguarding.service.problems import ProblemError
from safeguarding.storage.records import AuthorityReportRecord

router = APIRouter(tags=["authority reports"])
ERRORS = {code: PROBLEM_SCHEMA for code in (401, 403, 404, 409, 422, 502)}
AdminPrincipal = Annotated[Principal, Depends(require_scope("admin"))]
Id = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IpEventIn(_Strict):
    ip: Annotated[str, StringConstraints(min_length=2, max_length=45, pattern=r"^[0-9A-Fa-f:.]+$")]
    event: Short | None = None
    at: datetime | None = None
    port: Annotated[int, Field(ge=0, le=65535)] | None = None
    possible_proxy: bool | None = None


class DeviceIdIn(_Strict):
    type: Short
    value: Short
    event: Short | None = None
    at: datetime | None = None


class IdentityIn(_Strict):
    """What the platform holds about one account; sent with the request, stored nowhere
    but in the report that goes to the authority."""

    screen_name: Short | None = None
    display_names: list[Short] = Field(default_factory=list, max_length=20)
    profile_url: (
        Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://")] | None
    ) = None
    email: (
        Annotated[str, StringConstraints(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")] | None
    ) = None
    ip_events: list[IpEventIn] = Field(default_factory=list, max_length=100)
    device_ids: list[DeviceIdIn] = Field(default_factory=list, max_length=100)
    prior_cybertips: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{1,20}$")]] = Field(
        default_factory=list, max_length=50
    )
    account_disabled: Literal["temporarily", "permanently"] | None = None


class ReportRequest(_Strict):
    authority: Literal["ncmec", "nca"]
    conversation_id: Id
    case_id: Id | None = None
    approved_by: Id
    dry_run: bool = False
    identities: dict[Id, IdentityIn] = Field(default_factory=dict, max_length=20)


class ReportEventOut(BaseModel):
    at: datetime
    step: str
    outcome: str
    actor: str | None
    detail: dict[str, Any]


class AuthorityReportOut(BaseModel):
    id: str
    authority: str
    subject: dict[str, str]
    conversation_id: str | None
    status: str
    external_id: str | None
    approved_by: str | None
    sent: dict[str, Any]
    error: dict[str, str | None] | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    retain_until: datetime | None
    events: list[ReportEventOut] | None = None


class AuthorityReportPage(BaseModel):
    items: list[AuthorityReportOut]


class PreparedReport(BaseModel):
    """A dry run's document (NCMEC XML or NCA JSON; neither holds message text)."""

    authority: str
    dry_run: bool
    record: AuthorityReportOut | None
    document_xml: str | None = None
    document: dict[str, Any] | None = None


def _out(record: AuthorityReportRecord, events: list[Any] | None = None) -> dict[str, Any]:
    return {
        "id": record.id,
        "authority": record.authority,
        "subject": {"kind": record.subject_kind, "id": record.subject_id},
        "conversation_id": record.conversation_id,
        "status": record.status,
        "external_id": record.external_id,
        "approved_by": record.approved_by,
        "sent": record.sent,
        "error": {"code": record.error_code, "message": record.error_message}
        if record.error_code
        else None,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "submitted_at": record.submitted_at,
        "retain_until": record.retain_until,
        "events": None
        if events is None
        else [
            {"at": e.at, "step": e.step, "outcome": e.outcome, "actor": e.actor, "detail": e.detail}
            for e in events
        ],
    }


@router.get("/v1/authority-reports", response_model=AuthorityReportPage, responses=ERRORS)  # type: ignore[arg-type]
def list_authority_reports(
    principal: ReadPrincipal,
    services: ServicesDep,
    authority: Annotated[str | None, Query(pattern="^(ncmec|nca|dsa)$")] = None,
    conversation_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    status: Annotated[str | None, Query(pattern="^[a-z_]{1,20}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """This tenant's report records, newest first."""
    rows = services.repo.authority_reports(
        principal.tenant_id,
        authority=authority,
        conversation_id=conversation_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    return {"items": [_out(r) for r in rows]}


@router.get(
    "/v1/authority-reports/{report_id}",
    response_model=AuthorityReportOut,
    responses=ERRORS,  # type: ignore[arg-type]
)
def get_authority_report(
    report_id: Annotated[str, Path(min_length=1, max_length=40)],
    principal: ReadPrincipal,
    services: ServicesDep,
) -> dict[str, Any]:
    """One report record with its audit trail."""
    record = services.repo.get_authority_report(principal.tenant_id, report_id)
    if record is None:
        raise ProblemError(404, "Unknown report", "No such report for this tenant.")
    events = services.repo.authority_report_events(principal.tenant_id, report_id)
    return _out(record, events)


@router.post(
    "/v1/authority-reports",
    response_model=PreparedReport,
    status_code=201,
    responses=ERRORS,  # type: ignore[arg-type]
)
def create_authority_report(
    body: ReportRequest, principal: AdminPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """File (or, with ``dry_run``, only prepare) a report of a conversation. A case missing
    required fields gets ``422`` with ``missing``, before anything is sent; an authority's
    refusal ``502`` with its ``code``; a conversation already reported ``409``."""
    repo = services.repo
    tenant = repo.get_tenant(principal.tenant_id)
    assert tenant is not None
    try:
        config = load_config(services.settings.reports_config, (tenant.id, tenant.name))
    except ReportConfigError as exc:
        raise ProblemError(500, "Reports configuration refused", str(exc)) from None
    identities = {
        k: Identity.from_dict(v.model_dump(exclude_none=True)) for k, v in body.identities.items()
    }
    try:
        case = case_from_conversation(
            repo, tenant.id, body.conversation_id, identities=identities, case_id=body.case_id
        )
    except CaseNotFound:
        raise ProblemError(
            404,
            "Unknown conversation",
            f"No conversation {body.conversation_id!r} for this tenant.",
        ) from None
    try:
        if body.authority == "ncmec":
            if body.dry_run:
                xml = prepare_cybertip(case, config, approved_by=body.approved_by)
                return {
                    "authority": "ncmec",
                    "dry_run": True,
                    "record": None,
                    "document_xml": xml.decode(),
                }
            result = submit_cybertip(repo, case, config, approved_by=body.approved_by)
            assert result.record is not None
            return {"authority": "ncmec", "dry_run": False, "record": _out(result.record)}
        nca = report_to_nca(repo, case, config, approved_by=body.approved_by, dry_run=body.dry_run)
        return {
            "authority": "nca",
            "dry_run": body.dry_run,
            "record": _out(nca.record) if nca.record else None,
            "document": nca.document,
        }
    except MissingFields as exc:
        raise ProblemError(
            422, "Report incomplete", exc.message, missing=exc.missing, code=exc.code
        ) from None
    except AlreadyReported as exc:
        raise ProblemError(409, "Already reported", exc.message, code=exc.code) from None
    except AuthorityError as exc:
        raise ProblemError(
            502, "The authority refused the report", exc.message, code=exc.code
        ) from None
    except ReportError as exc:
        raise ProblemError(422, "Report refused", exc.message, code=exc.code) from None
