"""The patterns page: lead and auditor roles, pseudonymised ids, real ids for a lead who asks
(audited), nothing of another tenant; and the same in a real browser (Chromium)."""

from __future__ import annotations

import base64
import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "insight"))

import pytest
from case_helpers import World, csrf_of, login
from fastapi.testclient import TestClient
from pattern_world import OPENERS, build_tenant_a

from safeguarding.cases.audit import verify_audit
from safeguarding.insight.patterns_access import REAL_IDS_ACTION
from safeguarding.insight.pseudonyms import Pseudonymiser

KEY = bytes(range(32))
PAGE = "/console/insight/patterns"
QUERY = "?window_hours=6&max_sharing=3"


@pytest.fixture
def planted(sqlite_world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("SAFEGUARDING_PSEUDONYM_KEY", base64.b64encode(KEY).decode())
    build_tenant_a(sqlite_world.repo, sqlite_world.tenant)
    yield sqlite_world


def _client(w: World, who: str, organisation: str = "acme") -> TestClient:
    client = TestClient(w.app, raise_server_exceptions=False)
    assert login(client, who, organisation=organisation).status_code == 303
    return client


def test_lead_and_auditor_see_pseudonymised_patterns(planted: World) -> None:
    name = Pseudonymiser(KEY, planted.tenant)
    for who in ("lead", "auditor"):
        page = _client(planted, who).get(PAGE + QUERY)
        assert page.status_code == 200, page.text
        assert name("fox1") in page.text and name("wolf2") in page.text
        assert ">fox1<" not in page.text and "wolf2" not in page.text
        assert not any(opener in page.text for opener in OPENERS)
        assert "Insight: patterns" in page.text
    for who in ("moderator", "specialist", "admin"):
        assert _client(planted, who).get(PAGE).status_code == 403


def test_downloads_pseudonymised_and_real_ids_only_for_a_lead(planted: World) -> None:
    name = Pseudonymiser(KEY, planted.tenant)
    auditor = _client(planted, "auditor")
    nodes = auditor.get(f"{PAGE}/nodes.csv{QUERY}")
    assert nodes.status_code == 200
    ids = {r["id"] for r in csv.DictReader(io.StringIO(nodes.text))}
    assert {name(a) for a in ("fox1", "fox2", "fox3", "wolf", "wolf2")} <= ids
    assert auditor.get(f"{PAGE}/secrets.txt").status_code == 404
    token = csrf_of(auditor.get(PAGE).text)
    refused = auditor.post(PAGE, data={"csrf": token, "confirm": "yes", "file": "nodes.csv"})
    assert refused.status_code == 403

    lead = _client(planted, "lead")
    token = csrf_of(lead.get(PAGE).text)
    unticked = lead.post(PAGE + QUERY, data={"csrf": token, "file": "nodes.csv"})
    assert unticked.status_code == 400
    no_csrf = lead.post(PAGE + QUERY, data={"confirm": "yes", "file": "nodes.csv"})
    assert no_csrf.status_code == 400
    real = lead.post(PAGE + QUERY, data={"csrf": token, "confirm": "yes", "file": "nodes.csv"})
    assert real.status_code == 200
    assert "real-ids" in real.headers["content-disposition"]
    ids = {r["id"] for r in csv.DictReader(io.StringIO(real.text))}
    assert {"fox1", "fox2", "fox3", "wolf", "wolf2"} <= ids
    entries = planted.repo.audit_entries(planted.tenant, action=REAL_IDS_ACTION)
    assert [(e.actor, e.detail["where"]) for e in entries] == [("lead", "console:nodes.csv")]
    assert verify_audit(planted.repo, planted.tenant).ok


def test_another_tenants_lead_sees_none_of_it(planted: World) -> None:
    lead = _client(planted, "lead", organisation="globex")
    name = Pseudonymiser(KEY, planted.tenant)
    page = lead.get(PAGE + QUERY)
    assert page.status_code == 200
    assert name("fox1") not in page.text and name("wolf") not in page.text
    token = csrf_of(page.text)
    real = lead.post(PAGE + QUERY, data={"csrf": token, "confirm": "yes", "file": "nodes.csv"})
    assert real.status_code == 200 and "fox1" not in real.text and "wolf" not in real.text


def test_bad_settings_are_a_400(planted: World) -> None:
    lead = _client(planted, "lead")
    for query in ("?window_hours=abc", "?min_children=0", "?max_sharing=1", "?window_hours=1e999"):
        assert lead.get(PAGE + query).status_code == 400, query
