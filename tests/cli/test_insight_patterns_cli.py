"""``safeguarding insight patterns``: files for Gephi/i2, pseudonymised unless a lead asks."""

from __future__ import annotations

import base64
import csv
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "insight"))

import networkx as nx
import pytest
from pattern_world import OPENERS, SECRET_TEXTS, build_tenant_a, build_tenant_b
from typer.testing import CliRunner

from safeguarding.cases.audit import verify_audit
from safeguarding.cli import app
from safeguarding.insight.patterns_access import REAL_IDS_ACTION
from safeguarding.insight.pseudonyms import Pseudonymiser
from safeguarding.storage.repository import Repository

KEY = bytes(range(32))


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.setenv("SAFEGUARDING_PSEUDONYM_KEY", base64.b64encode(KEY).decode())
    url = f"sqlite:///{tmp_path / 'sg.db'}"
    repo = Repository.from_url(url)
    repo.migrate()
    tenant = repo.create_tenant("tenant-a").id
    build_tenant_a(repo, tenant)
    build_tenant_b(repo, repo.create_tenant("tenant-b").id)
    now = datetime.now(UTC)
    repo.create_user(tenant, "lead1", "lead", None, now=now)
    repo.create_user(tenant, "mod1", "moderator", None, now=now)
    repo.close()
    return url, tenant


def _run(url: str, out: Path, *extra: str) -> object:
    args = ["insight", "patterns", "tenant-a", "--out", str(out), "--db", url]
    args += ["--window-hours", "6", "--max-sharing", "3", *extra]
    return CliRunner().invoke(app, args)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_files_pseudonymised_stable_and_without_text(db: tuple[str, str], tmp_path: Path) -> None:
    url, tenant = db
    first, second = tmp_path / "one", tmp_path / "two"
    result = _run(url, first)
    assert result.exit_code == 0, result.output
    assert _run(url, second).exit_code == 0
    name = Pseudonymiser(KEY, tenant)
    nodes = _rows(first / "nodes.csv")
    assert {n["id"] for n in nodes} == {name(a) for a in ("fox1", "fox2", "fox3", "wolf", "wolf2")}
    for f in ("nodes.csv", "edges.csv", "clusters.csv", "patterns.graphml"):
        assert (first / f).read_bytes() == (second / f).read_bytes(), f  # stable exports
    clusters = _rows(first / "clusters.csv")
    assert [(c["rank"], c["accounts"], c["children_reached"]) for c in clusters] == [
        ("1", "3", "12"),
        ("2", "2", "3"),
    ]
    assert set(clusters[1]["members"].split()) == {name("wolf"), name("wolf2")}
    evasion = _rows(first / "repeat-offenders.csv")
    assert {(r["suspended"], r["account"], r["via"]) for r in evasion} == {
        (name("wolf"), name("wolf"), "same_account"),
        (name("wolf"), name("wolf2"), "handle+media"),
    }
    graph = nx.read_graphml(first / "patterns.graphml")
    assert graph.number_of_nodes() == 5 and graph.number_of_edges() == 4
    assert graph.nodes[name("fox1")]["burst_children"] == 6
    everything = "".join(p.read_text() for p in first.iterdir())
    for secret in ["fox1", "wolf2", "k01", "900555", "foxy_k", "wolfy99", *OPENERS, *SECRET_TEXTS]:
        assert secret not in everything, secret


def test_real_ids_only_for_a_lead_and_audit_logged(db: tuple[str, str], tmp_path: Path) -> None:
    url, tenant = db
    refused = _run(url, tmp_path / "x", "--real-ids")
    assert refused.exit_code == 2
    assert _run(url, tmp_path / "y", "--real-ids", "--as", "mod1").exit_code == 2
    assert _run(url, tmp_path / "z", "--real-ids", "--as", "nobody").exit_code == 2
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    ok = _run(url, tmp_path / "real", "--real-ids", "--as", "lead1")
    assert ok.exit_code == 0, ok.output
    ids = {n["id"] for n in _rows(tmp_path / "real" / "nodes.csv")}
    assert ids == {"fox1", "fox2", "fox3", "wolf", "wolf2"}
    repo = Repository.from_url(url)
    entries = repo.audit_entries(tenant, action=REAL_IDS_ACTION)
    assert [(e.actor, e.detail) for e in entries] == [("lead1", {"where": "cli", "accounts": 5})]
    assert verify_audit(repo, tenant).ok
    repo.close()


def test_bad_settings_refused(db: tuple[str, str], tmp_path: Path) -> None:
    url, _ = db
    assert _run(url, tmp_path / "o", "--min-children", "0").exit_code == 2
    assert _run(url, tmp_path / "o", "--max-sharing", "1").exit_code == 2
