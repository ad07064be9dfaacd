"""``safeguarding reports`` on the demo data: dry runs print the documents; a filing killed
(SIGKILL) between upload and finish resumes on the next run without a duplicate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml
from report_fakes import CyberTipState, TransparencyState, cybertipline_app, serve, transparency_app
from report_helpers import ENV, tenant_section
from typer.testing import CliRunner

import safeguarding
from safeguarding.cli import app
from safeguarding.reports.ncmec.document import schema_errors


def _config(tmp_path: Path, ncmec_url: str, dsa_url: str = "http://127.0.0.1:9") -> Path:
    section = tenant_section(ncmec_url)
    section["nca"] = {"sender": "file", "options": {"directory": str(tmp_path / "nca")}}
    section["dsa"]["endpoint"] = dsa_url
    path = tmp_path / "reports.yaml"
    path.write_text(yaml.safe_dump({"tenants": {"demo": section}}), encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["reports", *args], env=ENV)
    return result.exit_code, result.output


def test_dry_run_prints_schema_valid_xml_and_sends_nothing(demo, tmp_path: Path) -> None:
    h, tenant, _ = demo
    config = _config(tmp_path, "http://127.0.0.1:9")
    db = h.settings.db_url
    for case in ("ex-01", "ex-04"):
        code, output = _run("ncmec", case, "--dry-run", "--config", str(config), "--db", db)
        assert code == 0, output
        xml = output.strip().encode()
        assert xml.startswith(b"<?xml") and schema_errors(xml) == []
    assert h.repo.authority_reports(tenant) == []


def test_missing_fields_are_listed(demo, tmp_path: Path) -> None:
    h, _, _ = demo
    code, output = _run("ncmec", "ex-01", "--dry-run", "--db", h.settings.db_url)
    assert code == 1 and "missing: reporter.email" in output


def test_unknown_case_and_tenant(demo, tmp_path: Path) -> None:
    h, _, _ = demo
    assert _run("ncmec", "nope", "--dry-run", "--db", h.settings.db_url)[0] == 2
    assert (
        _run("ncmec", "ex-01", "--tenant", "nobody", "--dry-run", "--db", h.settings.db_url)[0] == 2
    )


def test_killed_between_upload_and_finish_resumes_without_duplicates(demo, tmp_path: Path) -> None:
    h, tenant, _ = demo
    state = CyberTipState(hold="finish")
    with serve(cybertipline_app(state)) as url:
        config = _config(tmp_path, url)
        src = str(Path(safeguarding.__file__).resolve().parents[1])
        env = {**os.environ, **ENV, "PYTHONPATH": src}
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from safeguarding.cli import app; app()",
                "reports",
                "ncmec",
                "ex-01",
                "--config",
                str(config),
                "--db",
                h.settings.db_url,
                "--approved-by",
                "mod-1",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert state.held.wait(180), "the filing never reached /finish"
            (record,) = h.repo.authority_reports(tenant)
            assert record.status == "finishing"
            os.kill(process.pid, signal.SIGKILL)
            process.wait(30)
        finally:
            state.release.set()
            if process.poll() is None:
                process.kill()
        assert process.returncode == -signal.SIGKILL
        assert not state.finished()
        code, output = _run("ncmec", "ex-01", "--config", str(config), "--db", h.settings.db_url)
        assert code == 0, output
        assert "resumed and filed" in output
        assert state.calls.count("submit") == 1 and state.calls.count("upload") == 1
        assert len(state.reports) == 1 and len(state.finished()) == 1
        (record,) = h.repo.authority_reports(tenant)
        assert record.status == "submitted" and record.external_id in state.reports
        steps = [e.step for e in h.repo.authority_report_events(tenant, record.id)]
        assert steps.count("submit") == 1 and "resume" in steps and steps[-1] == "finished"
        # and a third run files nothing more
        code, output = _run("ncmec", "ex-01", "--config", str(config), "--db", h.settings.db_url)
        assert code == 1 and "already_reported" in output and len(state.reports) == 1


def test_nca_and_dsa_from_the_demo_data(demo, tmp_path: Path) -> None:
    h, tenant, _ = demo
    dsa_state = TransparencyState()
    cyber = CyberTipState()
    with serve(cybertipline_app(cyber)) as ncmec_url, serve(transparency_app(dsa_state)) as dsa_url:
        config = _config(tmp_path, ncmec_url, dsa_url + "/api/v1")
        db = h.settings.db_url
        assert _run("ncmec", "ex-04", "--config", str(config), "--db", db)[0] == 0
        code, output = _run(
            "nca", "ex-04", "--config", str(config), "--db", db, "--approved-by", "lead"
        )
        assert code == 0, output
        (written,) = (tmp_path / "nca").glob("*.json")
        document = json.loads(written.read_text())
        assert document["content"]["already_reported_to_ncmec"] is True
        assert document["content"]["ncmec_report_id"] in cyber.reports
        assert document["priority"]["level"] == "urgent"
        assert written.with_suffix(".html").read_text().count("<h2>") == 7
        code, output = _run("dsa", "--config", str(config), "--db", db)
        assert code == 0, output
        submitted = [
            r for r in h.repo.authority_reports(tenant, authority="dsa") if r.status == "submitted"
        ]
        assert submitted and len(submitted) == sum(len(b) for b in dsa_state.batches)
        code, output = _run("list", "--db", db, "--json")
        assert code == 0 and len(output.strip().splitlines()) == len(submitted) + 2
