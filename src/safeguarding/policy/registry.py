"""Names a policy may refer to: actions, account signals, evidence kinds and tactics.

A policy file is refused when it names something outside these registries, so a typo such as
``tactics_any: [meetng]`` fails loudly on load instead of silently never matching.
"""

from __future__ import annotations

from enum import StrEnum

from safeguarding.domain import AlertLevel, Tactic


class ActionType(StrEnum):
    """Everything the policy can ask the platform to do."""

    SAFETY_PROMPT = "safety_prompt"  # in-chat help for the child, with local signposting
    WARN = "warn"  # warning to the suspected offender
    HOLD_MESSAGE = "hold_message"  # the offender's latest message held for review
    RESTRICT_CONTACT_WITH_MINORS = "restrict_contact_with_minors"
    SUSPEND = "suspend"
    ESCALATE_REVIEW = "escalate_review"  # human review with a priority
    PRESERVE_EVIDENCE = "preserve_evidence"  # frozen, hash-chained conversation snapshot
    NOTIFY_GUARDIAN = "notify_guardian"  # linked guardian account; never message text


class ActionTarget(StrEnum):
    CHILD = "child"
    OFFENDER = "offender"
    TEAM = "team"
    GUARDIAN = "guardian"


ACTION_TARGET: dict[ActionType, ActionTarget] = {
    ActionType.SAFETY_PROMPT: ActionTarget.CHILD,
    ActionType.WARN: ActionTarget.OFFENDER,
    ActionType.HOLD_MESSAGE: ActionTarget.OFFENDER,
    ActionType.RESTRICT_CONTACT_WITH_MINORS: ActionTarget.OFFENDER,
    ActionType.SUSPEND: ActionTarget.OFFENDER,
    ActionType.ESCALATE_REVIEW: ActionTarget.TEAM,
    ActionType.PRESERVE_EVIDENCE: ActionTarget.TEAM,
    ActionType.NOTIFY_GUARDIAN: ActionTarget.GUARDIAN,
}

#: Actions that restrict or sanction an account; a benign conversation must never get one.
ACTIONS_AGAINST_ACCOUNT: frozenset[ActionType] = frozenset(
    a for a, target in ACTION_TARGET.items() if target is ActionTarget.OFFENDER
)


class AccountSignal(StrEnum):
    """Risk that only shows across conversations (computed by ``policy.accounts``)."""

    MANY_CHILDREN_CONTACTED = "many_children_contacted"
    REPEATED_OPENERS = "repeated_openers"
    CONTACT_DETAILS_SHARED_WITH_CHILDREN = "contact_details_shared_with_children"
    REPORTED = "reported"
    PRIOR_ACTIONS = "prior_actions"


TACTICS: frozenset[str] = frozenset(t.value for t in Tactic)

#: Evidence families the signals stage emits besides tactic names (see ``domain.Signal``).
_EVIDENCE_FAMILIES = {"contact_detail", "age_statement", "adult_indicator", "media_match"}
EVIDENCE_KINDS: set[str] = set(TACTICS) | _EVIDENCE_FAMILIES


def register_evidence_kind(kind: str) -> None:
    """Let an extension add an evidence kind that policies may then name."""
    EVIDENCE_KINDS.add(kind)


#: Harms an assessment may name (``Assessment.harm``); policies match them with ``harm_in``.
HARMS: frozenset[str] = frozenset({"grooming", "sextortion", "criminal_exploitation"})

LEVELS: dict[str, AlertLevel] = {lvl.label: lvl for lvl in AlertLevel}
