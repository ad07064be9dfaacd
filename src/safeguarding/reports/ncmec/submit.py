"""Filing a CyberTip: open, upload, describe, finish; resumable and filed once.

Every step is written to the report's record before and after it runs, so a process killed
anywhere leaves a record that says how far it got:

* nothing opened yet (or killed during ``/submit``): the next run opens the report afresh. A
  report NCMEC opened but we never heard of is unfinished, and NCMEC deletes it after 24 h;
  it is never filed.
* opened, files partly sent: the next run goes on with the same report id, uploading only
  the files without a file id and describing only those not yet described, then finishes.
* opened more than ``resume_within_h`` hours ago: NCMEC may have deleted it; it is retracted
  (best effort) and filed afresh.
* finished: a second run answers :class:`AlreadyReported` with the CyberTip id.

The record keeps what was sent as hashes (the document's SHA-256, each file's MD5 and
SHA-256), never copies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from safeguarding.reports.case import ReportCase, find_case_report, open_case_report
from safeguarding.reports.config import TenantReporting
from safeguarding.reports.errors import AlreadyReported, AuthorityError, MissingFields, ReportError
from safeguarding.reports.ncmec.client import CyberTiplineClient
from safeguarding.reports.ncmec.document import (
    MediaFile,
    build_file_details,
    build_report,
    file_hashes,
    report_annotations,
    schema_errors,
)
from safeguarding.storage import Repository
from safeguarding.storage.records import AuthorityReportRecord

AUTHORITY = "ncmec"
ClientFactory = Callable[[TenantReporting], CyberTiplineClient]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CyberTipResult:
    record: AuthorityReportRecord | None  # None on a dry run
    xml: bytes
    resumed: bool = False


def default_client(config: TenantReporting) -> CyberTiplineClient:
    n = config.ncmec
    return CyberTiplineClient(
        n.base_url,
        n.username,
        n.password,
        timeout_s=n.timeout_s,
        attempts=n.attempts,
        backoff_s=n.backoff_s,
    )


def prepare_cybertip(
    case: ReportCase, config: TenantReporting, *, approved_by: str | None = None
) -> bytes:
    """The schema-valid report XML of a case; :class:`MissingFields` or a ``schema``
    :class:`ReportError` before anything is sent."""
    xml = build_report(case, config, approved_by=approved_by)
    errors = schema_errors(xml)
    if errors:
        raise ReportError(
            "schema", "the report does not match the CyberTipline schema: " + "; ".join(errors)
        )
    return xml


def media_from_directory(
    case: ReportCase,
    directory: Path,
    *,
    classifications: dict[str, str] | None = None,
    viewed: bool = False,
) -> list[MediaFile]:
    """The case's media the platform put in ``directory`` (files named by the SHA-256 the
    message carried); media without a file there stays unattached, and the record lists it
    (``sent.media_not_attached``)."""
    found: list[MediaFile] = []
    for _, item in case.media:
        digest = item.get("sha256")
        path = directory / str(digest) if digest else None
        if path is None or not path.is_file():
            continue
        content = path.read_bytes()
        hashes = {k: str(item[k]) for k in ("sha256", "pdq") if item.get(k)}
        hashes.setdefault("md5", hashlib.md5(content).hexdigest())
        found.append(
            MediaFile(
                name=f"{digest}{Path(str(item.get('ref', ''))).suffix}",
                content=content,
                hashes=hashes,
                viewed=viewed,
                classification=(classifications or {}).get(str(digest)),
            )
        )
    return found


def _plan(case: ReportCase, media: Sequence[MediaFile]) -> list[dict[str, Any]]:
    transcript = case.transcript()
    plan = [
        {
            "name": f"conversation-{case.conversation_id}.txt",
            "kind": "conversation",
            "relevance": "Reported",
            "viewed": True,
            "classification": None,
            "hashes": file_hashes(transcript),
        }
    ]
    for item in media:
        plan.append(
            {
                "name": item.name,
                "kind": "media",
                "relevance": "Reported",
                "viewed": item.viewed,
                "classification": item.classification,
                "hashes": {**item.hashes, **file_hashes(item.content)},
            }
        )
    return plan


def _unattached(case: ReportCase, media: Sequence[MediaFile]) -> list[str]:
    """The case's media items no file was supplied for: their SHA-256 (else their kind)."""
    attached = {m.hashes.get("sha256") for m in media} | {
        file_hashes(m.content)["sha256"] for m in media
    }
    return [
        str(item.get("sha256") or item.get("kind", "media"))
        for _, item in case.media
        if item.get("sha256") not in attached
    ]


def _contents(case: ReportCase, media: Sequence[MediaFile]) -> list[bytes]:
    return [case.transcript(), *(m.content for m in media)]


def submit_cybertip(
    repo: Repository,
    case: ReportCase,
    config: TenantReporting,
    *,
    approved_by: str,
    media: Sequence[MediaFile] = (),
    client_factory: ClientFactory = default_client,
    now: Callable[[], datetime] = _now,
) -> CyberTipResult:
    """File (or resume filing) the CyberTip of a case; see the module's docstring."""
    if not (config.ncmec.username and config.ncmec.password):
        raise MissingFields(
            AUTHORITY, ["ncmec.username and ncmec.password (set the *_env variables they name)"]
        )
    existing = find_case_report(repo, case, AUTHORITY)
    if existing is not None and existing.status == "submitted":
        raise AlreadyReported(
            "already_reported",
            f"reported to NCMEC as CyberTip {existing.external_id} on {existing.submitted_at}",
        )
    if existing is not None and existing.sent.get("message_count"):
        # A resumed report sends what the first attempt planned, not messages added since.
        count = int(existing.sent["message_count"])
        case = replace(case, messages=case.messages[:count])
    xml = prepare_cybertip(case, config, approved_by=approved_by)
    plan = _plan(case, media)
    sent = {
        "document_sha256": hashlib.sha256(xml).hexdigest(),
        "incident_type": "Online Enticement of Children for Sexual Acts",
        "harm": case.harm,
        "annotations": report_annotations(case),
        "escalated": case.severe,
        "message_count": len(case.messages),
        "files": plan,
        "identity_fields": {a: i.fields_present() for a, i in case.identities.items()},
        "media_not_attached": _unattached(case, media),
        "case_id": case.case_id,
    }
    record, created = open_case_report(repo, case, AUTHORITY, sent, approved_by)
    if not created:
        repo.audit_authority_report(
            case.tenant_id, record.id, "resume", detail={"status": record.status}, actor=approved_by
        )
        plan = list(record.sent.get("files") or plan)
    with client_factory(config) as client:
        record = _run(
            repo, client, record, plan, _contents(case, media), xml, config, approved_by, now
        )
    return CyberTipResult(record, xml, resumed=not created)


def _run(
    repo: Repository,
    client: CyberTiplineClient,
    record: AuthorityReportRecord,
    plan: list[dict[str, Any]],
    contents: list[bytes],
    xml: bytes,
    config: TenantReporting,
    actor: str,
    now: Callable[[], datetime],
) -> AuthorityReportRecord:
    tenant = record.tenant_id
    progress: dict[str, Any] = dict(record.progress)

    def save(
        step: str, detail: dict[str, Any] | None = None, **changes: Any
    ) -> AuthorityReportRecord:
        return repo.update_authority_report(
            tenant,
            record.id,
            step=step,
            detail=detail,
            actor=actor,
            progress=dict(progress),
            **changes,
        )

    try:
        opened_at = progress.get("opened_at")
        if progress.get("report_id") and opened_at:
            age = now() - datetime.fromisoformat(opened_at)
            if age > timedelta(hours=config.ncmec.resume_within_h) or record.status == "retracted":
                _retract_quietly(repo, client, record, progress["report_id"], actor)
                progress = {}
        if not progress.get("report_id"):
            record = save(
                "submit",
                {"document_sha256": record.sent.get("document_sha256")},
                status="submitting",
            )
            report_id = client.submit(xml)
            progress.update(report_id=report_id, opened_at=now().isoformat(), files={})
            record = save(
                "submitted", {"report_id": report_id}, status="open", external_id=report_id
            )
        report_id = str(progress["report_id"])
        files: dict[str, dict[str, Any]] = progress.setdefault("files", {})
        for index, (item, content) in enumerate(zip(plan, contents, strict=False)):
            state = files.setdefault(str(index), {})
            if file_hashes(content)["sha256"] != item["hashes"]["sha256"]:
                raise ReportError(
                    "changed",
                    f"file {index} changed since the report was opened; retract it and file again",
                )
            if not state.get("file_id"):
                save(
                    "upload",
                    {"file": index, "sha256": item["hashes"]["sha256"]},
                    status="uploading",
                )
                state["file_id"] = client.upload(report_id, item["name"], content)
                save("uploaded", {"file": index, "file_id": state["file_id"]})
            if not state.get("described"):
                details = build_file_details(
                    report_id,
                    state["file_id"],
                    name=item["name"],
                    viewed=bool(item["viewed"]),
                    hashes={
                        k: v for k, v in item["hashes"].items() if k in ("md5", "sha256", "pdq")
                    },
                    relevance=item["relevance"],
                    classification=item["classification"],
                )
                errors = schema_errors(details)
                if errors:
                    raise ReportError(
                        "schema", "file details do not match the schema: " + "; ".join(errors)
                    )
                client.fileinfo(details)
                state["described"] = True
                save("fileinfo", {"file": index})
        record = save("finish", {"report_id": report_id}, status="finishing")
        client.finish(report_id)
        return save(
            "finished",
            {"report_id": report_id, "files": len(files)},
            status="submitted",
            submitted_at=now(),
            error_code=None,
            error_message=None,
        )
    except ReportError as exc:
        save(
            "error",
            {"code": exc.code},
            status="failed",
            error_code=exc.code[:40],
            error_message=exc.message[:500],
        )
        raise


def _retract_quietly(
    repo: Repository,
    client: CyberTiplineClient,
    record: AuthorityReportRecord,
    report_id: str,
    actor: str,
) -> None:
    try:
        client.retract(report_id)
        outcome, detail = "ok", {"report_id": report_id}
    except AuthorityError as exc:  # already deleted by NCMEC after 24 h: nothing to retract
        outcome, detail = "error", {"report_id": report_id, "code": exc.code}
    repo.audit_authority_report(
        record.tenant_id, record.id, "retract_stale", outcome, detail, actor
    )


def retract_cybertip(
    repo: Repository,
    tenant_id: str,
    report_id: str,
    config: TenantReporting,
    *,
    actor: str,
    client_factory: ClientFactory = default_client,
) -> AuthorityReportRecord:
    """Retract an opened, unfinished CyberTip (a finished one cannot be retracted)."""
    record = repo.get_authority_report(tenant_id, report_id)
    if record is None or record.authority != AUTHORITY:
        raise ReportError("not_found", "no such CyberTip record")
    ncmec_id = record.progress.get("report_id")
    if record.status == "submitted" or not ncmec_id:
        raise ReportError(
            "not_retractable", f"a report in status '{record.status}' cannot be retracted"
        )
    with client_factory(config) as client:
        try:
            client.retract(str(ncmec_id))
        except AuthorityError as exc:
            repo.update_authority_report(
                tenant_id,
                report_id,
                step="retract",
                outcome="error",
                detail={"code": exc.code},
                actor=actor,
                error_code=exc.code[:40],
                error_message=exc.message[:500],
            )
            raise
    return repo.update_authority_report(
        tenant_id,
        report_id,
        step="retract",
        detail={"report_id": ncmec_id},
        actor=actor,
        status="retracted",
        progress={},
    )
