"""End to end in a real browser: Playwright driving Debian's Chromium against the console
served by uvicorn. Screenshots of the queue and the case view go to ``docs/images`` when
``SAFEGUARDING_SCREENSHOTS=1`` (how the console guide's pictures are made)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from case_helpers import PASSWORD, World, served, sqlite_copy
from sqlalchemy import select, update

from safeguarding.storage.models import OutboxRow
from safeguarding.storage.models_cases import AuditEntryRow

playwright = pytest.importorskip("playwright.sync_api")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "images"


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is not installed; CI must provide it (apt-get install chromium)")
        pytest.skip("Chromium is not installed")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def site(tmp_path, sqlite_template) -> Iterator[tuple[World, str]]:
    w = World(sqlite_copy(sqlite_template, tmp_path / "sg.db"), tmp_path, seeded=True)
    try:
        with served(w) as base:
            yield w, base
    finally:
        w.close()


def _page(browser, base: str, username: str):
    context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto("/console/login")
    page.fill("#organisation", "acme")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/**")
    return page


def _shot(page, name: str, tmp: Path, *, clip_height: int = 768) -> None:
    target = DOCS if os.environ.get("SAFEGUARDING_SCREENSHOTS") == "1" else tmp
    target.mkdir(parents=True, exist_ok=True)
    clip = {"x": 0, "y": 0, "width": 1366, "height": clip_height}
    page.screenshot(path=str(target / name), full_page=True, clip=clip)


def test_queue_priority_claims_evidence_reveal_and_decision(browser, site, tmp_path) -> None:
    w, base = site
    page = _page(browser, base, "specialist")
    page.goto("/console/queues/child_safety")
    rows = page.locator("tr.row")
    assert rows.count() == 3
    # Severe (a meeting) before sexual risk, the same child age band.
    tags = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(3)]
    assert tags[0] == "severe" and tags[-1] == "sexual risk"
    _shot(page, "console-queue.png", tmp_path)

    # Keyboard: j selects the first row, Enter opens it; the severe case warns first.
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/**")
    assert "Content warning" in page.content()
    page.click("#proceed")
    marks = page.locator("mark.ev")
    assert marks.count() >= 3
    assert "we could meet" in marks.all_inner_texts()
    assert page.locator("li.msg.flagged").count() >= 3
    assert page.locator(".chart polyline.risk").count() == 1

    # The image case: claim it; a second person cannot.
    page.goto("/console/queues/child_safety")
    image_row = page.locator("tr.row", has_text="c-image")
    image_href = image_row.get_attribute("data-href")
    page.goto(image_href)
    page.keyboard.press("c")
    page.wait_for_selector(".mine")
    lead = _page(browser, base, "lead")
    lead.goto(image_href)
    lead.click("#claim")
    assert "Someone else is reviewing this case" in lead.content()

    # A blurred picture, revealed one at a time, logged.
    img = page.locator(".media img")
    assert "blurred" in img.get_attribute("class")
    assert "blur" in img.evaluate("e => getComputedStyle(e).filter")
    page.click("button.reveal")
    assert "shown" in page.locator(".media img").get_attribute("class")
    _shot(page, "console-case.png", tmp_path, clip_height=1500)

    # Decide with the keyboard shortcut 2 (confirm and act): the action reaches the outbox.
    page.goto(image_href)
    page.keyboard.press("2")
    page.check("input[value=warn]")
    page.fill("#note", "image request to a 12-year-old")
    page.click("#submit-decision")
    page.wait_for_selector("text=decision confirm")
    with w.repo.engine.connect() as conn:
        outbox = [r.payload for r in conn.execute(select(OutboxRow)).all()]
    warned = [p for p in outbox if p.get("source") == "review"]
    assert [p["action"] for p in warned] == ["warn"] and warned[0]["target_account"] == "adult1"

    auditor = _page(browser, base, "auditor")
    auditor.goto("/console/audit")
    text = auditor.locator("#audit").inner_text()
    assert "media_revealed" in text and "case_decided" in text and "login" in text
    assert "Chain intact" in auditor.locator("#verdict").inner_text()


def test_appeal_by_someone_else_and_restricted_queue_by_url(browser, site) -> None:
    w, base = site
    moderator = _page(browser, base, "moderator")
    moderator.goto("/console/queues/general")
    moderator.click("#next-case")
    moderator.wait_for_selector(".mine")
    case_url = moderator.url
    moderator.check("input[value=confirm]")
    moderator.check("input[value=warn]")
    moderator.fill("#note", "secrecy with a child")
    moderator.click("#submit-decision")
    case_id = case_url.split("/cases/")[1].split("?")[0]

    response = w.harness.client.post(
        f"/v1/cases/{case_id}/appeals",
        json={"appeal_id": "ap-1", "reason": "misread"},
        headers=w.headers,
    )
    assert response.status_code == 202
    moderator.goto("/console/queues/appeals")
    moderator.click("#next-case")
    assert "Nothing left to claim" in moderator.content()  # not the original decider's
    other = _page(browser, base, "moderator2")
    other.goto("/console/queues/appeals")
    other.click("#next-case")
    other.check("input[value=upheld]")
    other.fill("#appeal-note", "the warning stands")
    other.click("#submit-appeal")
    other.wait_for_selector("text=upheld by moderator2")
    assert w.repo.get_case(w.tenant, case_id).state == "closed"

    # The restricted queue and its cases, by URL: refused, nothing shown.
    severe = next(c for c in w.cases.queue(w.who("lead"), "child_safety") if c.urgency == 2)
    for path in ("/console/queues/child_safety", f"/console/cases/{severe.id}?proceed=1"):
        answer = moderator.goto(path)
        assert answer.status == 404
        assert "meet at the park" not in moderator.content()
    assert "Child safety" not in moderator.locator("header nav").inner_text()


def test_a_changed_audit_entry_fails_verify(browser, site) -> None:
    from typer.testing import CliRunner

    from safeguarding.cli import app

    w, base = site
    page = _page(browser, base, "lead")
    page.goto("/console/queues/general")
    url = str(w.repo.engine.url)
    assert CliRunner().invoke(app, ["audit", "verify", "--db", url]).exit_code == 0
    with w.repo.engine.begin() as conn:
        conn.execute(
            update(AuditEntryRow).where(AuditEntryRow.action == "login").values(actor="someone")
        )
    result = CliRunner().invoke(app, ["audit", "verify", "--db", url])
    assert result.exit_code == 1 and "changed" in result.output
    auditor = _page(browser, base, "auditor")
    auditor.goto("/console/audit")
    assert "Chain broken" in auditor.locator("#verdict").inner_text()


def test_main_pages_have_no_serious_accessibility_violations(browser, site) -> None:
    w, base = site
    lead = _page(browser, base, "lead")
    severe = next(c for c in w.cases.queue(w.who("lead"), "child_safety") if c.urgency == 2)
    admin = _page(browser, base, "admin")
    pages = [
        (lead, "/console/login"),
        (lead, "/console/queues/child_safety"),
        (lead, f"/console/cases/{severe.id}?proceed=1"),
        (lead, "/console/team"),
        (admin, "/console/users"),
        (admin, "/console/audit"),
    ]
    for page, path in pages:
        if path.endswith("/login"):
            page = browser.new_context(base_url=base).new_page()
        page.goto(path)
        page.add_script_tag(url="/console/static/vendor/axe.min.js")
        result = page.evaluate("async () => await axe.run(document)")
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, (path, serious)
