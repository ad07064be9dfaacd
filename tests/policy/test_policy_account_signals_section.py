"""The policy file's ``account_signals`` section: loaded, validated and used by the tracker."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta

import pytest
from stub_engines import CueEngine

from safeguarding.domain import (
    AlertLevel,
    Assessment,
    Conversation,
    Message,
    Participant,
    Signal,
)
from safeguarding.policy import (
    AccountTracker,
    AgeBand,
    PolicyError,
    TrackerSettings,
    load_default_policy,
    parse_policy,
)
from safeguarding.policy.backtest import backtest

RULES = """\
rules:
  - id: review-alerts
    description: every alert goes to a human
    when: {level_at_least: alert}
    actions: [escalate_review]
"""
T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


def policy_with(section: str) -> str:
    return "policy: test\nversion: 1\n" + textwrap.dedent(section) + RULES


def refused(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, source="p.yaml")
    return info.value


def test_defaults_are_the_trackers_and_the_default_policy_states_them() -> None:
    default = TrackerSettings()
    assert parse_policy(policy_with("")).tracker_settings() == default
    shipped = load_default_policy()
    assert shipped.tracker_settings() == default
    assert shipped.account_signals.many_children == default.many_children
    assert shipped.account_signals.window_hours * 3600 == default.window.total_seconds()


def test_thresholds_are_read_and_capacity_limits_kept() -> None:
    policy = parse_policy(
        policy_with("""\
            account_signals:
              window_hours: 24
              many_children: 3
              repeated_opener_children: 4
              opener_similarity: 0.7
              opener_min_chars: 20
              contact_detail_children: 3
              count_unknown_age_as_child: true
            """)
    )
    s = policy.tracker_settings(TrackerSettings(max_accounts=10))
    assert s.window == timedelta(hours=24)
    assert (s.many_children, s.repeated_opener_children, s.contact_detail_children) == (3, 4, 3)
    assert (s.opener_similarity, s.opener_min_chars) == (0.7, 20)
    assert s.count_unknown_age_as_child and s.max_accounts == 10
    assert policy.content_hash != parse_policy(policy_with("")).content_hash


def test_unknown_keys_and_bad_values_are_refused_with_their_lines() -> None:
    err = refused(
        policy_with("""\
            account_signals:
              many_childen: 4
              opener_similarity: 1.5
              repeated_opener_children: 1
            """)
    )
    by_where = {i.where: i for i in err.issues}
    typo = by_where["account_signals.many_childen"]
    assert typo.line == 4 and "did you mean 'many_children'" in typo.message
    assert by_where["account_signals.opener_similarity"].line == 5
    assert by_where["account_signals.repeated_opener_children"].line == 6
    assert "p.yaml:5" in str(err)


def _contact_children(tracker: AccountTracker, n: int) -> list[str]:
    fired: list[str] = []
    for k in range(n):
        alerts = tracker.observe_contact(
            "acct",
            f"kid{k}",
            sender_band=AgeBand.ADULT,
            recipient_band=AgeBand.CHILD,
            ts=T0 + timedelta(minutes=k),
        )
        fired += [f"{a.signal.value}@{k + 1}" for a in alerts]
    return fired


def test_a_changed_threshold_changes_when_the_account_alert_fires() -> None:
    default = AccountTracker(load_default_policy().tracker_settings())
    assert _contact_children(default, 5) == ["many_children_contacted@5"]
    stricter = parse_policy(policy_with("account_signals: {many_children: 3}\n"))
    tracker = AccountTracker(stricter.tracker_settings())
    assert _contact_children(tracker, 5) == ["many_children_contacted@3"]
    assert "many_children_contacted" in tracker.facts("acct").signals


def _two_children_90_minutes_apart(section: str) -> set[str]:
    """The account signals after an adult contacts two children 90 minutes apart."""
    tracker = AccountTracker(parse_policy(policy_with(section)).tracker_settings())
    for k, minutes in enumerate((0, 90)):
        tracker.observe_contact(
            "acct",
            f"kid{k}",
            sender_band=AgeBand.ADULT,
            recipient_band=AgeBand.CHILD,
            ts=T0 + timedelta(minutes=minutes),
        )
    return set(tracker.facts("acct").signals)


def test_a_shorter_window_forgets_older_contacts() -> None:
    short = _two_children_90_minutes_apart("account_signals: {many_children: 2, window_hours: 1}\n")
    wide = _two_children_90_minutes_apart("account_signals: {many_children: 2}\n")
    assert "many_children_contacted" not in short
    assert "many_children_contacted" in wide


class NamingEngine(CueEngine):
    """Names ``a`` as the suspect and never alerts."""

    def assess(
        self, cid: str, index: int, seen: dict[str, list[int]], evidence: list[Signal]
    ) -> Assessment:
        return Assessment(cid, index, 0.05, AlertLevel.NONE, "a")


def test_backtest_applies_the_policys_thresholds() -> None:
    pattern_rule = (
        "  - id: pattern\n    description: a cross-conversation pattern is reviewed\n"
        "    when: {account_signals_any: [many_children_contacted]}\n"
        "    actions: [escalate_review]\n"
    )
    room = Conversation(
        "room",
        [
            Participant("a", declared_age=30),
            Participant("b", declared_age=10),
            Participant("c", declared_age=11),
        ],
        [Message("room", "a", "hello everyone", ts=T0), Message("room", "b", "hi", ts=T0)],
    )
    default = parse_policy(policy_with("") + pattern_rule)
    strict = parse_policy(policy_with("account_signals: {many_children: 2}\n") + pattern_rule)
    quiet = backtest(default, [room], engine=NamingEngine()).conversations[0]
    flagged = backtest(strict, [room], engine=NamingEngine()).conversations[0]
    assert quiet.escalated_at is None
    assert flagged.escalated_at == 0 and flagged.rules["pattern"] >= 1
