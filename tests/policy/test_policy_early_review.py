"""The default policy's early-review rules: severe conversations reach a human by the message a
moderator would act on, including between connected accounts, without touching accounts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from stub_engines import CueEngine, cue_conversation

from safeguarding.domain import (
    AlertLevel,
    Assessment,
    Conversation,
    Participant,
    Signal,
)
from safeguarding.policy import (
    ACTIONS_AGAINST_ACCOUNT,
    ActionType,
    PolicyInput,
    evaluate,
    load_default_policy,
)
from safeguarding.policy.backtest import backtest

MakeFacts = Callable[..., PolicyInput]
POLICY = load_default_policy()
T0 = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


def decide(facts: PolicyInput) -> tuple[set[ActionType], set[str]]:
    d = evaluate(POLICY, facts)
    return set(d.actions), set(d.rule_ids)


# --- adult and a known under-13 --------------------------------------------------------------


def test_meeting_request_between_connected_adult_and_child_is_escalated(
    make_facts: MakeFacts,
) -> None:
    for level in (AlertLevel.NONE, AlertLevel.WATCH):
        facts = make_facts(
            level, risk=0.1, tactics={"meeting": [4]}, child_age=11, other_age=30, connected=True
        )
        actions, rules = decide(facts)
        assert {ActionType.ESCALATE_REVIEW, ActionType.PRESERVE_EVIDENCE} <= actions
        assert "adult-child-early-review" in rules
        assert not actions & ACTIONS_AGAINST_ACCOUNT  # review only: the detector can be wrong


def test_adult_child_rule_needs_a_known_adult_a_known_under_13_and_a_red_flag(
    make_facts: MakeFacts,
) -> None:
    move = {"platform_move": [3]}
    assert (
        "adult-child-early-review"
        in decide(
            make_facts(AlertLevel.NONE, tactics=move, child_age=12, other_age=18, connected=True)
        )[1]
    )
    for child_age, other_age, tactics in (
        (12, 15, move),  # a peer, not an adult
        (12, None, move),  # unknown age: left to the level-based rules
        (15, 30, move),  # a teen: more legitimate adult contact (coaches, jobs)
        (12, 30, {"compliments": [2], "rapport": [1]}),  # no red-flag tactic
    ):
        facts = make_facts(
            AlertLevel.NONE, tactics=tactics, child_age=child_age, other_age=other_age
        )
        actions, rules = decide(facts)
        assert "adult-child-early-review" not in rules
        assert ActionType.ESCALATE_REVIEW not in actions


# --- image request from a new account ---------------------------------------------------------


def _facts(
    *,
    tactics: dict[str, list[int]],
    level: AlertLevel = AlertLevel.NONE,
    account_age_days: int | None,
    child_age: int | None = None,
    other_age: int | None = None,
    connected: bool | None = True,
    named: bool = True,
) -> PolicyInput:
    other = Participant(
        "x", declared_age=other_age, account_age_days=account_age_days, connected=connected
    )
    child = Participant("y", declared_age=child_age, account_age_days=400, connected=connected)
    evidence = [Signal(t, i, "x", 0.9) for t, idx in tactics.items() for i in idx]
    assessment = Assessment(
        "c",
        6,
        0.05,
        level,
        offender="x" if named else None,
        at_risk="y" if named else None,
        evidence=evidence,
        tactics=tactics,
    )
    # the child first: without the evidence fallback the order would make it the suspect
    return PolicyInput.build(assessment, [child, other], latest_sender="x")


def test_image_request_from_a_new_account_is_reviewed_even_when_connected() -> None:
    facts = _facts(tactics={"image_request": [4]}, account_age_days=12)
    actions, rules = decide(facts)
    assert "new-account-image-request-review" in rules
    assert ActionType.ESCALATE_REVIEW in actions and not actions & ACTIONS_AGAINST_ACCOUNT


def test_image_request_from_an_established_account_or_to_an_adult_waits() -> None:
    old = _facts(tactics={"image_request": [4]}, account_age_days=400)
    adult = _facts(tactics={"image_request": [4]}, account_age_days=12, child_age=30)
    unknown_age = _facts(tactics={"image_request": [4]}, account_age_days=None)
    for facts in (old, adult, unknown_age):
        assert ActionType.ESCALATE_REVIEW not in decide(facts)[0]


def test_before_the_engine_names_roles_the_evidence_names_the_suspect() -> None:
    facts = _facts(tactics={"image_request": [4]}, account_age_days=12, named=False)
    assert facts.offender is not None and facts.offender.id == "x"
    assert facts.at_risk is not None and facts.at_risk.id == "y"
    assert "new-account-image-request-review" in decide(facts)[1]


def test_known_ages_win_over_who_wrote_the_evidence() -> None:
    # the younger one wrote the tactic ("don't tell"): ages decide who is the suspect
    facts = _facts(
        tactics={"isolation_secrecy": [2]},
        account_age_days=5,
        other_age=11,
        child_age=35,
        named=False,
    )
    assert facts.offender is not None and facts.offender.id == "y"
    assert facts.at_risk is not None and facts.at_risk.id == "x"


# --- desensitisation --------------------------------------------------------------------------


def test_desensitisation_from_a_stranger_is_reviewed_whatever_the_declared_ages(
    make_facts: MakeFacts,
) -> None:
    # a child who signed up as 18: declared ages say adult/adult
    facts = make_facts(
        AlertLevel.WATCH, risk=0.4, tactics={"desensitisation": [8]}, child_age=18, other_age=28
    )
    actions, rules = decide(facts)
    assert "desensitisation-review" in rules and ActionType.ESCALATE_REVIEW in actions
    connected = make_facts(
        AlertLevel.WATCH,
        risk=0.4,
        tactics={"desensitisation": [8]},
        child_age=30,
        other_age=28,
        connected=True,
    )
    assert ActionType.ESCALATE_REVIEW not in decide(connected)[0]
    quiet = make_facts(AlertLevel.NONE, tactics={"desensitisation": [8]}, child_age=18)
    assert ActionType.ESCALATE_REVIEW not in decide(quiet)[0]


# --- end to end through the backtest ----------------------------------------------------------

CUES = {
    "snap": "platform_move",
    "meet": "meeting",
    "dont tell": "isolation_secrecy",
    "homework": "personal_questions",
}


class QuietEngine(CueEngine):
    """Never gets past ``watch`` and names nobody: only the early rules can escalate."""

    def __init__(self) -> None:
        super().__init__(CUES)

    def assess(
        self, cid: str, index: int, seen: dict[str, list[int]], evidence: list[Signal]
    ) -> Assessment:
        level = AlertLevel.WATCH if len(seen) >= 3 else AlertLevel.NONE
        return Assessment(cid, index, 0.1 * len(seen), level, evidence=list(evidence), tactics=seen)


def _conv(cid: str, texts: list[str], *, adult_age: int, grooming: bool) -> Conversation:
    flags = [
        i for i, t in enumerate(texts) for c in CUES if c in t and CUES[c] != "personal_questions"
    ]
    return cue_conversation(
        cid,
        texts,
        [
            Participant("a", declared_age=adult_age, account_age_days=900, connected=True),
            Participant("b", declared_age=11, account_age_days=300, connected=True),
        ],
        CUES,
        T0,
        grooming=grooming,
        category="grooming" if grooming else "benign_trusted_adult",
        first_alert_index=min(flags) if grooming and flags else None,
    )


def test_connected_mentor_is_escalated_by_the_moderator_message_and_a_parent_is_not() -> None:
    mentor = _conv(
        "g-mentor",
        [
            "hey its ur mentor",
            "hi",
            "whats ur snap, teachers can see this app",
            "why",
            "want to meet after school thurs?",
            "ok",
            "dont tell anyone its me",
            "ok",
        ],
        adult_age=19,
        grooming=True,
    )
    parent = _conv(
        "b-parent",
        ["hows school", "good", "did u finish the homework", "yes", "well done", "ty"],
        adult_age=41,
        grooming=False,
    )
    report = backtest(POLICY, [mentor, parent], engine=QuietEngine())
    by_id = {c.id: c for c in report.conversations}
    assert mentor.first_alert_index == 2
    assert by_id["g-mentor"].escalated_at == 2  # the platform move, before the meeting
    assert "adult-child-early-review" in by_id["g-mentor"].rules
    assert by_id["b-parent"].first_index == {}
    m = report.measures()
    assert (m["severe_truth"], m["severe_truth_on_time"]) == (1, 1)
    assert m["benign_with_actions_against_account"] == 0
