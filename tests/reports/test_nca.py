"""The NCA report: Schedule 1's sections from the demo data, priority, the NCMEC mark, the
record kept past the ordinary purge, and delivery through the registered senders."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from report_fakes import serve
from report_helpers import tenant_config

from safeguarding.reports.case import case_from_conversation
from safeguarding.reports.errors import AlreadyReported, AuthorityError, MissingFields
from safeguarding.reports.nca import priority, report_to_nca


def _config(tmp_path: Path, **nca: Any):  # type: ignore[no-untyped-def]
    config = tenant_config()
    options = nca.pop("options", {"directory": str(tmp_path / "nca")})
    return replace(config, nca=replace(config.nca, options=options, **nca))


def test_document_sections_and_the_file_exporter(demo, tmp_path: Path) -> None:
    h, tenant, _ = demo
    case = case_from_conversation(h.repo, tenant, "ex-01")
    result = report_to_nca(h.repo, case, _config(tmp_path), approved_by="lead")
    record = result.record
    assert record is not None and record.status == "submitted" and record.retain_until
    assert (record.retain_until - record.submitted_at).days == 5 * 365  # type: ignore[operator]
    written = json.loads((tmp_path / "nca" / f"{record.id}.json").read_text())
    assert set(written) >= {
        "reporting_person",
        "content",
        "user_concerned",
        "identity_information",
        "child",
        "priority",
        "declaration",
    }
    assert written["reference"] == record.id and written["declaration"]["made_by"] == "lead"
    assert written["content"]["already_reported_to_ncmec"] is False
    assert written["priority"]["level"] == "high"  # an image request, no threat or meeting
    page = (tmp_path / "nca" / f"{record.id}.html").read_text()
    assert page.count("<h2>") == 7 and "Declaration" in page
    for message in case.messages:
        assert message.text and message.text not in json.dumps(written) and message.text not in page
    with pytest.raises(AlreadyReported):
        report_to_nca(h.repo, case, _config(tmp_path), approved_by="lead")
    assert h.repo.get_conversation(tenant, "ex-01").evidence_hold  # type: ignore[union-attr]


def test_priority_levels(demo) -> None:
    h, tenant, _ = demo
    sextortion = case_from_conversation(h.repo, tenant, "ex-04")
    assert priority(sextortion)[0] == "urgent"
    calm = replace(sextortion, tactics=("compliments",), harm="grooming")
    assert priority(calm)[0] in ("standard", "high")


def test_https_sender_and_its_failure_is_recorded(demo, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    h, tenant, _ = demo
    monkeypatch.setenv("TEST_NCA_TOKEN", "nca-test-token")
    received: list[dict[str, Any]] = []
    state = {"up": False}
    app = FastAPI()

    @app.post("/reports")
    async def take(request: Request) -> Any:
        if not state["up"]:
            return Response(status_code=503)
        if request.headers.get("authorization") != "Bearer nca-test-token":
            return Response(status_code=401)
        received.append(
            {"key": request.headers.get("idempotency-key"), "body": await request.json()}
        )
        return {"id": "NCA-TEST-1"}

    with serve(app) as url:
        options = {"url": url + "/reports", "token_env": "TEST_NCA_TOKEN"}
        config = _config(tmp_path, sender="https", options=options)
        case = case_from_conversation(h.repo, tenant, "ex-04")
        with pytest.raises(AuthorityError):
            report_to_nca(h.repo, case, config, approved_by="lead")
        (record,) = h.repo.authority_reports(tenant, authority="nca")
        assert record.status == "failed" and record.error_code == "send_failed"
        state["up"] = True
        result = report_to_nca(h.repo, case, config, approved_by="lead")
    assert result.record is not None and result.record.external_id == "NCA-TEST-1"
    assert received[0]["key"] == result.record.id
    assert received[0]["body"]["priority"]["level"] == "urgent"


def test_unknown_sender_and_missing_reporter_send_nothing(demo, tmp_path: Path) -> None:
    h, tenant, _ = demo
    case = case_from_conversation(h.repo, tenant, "ex-01")
    with pytest.raises(Exception, match="sender"):
        report_to_nca(h.repo, case, _config(tmp_path, sender="pigeon"), approved_by="lead")
    config = replace(tenant_config(), reporter=replace(tenant_config().reporter, company=""))
    with pytest.raises(MissingFields):
        report_to_nca(h.repo, case, config, approved_by="lead")
    assert h.repo.authority_reports(tenant) == []
