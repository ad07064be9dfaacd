"""Each figure of the transparency report against the answer worked out by hand in
``transparency_data.plant_main`` (both backends)."""

from __future__ import annotations

from datetime import date

import pytest
from transparency_data import plant_main

from safeguarding.insight.transparency import Period, PeriodError, build_report, shown
from safeguarding.storage import Repository

H1 = Period(date(2026, 1, 1), date(2026, 6, 30))


def test_every_figure_matches_the_hand_computed_answer(repo: Repository) -> None:
    plant_main(repo)
    plant_main_other = "t-other"
    plant_main(repo, plant_main_other)  # a second tenant's identical history is not counted
    report = build_report(repo, "t-main", H1, provider="Main platform", threshold=1)
    f = report.figures
    by_key = {(t.harm, t.source, t.action_type, t.automated): t.actions for t in f.actions}
    assert by_key == {
        ("grooming", "proactive", "hold_message", True): 1,
        ("grooming", "proactive", "suspend", True): 1,
        ("sextortion", "user_report", "restrict_contact_with_minors", True): 1,
        ("criminal_exploitation", "trusted_flagger", "suspend", True): 1,
        ("grooming", "proactive", "warn", False): 1,
        ("grooming", "proactive", "safety_prompt", True): 1,
    }
    assert report.measures() == 5
    assert report.measures(harm="grooming") == 3
    assert report.measures(harm="criminal_exploitation") == 1
    assert report.measures(source="trusted_flagger") == 1
    assert report.measures(automated=False) == 1
    assert report.content_actioned() == 1
    assert f.accounts_actioned == {
        "grooming": 1,
        "sextortion": 1,
        "criminal_exploitation": 1,
        "*": 3,
    }
    assert report.time_to_action() == (5, 600.0, 3600.0)
    assert report.time_to_action("grooming") == (3, 600.0, 3600.0)
    assert report.time_to_action(source="proactive") == (3, 600.0, 3600.0)
    assert report.time_to_action("sextortion", "user_report") == (1, 300.0, 300.0)
    assert report.time_to_action("criminal_exploitation", "trusted_flagger") == (
        1,
        1050.0,
        1050.0,
    )
    assert f.notices == {"user": 3, "trusted_flagger": 1}
    assert f.appeals == {"received": 3, "upheld": 1, "overturned": 1, "open": 1}
    assert f.appeal_median_s == pytest.approx(3600.0)
    assert f.reversals == {"release_hold": 1}
    assert f.decisions == {"confirm": 2, "no_violation": 1}
    assert f.authority_reports == {
        ("ncmec", "submitted"): 2,
        ("ncmec", "failed"): 1,
        ("nca", "submitted"): 1,
    }


def test_small_groups_hide_their_percentiles(repo: Repository) -> None:
    plant_main(repo)
    report = build_report(repo, "t-main", H1, provider="Main platform")  # threshold 5
    assert report.time_to_action() == (5, 600.0, 3600.0)
    assert report.time_to_action("grooming") == (3, None, None)


def test_a_period_without_data_is_all_zero(repo: Repository) -> None:
    plant_main(repo)
    report = build_report(repo, "t-main", Period(date(2027, 1, 1), date(2027, 6, 30)), provider="x")
    assert report.measures() == 0
    assert report.time_to_action() == (0, None, None)
    assert report.figures.notices == {}


def test_suppression_and_periods() -> None:
    assert [shown(n, 5) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]
    assert shown(2, 3) == "<3"
    assert Period.half_year(date(2026, 8, 9)) == Period(date(2026, 7, 1), date(2026, 12, 31))
    with pytest.raises(PeriodError):
        Period(date(2026, 2, 1), date(2026, 1, 1))
