"""Features of one participant as a possible offender, from the conversation state so far.

The learned model sees tactics *in context*: the same secrecy request means one thing from an
adult stranger with a new account to a child, and another between two connected
14-year-olds planning a surprise. Interactions are written out explicitly so that a small
linear model can express them and stay explainable.
"""

from __future__ import annotations

import math

import numpy as np

from safeguarding.domain import Tactic
from safeguarding.risk.state import ADULT, ConversationState, ParticipantState

TACTICS = [t.value for t in Tactic]
# Tactics that on their own move a conversation towards harm (O'Connell's later stages).
SEVERE = ("isolation_secrecy", "platform_move", "image_request", "meeting", "threat",
          "risk_assessment", "gifts", "desensitisation", "emotional_dependency")
STRONG = 0.5

FEATURES = [
    "s_adult", "s_minor_declared", "s_age_unknown", "t_minor", "t_child", "t_age_unknown",
    "age_gap", "big_gap", "age_conflict", "new_account", "log_account_age", "connected",
    *[f"tac_{t}" for t in TACTICS],
    "n_tactics", "n_severe", "tactic_share", "contacts", "semantic", "msg_share",
    "question_share", "group", "progress",
    "severe_x_child_target", "severe_x_adultish", "severe_x_connected", "severe_x_peers",
    "severe_x_unknown_target",
]
INDEX = {name: i for i, name in enumerate(FEATURES)}


def target_for(state: ConversationState, sender: str) -> ParticipantState | None:
    """The participant most at risk from ``sender``: the youngest other, else the most active."""
    others = [p for pid, p in state.participants.items() if pid != sender]
    if not others:
        return None
    aged = [(p.estimated_age(), p) for p in others]
    known = [(a, p) for a, p in aged if a is not None]
    if known:
        return min(known, key=lambda ap: ap[0])[1]
    return max(others, key=lambda p: p.n_messages)


def features(state: ConversationState, sender: ParticipantState) -> np.ndarray:
    x = np.zeros(len(FEATURES), dtype=np.float64)
    target = target_for(state, sender.id)
    s_age = sender.estimated_age()
    t_age = target.estimated_age() if target else None
    conflict = sender.age_conflict()
    s_adult = s_age is not None and s_age >= ADULT
    s_minor = s_age is not None and s_age < ADULT and not conflict
    t_minor = t_age is not None and t_age < ADULT
    x[INDEX["s_adult"]] = s_adult
    x[INDEX["s_minor_declared"]] = s_minor
    x[INDEX["s_age_unknown"]] = s_age is None
    x[INDEX["t_minor"]] = t_minor
    x[INDEX["t_child"]] = t_age is not None and t_age < 13
    x[INDEX["t_age_unknown"]] = t_age is None
    if s_age is not None and t_age is not None:
        gap = s_age - t_age
        x[INDEX["age_gap"]] = max(-1.0, min(3.0, gap / 10))
        x[INDEX["big_gap"]] = gap >= 5
    x[INDEX["age_conflict"]] = conflict
    days = sender.account_age_days
    x[INDEX["new_account"]] = days is not None and days < 30
    x[INDEX["log_account_age"]] = math.log1p(days) / 7 if days is not None else 0.5
    x[INDEX["connected"]] = bool(sender.connected)
    for t in TACTICS:
        x[INDEX[f"tac_{t}"]] = sender.tactic_max.get(t, 0.0)
    strong = [t for t, s in sender.tactic_max.items() if s >= STRONG and t != "rapport"]
    severe = sum(1 for t in strong if t in SEVERE)
    x[INDEX["n_tactics"]] = len(strong) / 5
    x[INDEX["n_severe"]] = severe / 3
    n = max(1, sender.n_messages)
    x[INDEX["tactic_share"]] = sender.tactic_messages / n
    x[INDEX["contacts"]] = sender.contacts > 0
    x[INDEX["semantic"]] = max(0.0, sender.semantic_max)
    x[INDEX["msg_share"]] = sender.n_messages / max(1, state.n_messages)
    x[INDEX["question_share"]] = sender.n_questions / n
    x[INDEX["group"]] = len(state.participants) > 2
    x[INDEX["progress"]] = math.log1p(state.n_messages) / 4
    sev = severe / 3
    x[INDEX["severe_x_child_target"]] = sev * t_minor
    x[INDEX["severe_x_adultish"]] = sev * (s_adult or conflict or s_age is None)
    x[INDEX["severe_x_connected"]] = sev * bool(sender.connected)
    x[INDEX["severe_x_peers"]] = sev * (s_minor and t_minor)
    x[INDEX["severe_x_unknown_target"]] = sev * (t_age is None)
    return x
