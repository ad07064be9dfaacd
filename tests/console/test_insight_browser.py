"""The Insight area in a real browser (Playwright, Debian's Chromium): a lead follows the
navigation to the trends page and reads the month's totals and a planted spike."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from case_helpers import PASSWORD, World, served, sqlite_copy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "insight"))
from planting import plant  # noqa: E402

playwright = pytest.importorskip("playwright.sync_api")


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is not installed; CI must provide it (apt-get install chromium)")
        pytest.skip("Chromium is not installed")
    return path


@pytest.fixture
def site(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[World, str]]:
    w = World(sqlite_copy(sqlite_template, tmp_path / "sg.db"), tmp_path, seeded=True)
    try:
        with served(w) as base:
            yield w, base
    finally:
        w.close()


def test_lead_reads_trends_and_a_spike(site: tuple[World, str]) -> None:
    w, base = site
    # Three alerts every Tuesday for eight weeks, then 15 more on one Tuesday from one account.
    tuesday = datetime(2026, 1, 6, 10, 0, tzinfo=UTC)
    n = 0
    for week in range(9):
        for i in range(3):
            plant(
                w.repo,
                w.tenant,
                f"b{n}",
                tuesday + timedelta(weeks=week, minutes=i),
                offender=f"acc{n}",
                messages=2,
            )
            n += 1
    spike_day = tuesday + timedelta(weeks=8)
    for i in range(15):
        plant(
            w.repo,
            w.tenant,
            f"s{i}",
            spike_day + timedelta(minutes=i),
            offender="acct_x",
            messages=2,
            tactics=("platform_move",),
            area="voice_lobby",
        )
    w.repo.rollup(w.tenant)

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(base_url=base)
            page.goto("/console/login")
            page.fill("#organisation", "acme")
            page.fill("#username", "lead")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/console/**")
            page.click('nav >> text="Insight"')
            page.wait_for_url("**/console/insight")
            page.click("#insight-pages >> text=Trends")
            page.wait_for_url("**/console/insight/trends")
            page.select_option("select[name=grain]", "month")
            page.fill("input[name=from]", "2026-01-01")
            page.fill("input[name=to]", "2026-03-31")
            page.click("form.filters button[type=submit]")
            page.wait_for_url("**grain=month**")
            march = page.locator("#totals tr", has_text="2026-03").first
            assert march.locator("td").first.inner_text() == "18"  # one Tuesday: 3 + 15
            spikes = page.locator("#spikes").inner_text()
            assert spike_day.date().isoformat() in spikes
            assert "platform_move" in spikes and "acct_x" in spikes
        finally:
            browser.close()
