"""The published forms of the transparency report: the DSA template CSV files (cells
against the hand-computed answers), HTML, and a PDF that renders; small counts suppressed
and no identifier or message text anywhere."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageFile
from transparency_data import SECRETS, plant_main, plant_small
from typer.testing import CliRunner

from safeguarding.cli import app
from safeguarding.insight.transparency import Period, Report, build_report
from safeguarding.insight.transparency_charts import measures_chart, time_chart
from safeguarding.insight.transparency_dsa import dsa_files
from safeguarding.insight.transparency_render import render_html, render_pdf
from safeguarding.storage import Repository

H1 = Period(date(2026, 1, 1), date(2026, 6, 30))


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def pick(table: list[dict[str, str]], **match: str) -> dict[str, str]:
    found = [r for r in table if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, match
    return found[0]


def main_report(repo: Repository, threshold: int = 1) -> Report:
    plant_main(repo)
    return build_report(
        repo,
        "t-main",
        H1,
        provider="Main platform",
        threshold=threshold,
        published=date(2026, 8, 1),
    )


def test_dsa_sections_hold_the_hand_computed_figures(repo: Repository) -> None:
    files = dsa_files(main_report(repo))
    assert list(files) == [
        "1_report_identification.csv",
        "4_notices.csv",
        "5_own_initiative_illegal.csv",
        "7_appeals_and_recidivism.csv",
        "8_automated_means.csv",
    ]
    ident = rows(files["1_report_identification.csv"])
    assert pick(ident, Indicator="Starting date of reporting period")["Value"] == "2026-01-01"
    assert pick(ident, Indicator="Ending date of reporting period")["Value"] == "2026-06-30"
    notices = rows(files["4_notices.csv"])
    total = pick(notices, **{"Category of illegal content": "TOTAL"})
    assert total["Number of notices received "] == "4"  # 3 users' + 1 trusted flagger's
    assert total["Number of notices received from Trusted flaggers"] == "1"
    # notice measures: 300 s (c2) and 1050 s (c3): nearest-rank median 300 s = 0.08 h
    assert total["Median time to take action"] == "0.08"
    assert total["Median time to take action (Trusted Flagger notices)"] == "0.29"
    assert total["Number of actions taken on the basis of the law"] == "2"
    exploitation = pick(notices, **{"Category of illegal content": "KEYWORD_HUMAN_EXPLOITATION"})
    assert (
        exploitation["Number of actions taken on the basis of the law (Trusted Flagger notices)"]
        == "1"
    )
    own = rows(files["5_own_initiative_illegal.csv"])
    total = pick(own, **{"Category of illegal content": "TOTAL"})
    # own initiative restrictions: c1's hold and suspension (the warning is no restriction)
    assert total["Number of measures taken at the provider's own initiative "] == "2"
    assert total["Visibility restriction Disable"] == "1"
    assert total["Account restriction Suspension"] == "1"
    grooming = pick(
        own, **{"Category of illegal content": "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS"}
    )
    assert grooming["Number of measures taken at the provider's own initiative "] == "2"
    appeals = rows(files["7_appeals_and_recidivism.csv"])
    assert pick(appeals, Scope="Total number")["Value"] == "3"
    assert pick(appeals, Scope="Decisions reversed")["Value"] == "1"
    assert pick(appeals, Scope="Median time")["Value"] == "1.00"  # 3600 s, in hours
    automated = rows(files["8_automated_means.csv"])
    solely = "Number of measures solely taken by automated means "
    assert pick(automated, Indicator=solely, Scope="Total number")["Value"] == "4"
    assert pick(automated, Indicator=solely, Scope="Own-initiative ")["Value"] == "2"


def test_the_html_report_shows_the_figures(repo: Repository) -> None:
    html = render_html(main_report(repo))
    assert "Criminal exploitation" in html
    assert "Transparency report: Main platform" in html
    assert "data:image/png;base64," in html
    # overall median and 90th percentile: 600 s and 3600 s
    assert "<td>10 min</td><td>60 min</td>" in html.replace("\n", "")


def _ink(image: Image.Image) -> float:
    """Share of pixels that are not (near) white."""
    histogram = image.convert("L").histogram()  # pixels per grey level 0-255
    return sum(histogram[:200]) / sum(histogram)


def test_the_pdf_renders_pages_that_are_not_blank(repo: Repository, tmp_path: Path) -> None:
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    pdf = render_pdf(main_report(repo))
    assert pdf.startswith(b"%PDF")
    # WeasyPrint sets this process-wide flag on import; the media matcher needs it unset
    assert ImageFile.LOAD_TRUNCATED_IMAGES is truncated is False
    doc = pdfium.PdfDocument(pdf)
    try:
        assert len(doc) >= 1
        page = doc[0]
        image = page.render(scale=1).to_pil()
        assert _ink(image) > 0.02
        text = page.get_textpage().get_text_range()
        assert "Transparency report" in text
    finally:
        doc.close()


def test_the_charts_are_not_blank(repo: Repository) -> None:
    report = main_report(repo)
    for png in (measures_chart(report), time_chart(report)):
        image = Image.open(io.BytesIO(png))
        assert image.width > 300
        assert _ink(image) > 0.01


def _pdf_text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def test_small_counts_and_identifiers_never_reach_a_published_report(
    repo: Repository,
) -> None:
    plant_small(repo)
    report = build_report(repo, "t-small", H1, provider="Small platform")  # threshold 5
    assert report.measures() == 6  # 1 hold + 2 suspensions + 3 warnings: the total shows
    texts = {**dsa_files(report), "report.html": render_html(report)}
    texts["report.pdf"] = _pdf_text(render_pdf(report))
    for name, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, (name, secret)
        if name != "1_report_identification.csv":  # names and dates only
            assert "<5" in text or "&lt;5" in text, name
    for name, text in dsa_files(report).items():
        if name == "1_report_identification.csv":
            continue
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                # a count cell is empty, 0, <5 or at least 5; never 1 to 4
                assert cell.strip() not in {"1", "2", "3", "4"}, (name, row)
    html = texts["report.html"]
    for small in ("1", "2", "3", "4"):
        assert f"<td>{small}</td>" not in html
        assert f"<b>{small}</b>" not in html


def test_the_cli_writes_each_format(sqlite_repo: Repository, tmp_path: Path) -> None:
    # The CLI reads the same SQL as the tests above, which run on both backends.
    repo = sqlite_repo
    plant_main(repo)
    url = str(repo.engine.url)
    runner = CliRunner()
    base = ["insight", "transparency", "--tenant", "t-main", "--from", "2026-01-01"]
    base += ["--to", "2026-06-30", "--db", url]
    result = runner.invoke(app, [*base, "--format", "csv", "--out", str(tmp_path / "dsa")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dsa" / "4_notices.csv").read_text().startswith("Applicability,")
    for fmt in ("html", "pdf"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(app, [*base, "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    bad = runner.invoke(app, [*base[:-2], "--to", "2025-01-01", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2
    unknown = runner.invoke(
        app,
        [
            "insight",
            "transparency",
            "--tenant",
            "nobody",
            "--from",
            "2026-01-01",
            "--to",
            "2026-06-30",
            "--db",
            url,
            "--out",
            str(tmp_path / "y.html"),
        ],
    )
    assert unknown.exit_code == 2
