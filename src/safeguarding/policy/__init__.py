"""Policy stage: declarative rules turn assessments and account facts into decisions.

Also home to the safety defaults for child accounts (``can_contact``, ``can_suggest``),
account-level signals (``AccountTracker``) and the backtest.
"""

from safeguarding.policy.accounts import AccountAlert, AccountTracker, TrackerSettings
from safeguarding.policy.ages import AgeBand, band_for_age, participant_band
from safeguarding.policy.evaluator import Decision, evaluate
from safeguarding.policy.facts import AccountFacts, PolicyInput
from safeguarding.policy.holder import PolicyHolder, ReloadResult
from safeguarding.policy.loader import (
    PolicyError,
    PolicyIssue,
    load_default_policy,
    load_policy,
    parse_policy,
)
from safeguarding.policy.registry import ACTIONS_AGAINST_ACCOUNT, AccountSignal, ActionType
from safeguarding.policy.safety import (
    AccountView,
    SafetyDecision,
    SafetySettings,
    can_contact,
    can_suggest,
    visibility_defaults,
)
from safeguarding.policy.schema import Policy

__all__ = [
    "ACTIONS_AGAINST_ACCOUNT",
    "AccountAlert",
    "AccountFacts",
    "AccountSignal",
    "AccountTracker",
    "AccountView",
    "ActionType",
    "AgeBand",
    "Decision",
    "Policy",
    "PolicyError",
    "PolicyHolder",
    "PolicyInput",
    "PolicyIssue",
    "ReloadResult",
    "SafetyDecision",
    "SafetySettings",
    "TrackerSettings",
    "band_for_age",
    "can_contact",
    "can_suggest",
    "evaluate",
    "load_default_policy",
    "load_policy",
    "parse_policy",
    "participant_band",
    "visibility_defaults",
]
