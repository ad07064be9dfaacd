"""The patterns page in a real browser: Playwright driving Debian's Chromium against the
console served by uvicorn; a lead opens it from the navigation and asks for real ids."""

from __future__ import annotations

import base64
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "insight"))

import pytest
from case_helpers import PASSWORD, World, served, sqlite_copy
from pattern_world import build_tenant_a

from safeguarding.insight.patterns_access import REAL_IDS_ACTION
from safeguarding.insight.pseudonyms import Pseudonymiser

playwright = pytest.importorskip("playwright.sync_api")
KEY = bytes(range(32))


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is not installed; CI must provide it (apt-get install chromium)")
        pytest.skip("Chromium is not installed")
    return path


@pytest.fixture
def site(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[World, str]]:
    monkeypatch.setenv("SAFEGUARDING_PSEUDONYM_KEY", base64.b64encode(KEY).decode())
    w = World(sqlite_copy(sqlite_template, tmp_path / "sg.db"), tmp_path, seeded=True)
    build_tenant_a(w.repo, w.tenant)
    try:
        with served(w) as base:
            yield w, base
    finally:
        w.close()


def test_lead_finds_the_planted_network_and_exports_real_ids(site: tuple[World, str]) -> None:
    w, base = site
    name = Pseudonymiser(KEY, w.tenant)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        context = browser.new_context(base_url=base, accept_downloads=True)
        page = context.new_page()
        page.goto("/console/login")
        page.fill("#organisation", "acme")
        page.fill("#username", "lead")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/console/**")
        page.click("text=Insight: patterns")
        page.wait_for_url("**/insight/patterns")
        page.fill("input[name=window_hours]", "6")
        page.fill("input[name=max_sharing]", "3")
        page.click("form.filters button")
        page.wait_for_selector("#clusters")
        first = page.locator("#clusters tbody tr").first.inner_text()
        assert all(name(a) in first for a in ("fox1", "fox2", "fox3")) and "12" in first
        evasion = page.locator("#repeat-offenders").inner_text()
        assert name("wolf2") in evasion and "handle+media" in evasion
        assert "fox1" not in page.content().replace(name("fox1"), "")
        page.check("#real-ids input[name=confirm]")
        page.select_option("#real-ids select[name=file]", "clusters.csv")
        with page.expect_download() as download:
            page.click("#real-ids button")
        text = Path(download.value.path()).read_text()
        assert "fox1 fox2 fox3" in text
        browser.close()
    assert [e.actor for e in w.repo.audit_entries(w.tenant, action=REAL_IDS_ACTION)] == ["lead"]
