"""The UK report to the National Crime Agency (Online Safety Act 2023 s.66; the CSEA Content
Reporting Regulations, SI 2026/268): Schedule 1's contents as a structured document.

Sections: the reporting person (the provider), the content (what, when, where, how found,
hashes, whether NCMEC already has it), the user concerned, identity information the provider
holds, the child (where known), the priority assessment with its time frame, and the
declaration. JSON is the document; the HTML copy is for a person to read. The NCA's API is
not public, so the document goes out through a configured sender (``reports.senders``).
Content already reported to NCMEC is marked so, with the CyberTip id. The record of the report
(and its references) is kept until ``retain_until``, beyond the ordinary retention purge.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from safeguarding.reports import https_sender as _https  # noqa: F401  registers 'https'
from safeguarding.reports.case import ReportCase, find_case_report, open_case_report
from safeguarding.reports.config import TenantReporting
from safeguarding.reports.documents import ReportDocument
from safeguarding.reports.errors import AlreadyReported, AuthorityError, MissingFields, ReportError
from safeguarding.reports.senders import ReportSender, ReportSendError, get_sender
from safeguarding.storage import Repository
from safeguarding.storage.records import AuthorityReportRecord

AUTHORITY = "nca"
KIND = "nca_report"
DECLARATION = (
    "I declare that, to the best of my knowledge and belief, the information in this report "
    "is accurate and complete, and that it is made in accordance with the provider's duty "
    "under section 66 of the Online Safety Act 2023."
)
HARM_DESCRIPTIONS = {
    "grooming": "Grooming: communication with a child for a sexual purpose (enticement)",
    "sextortion": "Sextortion: threats against a child to obtain images or money",
    "criminal_exploitation": "Criminal exploitation of a child",
}


def _now() -> datetime:
    return datetime.now(UTC)


def priority(case: ReportCase) -> tuple[str, list[str]]:
    """``urgent`` (a child at imminent risk: meeting, threats, sextortion), ``high`` (an
    alert with image requests or a minor's age confirmed) or ``standard``; with reasons."""
    reasons: list[str] = []
    if "meeting" in case.tactics:
        reasons.append("a meeting with the child was proposed")
    if "threat" in case.tactics:
        reasons.append("the child was threatened")
    if case.harm == "sextortion":
        reasons.append("sextortion")
    if reasons:
        return "urgent", reasons
    if "image_request" in case.tactics:
        reasons.append("images were requested from the child")
    child_age = case.age_of(case.at_risk)
    if child_age is not None and child_age < 13:
        reasons.append("the child is under 13")
    if reasons:
        return "high", reasons
    return "standard", ["grooming indicators without an immediate threat"]


def missing_fields(case: ReportCase, config: TenantReporting) -> list[str]:
    missing: list[str] = []
    if not config.reporter.company:
        missing.append("reporter.company (configuration)")
    if not (config.reporter.first_name or config.reporter.last_name):
        missing.append("reporter.first_name/last_name (configuration)")
    if not (config.reporter.email or config.reporter.phone):
        missing.append("reporter.email or reporter.phone (configuration)")
    if case.offender is None:
        missing.append("user concerned (the assessment names no suspected offender)")
    if not case.messages:
        missing.append("conversation messages")
    if case.level not in ("alert", "urgent"):
        missing.append(f"alert level (the conversation is at '{case.level}')")
    return missing


def build_document(
    case: ReportCase,
    config: TenantReporting,
    *,
    reference: str,
    approved_by: str,
    ncmec: AuthorityReportRecord | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Schedule 1's contents of a case (no message text: the content is described and
    hashed; the provider keeps the conversation on evidence hold for the NCA to request)."""
    missing = missing_fields(case, config)
    if missing:
        raise MissingFields(AUTHORITY, missing)
    now = now or _now()
    level, reasons = priority(case)
    hours = int(config.nca.time_frames_h.get(level, 24))
    offender = case.offender or ""
    who = case.identity(offender)
    account = case.accounts.get(offender)
    reported_to_ncmec = ncmec is not None and ncmec.status == "submitted"
    media = [
        {k: item[k] for k in ("kind", "sha256", "pdq") if item.get(k)} for _, item in case.media
    ]
    r = config.reporter
    return {
        "schema": "safeguarding/nca-csea-report/1",
        "reference": reference,
        "created_at": now.isoformat(),
        "reporting_person": {
            "provider": r.company,
            "service": config.platform or None,
            "registration_id": config.nca.registration_id or None,
            "contact": {
                "name": " ".join(x for x in (r.first_name, r.last_name) if x),
                "role": r.role or None,
                "email": r.email or None,
                "phone": r.phone or None,
            },
        },
        "content": {
            "description": HARM_DESCRIPTIONS.get(case.harm, case.harm),
            "harm": case.harm,
            "kind": "text conversation" + (" with media" if media else ""),
            "location": {
                "conversation_id": case.conversation_id,
                "message_ids": [m.message_id for m in case.messages],
            },
            "first_message_at": case.messages[0].ts.isoformat(),
            "last_message_at": case.messages[-1].ts.isoformat(),
            "detected_at": case.incident_at.isoformat() if case.incident_at else None,
            "how_detected": "automated detection, confirmed by human review",
            "indicators": list(case.tactics),
            "risk": round(case.risk, 4),
            "conversation_sha256": case.transcript_digest(),
            "media": media,
            "already_reported_to_ncmec": reported_to_ncmec,
            "ncmec_report_id": ncmec.external_id if reported_to_ncmec and ncmec else None,
        },
        "user_concerned": {
            "account_id": offender,
            "screen_name": who.screen_name,
            "display_names": list(who.display_names),
            "profile_url": who.profile_url or config.profile_url(offender),
            "declared_age": account.declared_age if account else None,
            "verified_age": account.verified_age if account else None,
            "account_created_at": account.created_at.isoformat()
            if account and account.created_at
            else None,
        },
        "identity_information": {
            "email": who.email,
            "ip_events": [
                {
                    "ip": e.ip,
                    "event": e.event,
                    "at": e.at.isoformat() if e.at else None,
                    "port": e.port,
                }
                for e in who.ip_events
            ],
            "device_ids": [
                {
                    "type": d.kind,
                    "value": d.value,
                    "event": d.event,
                    "at": d.at.isoformat() if d.at else None,
                }
                for d in who.device_ids
            ],
            "prior_reports": list(who.prior_cybertips),
        },
        "child": {
            "account_id": case.at_risk,
            "age": case.age_of(case.at_risk),
        },
        "priority": {
            "level": level,
            "reasons": reasons,
            "report_within_hours": hours,
            "report_by": (now + timedelta(hours=hours)).isoformat(),
        },
        "declaration": {"text": DECLARATION, "made_by": approved_by, "made_at": now.isoformat()},
    }


def render_html(document: dict[str, Any]) -> str:
    """A readable copy of the document: one table per section."""

    def cell(value: Any) -> str:
        if isinstance(value, dict):
            return "<br>".join(
                f"{html.escape(str(k))}: {cell(v)}"
                for k, v in value.items()
                if v not in (None, "", [])
            )
        if isinstance(value, list):
            return "<br>".join(cell(v) for v in value) or "&mdash;"
        return html.escape("" if value is None else str(value)) or "&mdash;"

    titles = {
        "reporting_person": "1. Reporting person",
        "content": "2. The content",
        "user_concerned": "3. The user concerned",
        "identity_information": "4. Identity information held",
        "child": "5. The child",
        "priority": "6. Priority assessment and time frame",
        "declaration": "7. Declaration",
    }
    parts = [
        "<!doctype html><html lang='en'><meta charset='utf-8'>",
        f"<title>CSEA report {html.escape(document['reference'])}</title>",
        "<style>body{font:14px sans-serif;max-width:60em;margin:2em auto}"
        "th{text-align:left;vertical-align:top;width:14em}"
        "td,th{border-bottom:1px solid #ccc;padding:4px}</style>",
        "<h1>Report to the National Crime Agency</h1>",
        f"<p>Reference {html.escape(document['reference'])}, "
        f"created {html.escape(document['created_at'])}</p>",
    ]
    for key, title in titles.items():
        parts.append(f"<h2>{title}</h2><table>")
        for name, value in document[key].items():
            parts.append(
                f"<tr><th>{html.escape(name.replace('_', ' '))}</th><td>{cell(value)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</html>")
    return "\n".join(parts)


def _sender(config: TenantReporting) -> ReportSender:
    try:
        return get_sender(config.nca.sender, **config.nca.options)
    except (KeyError, TypeError, ReportSendError) as exc:
        raise ReportError("sender_config", f"nca sender {config.nca.sender!r}: {exc}") from None


@dataclass(frozen=True, slots=True)
class NcaResult:
    record: AuthorityReportRecord | None
    document: dict[str, Any]
    html: str


def report_to_nca(
    repo: Repository,
    case: ReportCase,
    config: TenantReporting,
    *,
    approved_by: str,
    dry_run: bool = False,
    now: datetime | None = None,
) -> NcaResult:
    """Build the NCA document, record it and send it through the configured sender."""
    now = now or _now()
    existing = find_case_report(repo, case, AUTHORITY)
    if existing is not None and existing.status == "submitted" and not dry_run:
        raise AlreadyReported(
            "already_reported", f"reported to the NCA on {existing.submitted_at} ({existing.id})"
        )
    ncmec = find_case_report(repo, case, "ncmec")
    reference = existing.id if existing else "draft"
    document = build_document(
        case, config, reference=reference, approved_by=approved_by, ncmec=ncmec, now=now
    )
    if dry_run:
        return NcaResult(None, document, render_html(document))
    sender = _sender(config)
    sent = {
        "priority": document["priority"]["level"],
        "already_reported_to_ncmec": document["content"]["already_reported_to_ncmec"],
        "conversation_sha256": document["content"]["conversation_sha256"],
        "media_sha256": [m.get("sha256") for m in document["content"]["media"] if m.get("sha256")],
        "sender": sender.name,
        "case_id": case.case_id,
    }
    record, _ = open_case_report(repo, case, AUTHORITY, sent, approved_by)
    document = build_document(
        case, config, reference=record.id, approved_by=approved_by, ncmec=ncmec, now=now
    )
    page = render_html(document)
    outgoing = ReportDocument(KIND, record.id, case.tenant_id, now, document, page)
    body = outgoing.json_bytes()
    record = repo.update_authority_report(
        case.tenant_id,
        record.id,
        step="send",
        detail={"document_sha256": hashlib.sha256(body).hexdigest(), "sender": sender.name},
        actor=approved_by,
        status="sending",
        sent={**sent, "document_sha256": hashlib.sha256(body).hexdigest()},
    )
    try:
        receipt = sender.send(outgoing)
    except ReportSendError as exc:
        repo.fail_authority_report(
            case.tenant_id, record.id, "send_failed", str(exc), actor=approved_by
        )
        raise AuthorityError("send_failed", str(exc)[:500]) from exc
    except ReportError as exc:
        repo.fail_authority_report(
            case.tenant_id, record.id, exc.code, exc.message, actor=approved_by
        )
        raise
    record = repo.update_authority_report(
        case.tenant_id,
        record.id,
        step="sent",
        detail={"sender": sender.name, "external_id": receipt.detail.get("external_id")},
        actor=approved_by,
        status="submitted",
        external_id=receipt.detail.get("external_id"),
        submitted_at=now,
        retain_until=now + timedelta(days=config.nca.retention_days),
        error_code=None,
        error_message=None,
    )
    return NcaResult(record, document, page)
