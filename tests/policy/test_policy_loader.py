from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from safeguarding.policy import PolicyError, PolicyHolder, load_default_policy, parse_policy
from safeguarding.policy.facts import PolicyInput
from safeguarding.policy.loader import default_policy_text

MINIMAL = """\
policy: test
version: 3
rules:
  - id: review-alerts
    description: every alert goes to a human
    when: {level_at_least: alert}
    actions: [escalate_review]
"""

Refused = Callable[[str], PolicyError]  # the ``refused`` fixture (conftest.py)


def test_default_policy_loads_with_version_and_stable_hash() -> None:
    policy = load_default_policy()
    assert policy.version == "1"
    assert len(policy.content_hash) == 64
    again = parse_policy(default_policy_text())
    assert again.content_hash == policy.content_hash
    assert len({r.id for r in policy.rules}) == len(policy.rules)


def test_hash_changes_with_meaning_not_with_formatting() -> None:
    base = parse_policy(MINIMAL)
    reformatted = parse_policy(
        MINIMAL.replace("{level_at_least: alert}", "\n      level_at_least: alert")
    )
    changed = parse_policy(
        MINIMAL.replace("alert}", "urgent}").replace(
            "rules:",
            "rules:\n  - id: all\n    description: alerts everywhere\n"
            "    when: {level_at_least: alert}\n    actions: [escalate_review]",
        )
    )
    assert base.version == "3"
    assert reformatted.content_hash == base.content_hash
    assert changed.content_hash != base.content_hash


def test_unknown_condition_is_refused_with_line_and_suggestion(refused: Refused) -> None:
    err = refused(
        MINIMAL.replace("{level_at_least: alert}", "{level_at_least: alert, tactic_any: [meeting]}")
    )
    (issue,) = err.issues
    assert issue.line == 6
    assert "tactic_any" in issue.message and "tactics_any" in issue.message
    assert str(err).startswith("p.yaml:6:")


def test_unknown_tactic_and_signal_are_refused_with_their_lines(refused: Refused) -> None:
    err = refused(
        MINIMAL
        + """\
  - id: pattern
    description: cross-conversation pattern
    when:
      tactics_any: [meetng]
      account_signals_any: [many_kids]
    actions: [restrict_contact_with_minors]
"""
    )
    by_line = {i.line: i for i in err.issues}
    assert sorted(by_line) == [11, 12]
    assert "meetng" in by_line[11].message and by_line[11].where == "rules.1.when.tactics_any"
    assert by_line[12].where.startswith("rules.1.when.account_signals_any")


def test_unknown_action_is_refused(refused: Refused) -> None:
    err = refused(MINIMAL.replace("[escalate_review]", "[escalate_review, ban_forever]"))
    assert err.issues[0].line == 7
    assert "escalate_review" in err.issues[0].message  # lists what is allowed


def test_yaml_syntax_error_reports_line(refused: Refused) -> None:
    err = refused(MINIMAL.replace("actions: [escalate_review]", "actions: [escalate_review"))
    assert err.issues[0].line is not None and err.issues[0].line >= 7
    assert "not valid YAML" in err.issues[0].message


def test_duplicate_keys_and_rule_ids_are_refused(refused: Refused) -> None:
    dup_key = refused(MINIMAL.replace("version: 3", "version: 3\nversion: 4"))
    assert dup_key.issues[0].line == 3 and "duplicate key" in dup_key.issues[0].message
    dup_rule = refused(MINIMAL + MINIMAL.split("rules:\n", 1)[1])
    assert "duplicate rule id" in dup_rule.issues[0].message


def test_policy_without_rule_for_severe_alerts_is_refused(refused: Refused) -> None:
    err = refused(
        MINIMAL.replace("{level_at_least: alert}", "{level_at_least: alert, connected: false}")
    )
    assert "no rule escalates" in err.issues[0].message
    assert err.issues[0].line == 3  # the `rules:` key
    narrow = refused(
        MINIMAL.replace(
            "{level_at_least: alert}", "{level_at_least: alert, at_risk_band_in: [child]}"
        )
    )
    assert "child age unknown" in narrow.issues[0].message  # teen or unknown: not covered


def test_empty_and_non_mapping_files_are_refused(refused: Refused) -> None:
    assert "empty" in refused("").issues[0].message
    assert "mapping" in refused("- just\n- a list\n").issues[0].message


def test_holder_keeps_last_good_policy(tmp_path: Path) -> None:
    holder = PolicyHolder()
    default_label = holder.policy.label
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("escalate_review", "escalate_reviw"))
    result = holder.reload(bad)
    assert not result.ok and result.active == default_label
    assert holder.policy.label == default_label
    assert result.error is not None and result.error.issues[0].line == 7

    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL)
    assert holder.reload(good).ok
    assert holder.policy.policy == "test" and holder.last_error is None
    assert holder.reload(tmp_path / "missing.yaml").ok is False
    assert holder.policy.policy == "test"


def test_shadow_flag_from_file_and_operator_override(
    make_facts: Callable[..., PolicyInput],
) -> None:
    holder = PolicyHolder(parse_policy(MINIMAL.replace("version: 3", "version: 3\nshadow: true")))
    assert holder.decide(make_facts()).shadow is True
    holder.set_shadow(False)
    decision = holder.decide(make_facts())
    assert decision.shadow is False and decision.actions
