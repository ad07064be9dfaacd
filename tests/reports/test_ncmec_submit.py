"""Filing CyberTips end to end against the local fake CyberTipline: the documented flow,
retries, errors with their code, resume after a crash, retraction, filed once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from report_fakes import CyberTipState, cybertipline_app, serve
from report_helpers import tenant_config

from safeguarding.cases.audit import verify_audit
from safeguarding.reports.case import case_from_conversation
from safeguarding.reports.config import TenantReporting
from safeguarding.reports.errors import AlreadyReported, AuthorityError, MissingFields
from safeguarding.reports.ncmec.client import CyberTiplineClient
from safeguarding.reports.ncmec.document import MediaFile
from safeguarding.reports.ncmec.submit import retract_cybertip, submit_cybertip


def _factory(sleeps: list[float]):  # type: ignore[no-untyped-def]
    def make(config: TenantReporting) -> CyberTiplineClient:
        n = config.ncmec
        return CyberTiplineClient(
            n.base_url,
            n.username,
            n.password,
            attempts=n.attempts,
            backoff_s=0.01,
            sleep=sleeps.append,
        )

    return make


@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    state = CyberTipState()
    with serve(cybertipline_app(state)) as url:
        yield state, url


def test_grooming_and_sextortion_are_filed_end_to_end(demo, fake) -> None:
    h, tenant, _ = demo
    state, url = fake
    config = tenant_config(url)
    for conversation in ("ex-01", "ex-04"):
        case = case_from_conversation(h.repo, tenant, conversation)
        result = submit_cybertip(
            h.repo, case, config, approved_by="mod-1", client_factory=_factory([])
        )
        record = result.record
        assert record is not None and record.status == "submitted"
        report = state.reports[record.external_id or ""]
        assert report["finished"] and len(report["files"]) == 1
        (content,) = report["files"].values()
        assert content == case.transcript()  # the conversation itself travels as the file
        assert record.sent["files"][0]["hashes"]["sha256"] == case.transcript_digest()
        steps = [e.step for e in h.repo.authority_report_events(tenant, record.id)]
        assert steps == [
            "created",
            "submit",
            "submitted",
            "upload",
            "uploaded",
            "fileinfo",
            "finish",
            "finished",
        ]
        assert h.repo.get_conversation(tenant, conversation).evidence_hold  # type: ignore[union-attr]
        # Every step also stands in the tenant's hash-chained audit log, which verifies.
        chained = [
            e.action
            for e in h.repo.audit_entries(tenant)
            if e.target == record.id and e.action.startswith("report.")
        ]
        assert chained == [f"report.{step}" for step in steps]
    assert verify_audit(h.repo, tenant).ok
    assert state.calls.count("finish") == 2 and len(state.finished()) == 2


def test_a_case_is_filed_once(demo, fake) -> None:
    h, tenant, _ = demo
    state, url = fake
    case = case_from_conversation(h.repo, tenant, "ex-01")
    submit_cybertip(
        h.repo, case, tenant_config(url), approved_by="mod-1", client_factory=_factory([])
    )
    with pytest.raises(AlreadyReported):
        submit_cybertip(
            h.repo, case, tenant_config(url), approved_by="mod-2", client_factory=_factory([])
        )
    assert len(state.reports) == 1


def test_unavailable_steps_are_retried_with_backoff(demo, fake) -> None:
    h, tenant, _ = demo
    state, url = fake
    state.fail = {"submit": [503], "upload": [502, 429], "finish": [500]}
    sleeps: list[float] = []
    case = case_from_conversation(h.repo, tenant, "ex-01")
    result = submit_cybertip(
        h.repo, case, tenant_config(url), approved_by="m", client_factory=_factory(sleeps)
    )
    assert result.record is not None and result.record.status == "submitted"
    assert len(sleeps) == 4 and len(state.reports) == 1
    assert sleeps[2] > sleeps[1] / 2  # the second retry of upload waits longer than its first


def test_an_authority_error_shows_its_code_and_is_recorded(demo, fake) -> None:
    h, tenant, _ = demo
    state, url = fake
    state.fail = {"fileinfo": ["4100"]}
    case = case_from_conversation(h.repo, tenant, "ex-04")
    with pytest.raises(AuthorityError) as caught:
        submit_cybertip(
            h.repo, case, tenant_config(url), approved_by="m", client_factory=_factory([])
        )
    assert caught.value.code == "4100" and "fileinfo" in caught.value.message
    (record,) = h.repo.authority_reports(tenant)
    assert record.status == "failed" and record.error_code == "4100"
    # the next run resumes the same report: no second report, the upload is not repeated
    result = submit_cybertip(
        h.repo, case, tenant_config(url), approved_by="m", client_factory=_factory([])
    )
    assert result.resumed and result.record is not None and result.record.status == "submitted"
    assert len(state.reports) == 1 and state.calls.count("upload") == 1
    assert state.reports[result.record.external_id or ""]["finished"]


def test_a_crash_between_upload_and_finish_resumes_without_duplicates(demo, fake) -> None:
    h, tenant, _ = demo
    state, url = fake
    state.fail = {"finish": [503, 503, 503, 503]}  # every attempt of this run fails: it stops there
    case = case_from_conversation(h.repo, tenant, "ex-01")
    with pytest.raises(AuthorityError):
        submit_cybertip(
            h.repo, case, tenant_config(url), approved_by="m", client_factory=_factory([])
        )
    (record,) = h.repo.authority_reports(tenant)
    assert record.progress["files"]["0"]["described"] is True
    result = submit_cybertip(
        h.repo, case, tenant_config(url), approved_by="m", client_factory=_factory([])
    )
    assert result.record is not None and result.record.status == "submitted"
    assert state.calls.count("submit") == 1 and state.calls.count("upload") == 1
    assert len(state.finished()) == 1


def test_a_stale_unfinished_report_is_retracted_and_filed_afresh(demo, fake) -> None:
    h, tenant, _ = demo
    state, url = fake
    state.fail = {"upload": [503] * 4}
    case = case_from_conversation(h.repo, tenant, "ex-01")
    with pytest.raises(AuthorityError):
        submit_cybertip(
            h.repo, case, tenant_config(url), approved_by="m", client_factory=_factory([])
        )
    later = datetime.now(UTC) + timedelta(hours=25)
    result = submit_cybertip(
        h.repo,
        case,
        tenant_config(url),
        approved_by="m",
        client_factory=_factory([]),
        now=lambda: later,
    )
    assert result.record is not None and result.record.status == "submitted"
    first, second = sorted(state.reports)
    assert state.reports[first]["retracted"] and state.reports[second]["finished"]


def test_retract_an_open_report(demo, fake) -> None:
    h, tenant, _ = demo
    state, url = fake
    state.fail = {"finish": [503] * 4}
    case = case_from_conversation(h.repo, tenant, "ex-01")
    with pytest.raises(AuthorityError):
        submit_cybertip(
            h.repo, case, tenant_config(url), approved_by="m", client_factory=_factory([])
        )
    (record,) = h.repo.authority_reports(tenant)
    retracted = retract_cybertip(
        h.repo, tenant, record.id, tenant_config(url), actor="lead", client_factory=_factory([])
    )
    assert retracted.status == "retracted" and state.reports[record.external_id or ""]["retracted"]


def test_media_is_uploaded_by_hash_with_its_details(demo, fake) -> None:
    h, tenant, _ = demo
    state, url = fake
    case = case_from_conversation(h.repo, tenant, "ex-04")
    content = b"synthetic-test-bytes"
    digest = hashlib.sha256(content).hexdigest()
    media = MediaFile(
        "img.png", content, {"sha256": digest, "pdq": "ab" * 32}, viewed=True, classification="B2"
    )
    result = submit_cybertip(
        h.repo,
        case,
        tenant_config(url),
        approved_by="m",
        media=[media],
        client_factory=_factory([]),
    )
    report = state.reports[result.record.external_id or ""]  # type: ignore[union-attr]
    details = b"".join(report["details"].values()).decode()
    assert "<industryClassification>B2</industryClassification>" in details
    assert f'hashType="SHA256">{digest}<' in details and 'hashType="PDQ">' in details
    assert result.record.sent["files"][1]["hashes"]["sha256"] == digest  # type: ignore[union-attr]
    assert "<fileViewedByEsp>true</fileViewedByEsp>" in details
    assert "<publiclyAvailable>false</publiclyAvailable>" in details


def test_no_credentials_means_nothing_is_sent(demo, fake, tmp_path: Path) -> None:
    h, tenant, _ = demo
    state, url = fake
    config = tenant_config(url)
    from dataclasses import replace

    config = replace(config, ncmec=replace(config.ncmec, password=""))
    with pytest.raises(MissingFields):
        submit_cybertip(
            h.repo, case_from_conversation(h.repo, tenant, "ex-01"), config, approved_by="m"
        )
    assert state.calls == [] and h.repo.authority_reports(tenant) == []


def test_wrong_credentials_are_an_error_not_a_retry(demo, fake) -> None:
    h, tenant, _ = demo
    state, url = fake
    config = tenant_config(url)
    from dataclasses import replace

    config = replace(config, ncmec=replace(config.ncmec, password="wrong"))
    with pytest.raises(AuthorityError) as caught:
        submit_cybertip(
            h.repo,
            case_from_conversation(h.repo, tenant, "ex-01"),
            config,
            approved_by="m",
            client_factory=_factory([]),
        )
    assert caught.value.code == "http_401"
    (record,) = h.repo.authority_reports(tenant)
    assert record.status == "failed" and record.error_code == "http_401"


def test_media_from_the_platform_folder_and_unattached_media_listed(
    demo, fake, tmp_path: Path
) -> None:
    from service_helpers import GROOMING, account_events, conversation_events

    from safeguarding.reports.ncmec.submit import media_from_directory

    h, tenant, headers = demo
    content = b"synthetic-media-bytes-for-a-test"
    supplied, missing = hashlib.sha256(content).hexdigest(), "0" * 64
    events = account_events("m") + conversation_events("m", "media-1", GROOMING)
    events[-2]["media"] = [{"kind": "image", "ref": "cdn://x/a.png", "sha256": supplied}]
    events[-1]["media"] = [{"kind": "image", "ref": "cdn://x/b.png", "sha256": missing}]
    assert h.post(headers, events).status_code == 200
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / supplied).write_bytes(content)
    state, url = fake
    case = case_from_conversation(h.repo, tenant, "media-1")
    files = media_from_directory(case, folder, classifications={supplied: "A2"}, viewed=True)
    assert [f.name for f in files] == [f"{supplied}.png"]
    result = submit_cybertip(
        h.repo, case, tenant_config(url), approved_by="m", media=files, client_factory=_factory([])
    )
    assert result.record is not None and result.record.sent["media_not_attached"] == [missing]
    uploaded = state.reports[result.record.external_id or ""]["files"]
    assert content in uploaded.values() and len(uploaded) == 2


def test_status_checks_the_credentials(fake) -> None:
    state, url = fake
    config = tenant_config(url)
    with CyberTiplineClient(url, config.ncmec.username, config.ncmec.password) as client:
        assert client.status().code == "0"
    with (
        CyberTiplineClient(url, "nobody", "wrong", attempts=1) as client,
        pytest.raises(AuthorityError),
    ):
        client.status()
