"""Trends, time to act and spikes from the roll-ups, against hand-computed answers."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest
from planting import plant

from safeguarding.insight.periods import Grain
from safeguarding.insight.spikes import find_spikes, robust_score
from safeguarding.insight.time_to_act import percentile, time_to_act
from safeguarding.insight.trends import trend
from safeguarding.storage.repository import Repository

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
M = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)


def test_trend_by_day_week_month_with_changes(repo: Repository) -> None:
    # 2 alerts on Monday 2 March, 3 on Tuesday 3 March, 1 on Monday 9 March, one a year
    # (52 weeks) before the Tuesday, and one in February.
    for i in range(2):
        plant(repo, "t", f"mon{i}", MONDAY)
    for i in range(3):
        plant(repo, "t", f"tue{i}", MONDAY + D, tactics=("meeting",))
    plant(repo, "t", "next", MONDAY + 7 * D)
    plant(repo, "t", "yearago", MONDAY + D - timedelta(weeks=52))
    plant(repo, "t", "feb", MONDAY - 5 * D)
    repo.rollup("t")

    days = trend(repo, "t", "alerts", "all", Grain.DAY, date(2026, 3, 2), date(2026, 3, 3))
    assert [(p.period, p.count, p.previous, p.year_before) for p in days] == [
        ("2026-03-02", 2, 0, 0),
        ("2026-03-03", 3, 2, 1),
    ]
    assert days[1].change_previous == pytest.approx(0.5)  # 3 against 2
    assert days[1].change_year == pytest.approx(2.0)  # 3 against 1
    assert days[0].change_previous is None  # nothing the day before

    weeks = trend(repo, "t", "alerts", "all", Grain.WEEK, date(2026, 3, 2), date(2026, 3, 9))
    assert [(p.period, p.count, p.previous) for p in weeks] == [
        ("2026-W10", 5, 1),  # the week before held the February alert (Wednesday 25th)
        ("2026-W11", 1, 5),
    ]
    assert weeks[1].change_previous == pytest.approx(-0.8)

    months = trend(repo, "t", "alerts", "all", Grain.MONTH, date(2026, 3, 1), date(2026, 3, 31))
    assert [(p.period, p.count, p.previous, p.year_before) for p in months] == [
        ("2026-03", 6, 1, 1)  # the year-ago alert fell on 4 March 2025
    ]
    by_tactic = trend(
        repo, "t", "alerts", "tactic", Grain.MONTH, date(2026, 3, 1), date(2026, 3, 31)
    )
    assert {p.value: p.count for p in by_tactic} == {"meeting": 3, "secrecy": 3}
    with pytest.raises(ValueError):
        trend(repo, "t", "messages", "all", Grain.DAY, date(2026, 3, 1), date(2026, 3, 2))


def test_percentiles_interpolate() -> None:
    assert percentile([], 0.5) is None
    assert percentile([4, 1, 3, 2], 0.5) == 2.5
    assert percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9) == pytest.approx(91)
    assert percentile([7], 0.9) == 7


def test_time_to_act_median_and_p90_and_change(repo: Repository) -> None:
    # Week of 2 March: alerts 4, 10 and 2 minutes after the first risky message; actions at
    # 5 and 30 minutes; one decision at 2 hours; one report at 4 hours.
    plant(
        repo,
        "t",
        "a",
        MONDAY,
        alert_after=4 * M,
        actions=[(5 * M, "warn")],
        decision=(2 * H, "report"),
        report=4 * H,
    )
    plant(repo, "t", "b", MONDAY, alert_after=10 * M, actions=[(30 * M, "suspend")])
    plant(repo, "t", "c", MONDAY + D, alert_after=2 * M)
    # Week of 9 March: one alert 1 minute after, acted on at 3 minutes.
    plant(repo, "t", "d", MONDAY + 7 * D, alert_after=M, actions=[(3 * M, "warn")])
    repo.rollup("t")

    rows = time_to_act(repo, "t", Grain.WEEK, date(2026, 3, 2), date(2026, 3, 15))
    got = {(r.period, r.step): r for r in rows}
    alert = got[("2026-W10", "alert")]
    assert (alert.conversations, alert.median_s) == (3, 240.0)
    # position (3 - 1) * 0.9 = 1.8 in [120, 240, 600]: 240 + 0.8 * (600 - 240) = 528 s
    assert alert.p90_s == pytest.approx(240 + 0.8 * (600 - 240))
    action = got[("2026-W10", "action")]
    assert (action.conversations, action.median_s) == (2, (300 + 1800) / 2)
    assert action.p90_s == pytest.approx(300 + 0.9 * 1500)
    assert got[("2026-W10", "decision")].median_s == 7200
    assert got[("2026-W10", "report")].median_s == 14400
    later = got[("2026-W11", "alert")]
    assert later.median_s == 60
    assert later.median_change == pytest.approx(60 / 240 - 1)
    assert got[("2026-W11", "decision")].median_s is None


def test_robust_score_uses_median_and_mad() -> None:
    mid, spread, score = robust_score(30, [10, 11, 9, 10, 12, 10, 8, 10])
    assert mid == 10
    assert spread == pytest.approx(max(1.4826 * 0.5, 10**0.5, 1))
    assert score == pytest.approx(20 / spread)


def test_planted_spike_is_found_and_explained(repo: Repository) -> None:
    # Nine weeks of history: 3 alerts a day, 12 on Saturdays (weekly seasonality). On the
    # Tuesday of the last week one account opens 20 more conversations in the voice lobby
    # with platform moves: that day is the one spike, and the explanation names the tactic,
    # the area and the account.
    start = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # a Monday
    n = 0
    for d in range(63):
        day = start + d * D
        for i in range(12 if day.weekday() == 5 else 3):
            plant(repo, "t", f"base{n}", day + i * M, offender=f"acc{n}", messages=2)
            n += 1
    spike_day = start + 57 * D  # Tuesday 3 March
    assert spike_day.weekday() == 1
    for i in range(20):
        plant(
            repo,
            "t",
            f"spike{i}",
            spike_day + i * M,
            offender="acct_x",
            messages=2,
            tactics=("platform_move",),
            area="voice_lobby",
        )
    repo.rollup("t")

    spikes = find_spikes(repo, "t", date(2026, 2, 2), date(2026, 3, 8))
    assert [s.day for s in spikes] == ["2026-03-03"]
    spike = spikes[0]
    assert (spike.count, spike.baseline) == (23, 3)
    top = {}
    for d in spike.drivers:
        top.setdefault(d.dimension, d)
    assert (top["tactic"].value, top["tactic"].excess) == ("platform_move", 20)
    assert top["tactic"].share == pytest.approx(1.0)
    assert top["area"].value == "voice_lobby"
    assert spike.accounts[0]["account"] == "acct_x"
    assert spike.accounts[0]["conversations"] == 20
    assert "platform_move" in spike.explanation and "acct_x" in spike.explanation
    # Saturdays with 12 alerts are ordinary for a Saturday: no spike.
    assert not find_spikes(repo, "t", date(2026, 2, 7), date(2026, 2, 28))
    # The first weeks have no same-weekday history yet (the weeks before the data began do
    # not count as zeros): nothing is judged a spike there.
    assert not find_spikes(repo, "t", date(2026, 1, 5), date(2026, 1, 25))
