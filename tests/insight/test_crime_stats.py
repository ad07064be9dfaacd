"""Crime statistics: the shipped example reproduces the figures the NSPCC's FOI reported."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from typer.testing import CliRunner

from safeguarding.cli import app
from safeguarding.insight import crime_stats
from safeguarding.insight.charts import crime_chart


def _by_area_year(rows: list[crime_stats.AreaYear]) -> dict[tuple[str, str], crime_stats.AreaYear]:
    return {(r.area, r.year): r for r in rows}


def test_example_table_reproduces_the_reported_figures() -> None:
    rows = _by_area_year(crime_stats.summarise(crime_stats.read_table(crime_stats.example_table())))
    national = rows[("England and Wales", "2019-20")]
    assert national.online == 10_058
    assert crime_stats.percent(national.online_change, signed=True) == "+17%"
    cumbria = rows[("Cumbria", "2019-20")]
    assert cumbria.online == 194
    assert crime_stats.percent(cumbria.online_share) == "18%"
    assert crime_stats.percent(cumbria.online_change, signed=True) == "-20%"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "table.csv"
    path.write_text("area,year,offence_group,online,count\n" + body, encoding="utf-8")
    return path


def test_national_is_the_sum_of_areas_when_the_table_has_no_national_rows(tmp_path: Path) -> None:
    table = _write(
        tmp_path,
        "A,2020,child_sexual_offences,true,30\n"
        "A,2020,child_sexual_offences,false,70\n"
        "B,2020,child_sexual_offences,true,10\n"
        "B,2020,child_sexual_offences,false,90\n"
        "A,2019,child_sexual_offences,true,20\n"
        "B,2019,child_sexual_offences,true,20\n"
        "B,2020,other_group,true,999\n",
    )
    rows = crime_stats.summarise(crime_stats.read_table(table))
    assert rows[0].area == crime_stats.NATIONAL  # national first, newest year first
    by = _by_area_year(rows)
    national = by[(crime_stats.NATIONAL, "2020")]
    assert (national.online, national.total) == (40, 200)
    assert national.online_share == pytest.approx(0.2)
    assert national.online_change == pytest.approx(0.0)  # 40 on 40
    assert by[("A", "2020")].online_change == pytest.approx(0.5)
    assert by[("B", "2020")].online_change == pytest.approx(-0.5)
    assert by[("A", "2019")].online_change is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("A,2020,g,maybe,3\n", "table.csv:2: online must be true or false"),
        ("A,2020,g,true,three\n", "table.csv:2: count must be a whole number"),
        ("A,2020,g,true,-1\n", "table.csv:2: count must not be negative"),
        ("A,2020,g,true,1\n,2020,g,true,1\n", "table.csv:3: empty area"),
    ],
)
def test_bad_rows_are_refused_with_their_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(crime_stats.CrimeTableError, match=message):
        crime_stats.read_table(_write(tmp_path, body))


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("# comment\narea,year,count\nA,2020,1\n", encoding="utf-8")
    with pytest.raises(crime_stats.CrimeTableError, match="t.csv:2: missing columns"):
        crime_stats.read_table(path)


def test_chart_renders_a_picture_that_is_not_blank(tmp_path: Path) -> None:
    rows = crime_stats.summarise(crime_stats.read_table(crime_stats.example_table()))
    path = crime_chart(rows, tmp_path / "chart.png")
    with Image.open(path) as image:
        assert image.size[0] >= 600
        grey = image.convert("L")
        assert ImageStat.Stat(grey).stddev[0] > 10  # bars, labels and axes, not one colour
        assert len(grey.getcolors(maxcolors=1 << 16) or []) > 20


def test_cli_writes_csv_and_chart_and_refuses_a_bad_table(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["insight", "crime-stats", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "10,058" in result.output and "+17%" in result.output and "18%" in result.output
    lines = (tmp_path / "crime-stats.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "area,year,online,total,online_share,online_change"
    assert any(line.startswith("Cumbria,2019-20,194,1078,") for line in lines)
    assert (tmp_path / "crime-stats.png").stat().st_size > 5_000
    named = _write(tmp_path, '"North, East",2020,child_sexual_offences,true,5\n')
    assert (
        runner.invoke(app, ["insight", "crime-stats", str(named), "--out", str(tmp_path)]).exit_code
        == 0
    )
    rows = list(csv.DictReader((tmp_path / "crime-stats.csv").open(encoding="utf-8")))
    assert {r["area"] for r in rows} == {"North, East", crime_stats.NATIONAL}
    bad = _write(tmp_path, "A,2020,g,true,x\n")
    refused = runner.invoke(app, ["insight", "crime-stats", str(bad)])
    assert refused.exit_code == 2
    assert "count must be a whole number" in refused.output
