"""The console's transparency report page in a real browser (Playwright, Debian's Chromium):
leads and auditors read it and download the PDF and the DSA CSV files; a moderator cannot."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "insight"))
from test_console_browser import _page, browser, site  # noqa: E402,F401  (fixtures)
from transparency_data import SECRETS, plant_main, plant_small  # noqa: E402

PAGE = "/console/insight/transparency?from=2026-01-01&to=2026-06-30"


def test_leads_and_auditors_read_and_download_the_report(browser, site) -> None:  # noqa: F811
    w, base = site
    plant_main(w.repo, w.tenant, new_tenant=False)
    plant_small(
        w.repo, w.other, new_tenant=False
    )  # another tenant's figures and identifiers never show
    lead = _page(browser, base, "lead")
    lead.click("nav >> text=Insight")
    lead.click("#insight-pages >> text=Transparency report")
    lead.wait_for_url("**/insight/transparency")
    lead.goto(PAGE)
    rows = lead.locator("#by-harm tbody tr")
    overall = rows.filter(has_text="All harms").locator("td").all_inner_texts()
    assert overall[3] == "5"  # measures: 5 (at the threshold, shown)
    grooming = rows.filter(has_text="grooming").locator("td").all_inner_texts()
    assert grooming[3] == "<5"  # 3 measures: suppressed
    text = lead.content()
    assert not any(secret in text for secret in SECRETS)
    with lead.expect_download() as pdf:
        lead.click("#downloads a[href*='format=pdf']")
    data = Path(pdf.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    with lead.expect_download() as archive:
        lead.click("#downloads a[href*='format=csv']")
    names = zipfile.ZipFile(io.BytesIO(Path(archive.value.path()).read_bytes())).namelist()
    assert any(n.endswith("/4_notices.csv") for n in names)

    auditor = _page(browser, base, "auditor")
    auditor.goto(PAGE)
    assert auditor.locator("#by-harm").count() == 1

    auditor.goto("/console/audit")
    assert "transparency pdf 2026-01-01/2026-06-30" in auditor.locator("#audit").inner_text()

    moderator = _page(browser, base, "moderator")
    assert moderator.locator("nav >> text=Insight").count() == 0
    moderator.goto(PAGE)
    assert moderator.locator("#by-harm").count() == 0
    assert "cannot open this page" in moderator.content()
    moderator.goto("/console/insight/transparency/download?format=pdf")
    assert "cannot open this page" in moderator.content()
