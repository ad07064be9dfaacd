"""A policy file cannot exhaust the loader, smuggle in non-booleans, or skip escalation."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding.domain import AlertLevel, Assessment, Participant
from safeguarding.policy import PolicyError, load_default_policy, load_policy, parse_policy
from safeguarding.policy import coverage as coverage_module
from safeguarding.policy.coverage import severe_coverage_gaps
from safeguarding.policy.evaluator import evaluate
from safeguarding.policy.facts import AccountFacts, PolicyInput
from safeguarding.policy.loader import MAX_POLICY_BYTES
from safeguarding.policy.registry import ActionType
from safeguarding.policy.schema import Policy

HEAD = "policy: p\nversion: 1\nrules:\n"
REVIEW = """\
  - id: alert-review
    description: every alert goes to a human
    when: {level_at_least: alert}
    actions: [escalate_review]
"""

Refused = Callable[[str], PolicyError]  # the ``refused`` fixture (conftest.py)


def _rule(rule_id: str, when: str, actions: str = "[safety_prompt]", stop: str = "true") -> str:
    return (
        f"  - id: {rule_id}\n    description: a first rule that stops\n"
        f"    when: {when}\n    actions: {actions}\n    stop: {stop}\n"
    )


# --- resource limits -------------------------------------------------------------------------


def test_alias_bomb_is_refused_at_once(refused: Refused) -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        bomb += f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    bomb += "policy: *i\n"
    assert len(bomb) < 1024
    started = time.perf_counter()
    err = refused(bomb)
    assert time.perf_counter() - started < 1.0
    assert "aliases" in err.issues[0].message and err.issues[0].line == 2


def test_any_alias_is_refused_even_a_harmless_one(refused: Refused) -> None:
    text = HEAD + REVIEW + "  - id: again\n    description: the same action list\n"
    text = text.replace("[escalate_review]", "&acts [escalate_review]", 1)
    text += "    when: {level_at_least: urgent}\n    actions: *acts\n"
    assert "aliases" in refused(text).issues[0].message


def test_oversized_files_are_refused_before_parsing(tmp_path: Path, refused: Refused) -> None:
    padding = "# " + "x" * 78 + "\n"
    big = HEAD + REVIEW + padding * (MAX_POLICY_BYTES // len(padding) + 1)
    assert "larger than" in refused(big).issues[0].message
    path = tmp_path / "big.yaml"
    path.write_text(big)
    with pytest.raises(PolicyError, match="larger than"):
        load_policy(path)


def test_deep_nesting_is_refused_not_a_recursion_error(refused: Refused) -> None:
    deep = "{any_of: [" * 200 + "{level_at_least: alert}" + "]}" * 200
    err = refused(HEAD + REVIEW + _rule("deep", deep, "[escalate_review]", "false"))
    assert "nested over 32 deep" in err.issues[0].message


def test_unreadable_file_is_one_clear_issue(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "missing.yaml")
    assert info.value.issues[0].message.startswith("cannot read: ")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00policy")
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "bin.yaml")


# --- strict types and sane ranges ------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("actions: [escalate_review]", 'actions: [escalate_review]\n    stop: "yes"', "stop"),
        ("actions: [escalate_review]", 'actions: [escalate_review]\n    enabled: "no"', "enabled"),
        ("{level_at_least: alert}", '{level_at_least: alert, connected: "false"}', "connected"),
        ("{level_at_least: alert}", "{level_at_least: alert, reports_at_least: true}", "reports"),
        ("{level_at_least: alert}", '{level_at_least: alert, risk_at_least: "0.5"}', "risk"),
        ("{level_at_least: alert}", "{level_at_least: alert, at_risk_age_below: 13.5}", "age"),
        ("version: 1", "version: 1\nshadow: 'true'", "shadow"),
    ],
)
def test_non_boolean_and_non_number_values_are_refused(
    old: str, new: str, where: str, refused: Refused
) -> None:
    err = refused((HEAD + REVIEW).replace(old, new, 1))
    assert where in err.issues[0].where


@pytest.mark.parametrize(
    "section",
    [
        "settings: {safety_prompt_cooldown_minutes: 100000000}",
        "settings: {safety_prompts_per_conversation: 1000000}",
        "settings: {safety_prompt_min_messages_between: 99999999}",
        "settings: {default_locale: 'english please'}",
        "account_signals: {many_children: 1000000}",
        "account_signals: {contact_detail_children: 1000000}",
        "account_signals: {opener_min_chars: 1000000}",
    ],
)
def test_caps_and_cooldowns_have_sane_limits(section: str, refused: Refused) -> None:
    err = refused(HEAD.replace("rules:\n", section + "\nrules:\n") + REVIEW)
    assert err.issues and err.issues[0].line == 3


def test_conditions_have_sane_limits(refused: Refused) -> None:
    for test in (
        "distinct_tactics_at_least: 99",
        "at_risk_age_below: 400",
        "offender_account_age_days_below: 99999999",
        "reports_at_least: 99999999",
    ):
        refused((HEAD + REVIEW).replace("{level_at_least: alert}", "{" + test + "}"))


# --- the severe-alert check is sound -----------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        "{reports_at_least: 1}",
        "{guardian_linked: true}",
        "{offender_account_age_days_below: 30}",
        "{tactics_any: [image_request]}",
        "{offender_band_in: [child]}",
        "{prior_actions_at_least: 1}",
        "{account_signals_any: [repeated_openers]}",
        "{evidence_any: [contact_detail]}",
        "{at_risk_age_below: 8}",
        "{risk_at_least: 0.99}",
        "{distinct_tactics_at_least: 9}",
        "{tactics_all: [gifts, rapport]}",
        "{none_of: [{connected: false}]}",
        "{any_of: [{reports_at_least: 3}, {guardian_linked: true}]}",
    ],
)
def test_a_stopping_mild_first_rule_cannot_hide_a_severe_alert(when: str, refused: Refused) -> None:
    err = refused(HEAD + _rule("mild-first", when) + REVIEW)
    (issue,) = err.issues
    assert "'mild-first' stops before any rule escalates" in issue.message
    assert issue.line == 3


@pytest.mark.parametrize(
    "when",
    [
        "{level_at_least: alert, guardian_linked: false}",
        "{level_at_least: alert, none_of: [{reports_at_least: 1}]}",
        "{level_at_least: alert, offender_band_in: [adult, unknown]}",
        "{level_at_least: alert, any_of: [{connected: true}, {tactics_any: [meeting]}]}",
    ],
)
def test_an_escalation_that_misses_some_inputs_is_refused(when: str, refused: Refused) -> None:
    text = HEAD + _rule("narrow-review", when, "[escalate_review]", "false")
    assert "no rule escalates" in refused(text).issues[0].message


def test_sound_policies_with_stop_rules_are_accepted() -> None:
    below = _rule("quiet", "{level_below: alert, reports_at_least: 1}", "[warn]")
    escalating = _rule("urgent-first", "{level_at_least: urgent}", "[escalate_review, suspend]")
    adults_only = _rule("adults", "{at_risk_band_in: [adult]}", "[warn]")
    policy = parse_policy(HEAD + below + escalating + adults_only + REVIEW)
    assert [r.id for r in policy.rules] == ["quiet", "urgent-first", "adults", "alert-review"]
    split = _rule("new-acct", "{offender_account_age_days_below: 30}", "[escalate_review]")
    split += _rule("other", "{none_of: [{offender_account_age_days_below: 30}]}", "[warn]")
    split = split.replace("[warn]", "[escalate_review]")
    assert parse_policy(HEAD + split).rules[0].id == "new-acct"


def test_a_test_the_check_does_not_model_is_taken_at_its_worst(monkeypatch) -> None:
    text = HEAD + _rule("reports-first", "{reports_at_least: 1}", "[escalate_review]") + REVIEW
    assert parse_policy(text)  # modelled: the stop rule escalates itself
    mild = HEAD + _rule("guard", "{level_below: alert, guardian_linked: true}") + REVIEW
    assert parse_policy(mild)
    monkeypatch.setattr(
        coverage_module, "_MODELLED", coverage_module._MODELLED - {"guardian_linked"}
    )
    policy = Policy.model_validate(_as_data(mild))
    assert severe_coverage_gaps(policy) == []  # level_below alone rules it out
    only = HEAD + _rule(
        "only", "{level_at_least: alert, guardian_linked: false}", "[escalate_review]", "false"
    )
    assert severe_coverage_gaps(Policy.model_validate(_as_data(only)))  # may never match


def test_default_policy_is_verified_quickly() -> None:
    policy = load_default_policy()
    started = time.perf_counter()
    assert severe_coverage_gaps(policy) == []
    assert time.perf_counter() - started < 0.5


def test_a_policy_too_large_to_verify_is_refused(refused: Refused) -> None:
    rules = "".join(
        _rule(f"r{i}", f"{{tactics_any: [{t}]}}", "[escalate_review]", "false")
        for i, t in enumerate(["rapport", "gifts", "compliments", "meeting", "threat"])
    )
    policy = Policy.model_validate(_as_data(HEAD + rules))
    (gap,) = severe_coverage_gaps(policy, max_nodes=3)
    assert "too complex" in gap


def _as_data(text: str) -> dict[str, object]:
    import yaml

    data: dict[str, object] = yaml.safe_load(textwrap.dedent(text))
    return data


# --- soundness against the evaluator on random policies and inputs ----------------------------

_TESTS = st.sampled_from(
    [
        {"reports_at_least": 1},
        {"reports_at_least": 2},
        {"guardian_linked": True},
        {"guardian_linked": False},
        {"connected": True},
        {"connected": False},
        {"level_at_least": "urgent"},
        {"level_below": "urgent"},
        {"tactics_any": ["meeting", "image_request"]},
        {"tactics_all": ["gifts", "meeting"]},
        {"distinct_tactics_at_least": 2},
        {"offender_band_in": ["adult"]},
        {"offender_account_age_days_below": 30},
        {"at_risk_band_in": ["child"]},
        {"at_risk_age_below": 15},
        {"risk_at_least": 0.8},
        {"account_signals_any": ["reported"]},
        {"prior_actions_at_least": 1},
        {"harm_in": ["sextortion"]},
        {"harm_in": ["grooming", "criminal_exploitation"]},
    ]
)


@st.composite
def _conditions(draw: st.DrawFn, depth: int = 0) -> dict[str, object]:
    cond: dict[str, object] = {}
    for test in draw(st.lists(_TESTS, max_size=2)):
        cond.update(test)
    if depth < 1 and draw(st.booleans()):
        key = draw(st.sampled_from(["any_of", "none_of"]))
        cond[key] = draw(st.lists(_conditions(depth + 1), min_size=1, max_size=2))
    return cond


@st.composite
def _policies(draw: st.DrawFn) -> Policy:
    rules = []
    for i in range(draw(st.integers(1, 4))):
        actions = draw(st.sampled_from([["escalate_review"], ["warn"], ["safety_prompt"]]))
        rules.append(
            {
                "id": f"r{i}",
                "description": "a generated rule",
                "when": draw(_conditions()),
                "actions": actions,
                "stop": draw(st.booleans()),
            }
        )
    if draw(st.booleans()):  # a catch-all review last: what the stop rules before it may hide
        catch_all = {"level_at_least": "alert"}
        rules.append(
            {
                "id": "last",
                "description": "a catch-all review",
                "when": catch_all,
                "actions": ["escalate_review"],
            }
        )
    return Policy.model_validate({"policy": "g", "version": "1", "rules": rules})


@st.composite
def _severe_inputs(draw: st.DrawFn) -> PolicyInput:
    child = Participant("c", declared_age=draw(st.sampled_from([None, 5, 12, 13, 14, 15, 17])))
    other = Participant(
        "o",
        declared_age=draw(st.sampled_from([None, 10, 16, 40])),
        account_age_days=draw(st.sampled_from([None, 3, 29, 30, 400])),
        connected=draw(st.sampled_from([None, True, False])),
    )
    tactics = draw(st.sets(st.sampled_from(["meeting", "image_request", "gifts", "rapport"])))
    assessment = Assessment(
        conversation_id="x",
        message_index=0,
        risk=draw(st.sampled_from([0.1, 0.79, 0.8, 0.95])),
        level=draw(st.sampled_from([AlertLevel.ALERT, AlertLevel.URGENT])),
        offender="o",
        at_risk="c",
        tactics={t: [0] for t in tactics},
        harm=draw(st.sampled_from([None, "grooming", "sextortion", "criminal_exploitation"])),
    )
    account = AccountFacts(
        signals=frozenset(draw(st.sets(st.sampled_from(["reported", "repeated_openers"])))),
        reports=draw(st.integers(0, 3)),
        prior_actions=draw(st.integers(0, 2)),
    )
    guardians = {"c": "g"} if draw(st.booleans()) else {}
    return PolicyInput.build(assessment, [other, child], account=account, guardians=guardians)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=_policies(), inputs=st.lists(_severe_inputs(), min_size=20, max_size=20))
def test_a_verified_policy_escalates_every_severe_input(
    policy: Policy, inputs: list[PolicyInput]
) -> None:
    if severe_coverage_gaps(policy):
        return
    for facts in inputs:
        assert ActionType.ESCALATE_REVIEW in evaluate(policy, facts).actions, facts


@pytest.mark.parametrize("text", ["\x01", "policy: a\x11\n", "\u00dc\u0001\u0011\u0080", "\x00"])
def test_control_characters_are_a_refusal_not_a_crash(text: str) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_policy(text)
    assert "not valid YAML" in refused.value.issues[0].message
