"""Features of one participant as a possible offender, from the conversation state so far.

The learned model sees tactics *in context*: the same secrecy request means one thing from an
adult stranger with a new account to a child, and another between two connected
14-year-olds planning a surprise. Interactions are written out explicitly so that a small
linear model can express them and stay explainable.
"""

from __future__ import annotations

import numpy as np

from safeguarding.domain import Tactic
from safeguarding.risk.state import ADULT, ConversationState, ParticipantState

TACTICS = [t.value for t in Tactic]
# Tactics that on their own move a conversation towards harm (O'Connell's later stages).
SEVERE = (
    "isolation_secrecy",
    "platform_move",
    "image_request",
    "meeting",
    "threat",
    "risk_assessment",
    "gifts",
    "desensitisation",
    "emotional_dependency",
)
STRONG = 0.5
# A public room, where one-to-one grooming rarely happens in the open (a streamer's chat
# with two or three viewers is still treated as a conversation).
ROOM_SIZE = 5

CONTEXTS = [
    "target_minor",
    "target_child",
    "target_age_unknown",
    "sender_adultish",
    "peers",
    "age_gap",
    "age_conflict",
    "new_account",
    "old_account",
    "connected",
    "stranger",
    "group",
    "contacts",
    "drives",
]
# Context on its own says little; it changes what the tactics mean. So context enters the
# model as a product with the tactic evidence, never alone: no tactics, no risk.
# Tactics that are ordinary between peers (asking ages, compliments, "me too", "im 14 too")
# count only when the sender is not a peer of the target: an adult, an unknown, or a
# "teen" whose words say adult.
WEAK = tuple(t for t in TACTICS if t not in SEVERE)
FEATURES = [
    *[f"tac_{t}" for t in SEVERE],
    *[f"tac_{t}_x_not_peers" for t in WEAK],
    "n_tactics_x_not_peers",
    "n_severe",
    "tactic_share",
    "semantic",
    *[f"evidence_x_{c}" for c in CONTEXTS],
    "age_conflict",
    "contacts",
]
INDEX = {name: i for i, name in enumerate(FEATURES)}
# Contexts that make tactics less worrying (friends, peers, long-standing accounts, rooms).
PROTECTIVE = ("peers", "connected", "old_account", "group")
# Sign of each weight: risk may only rise with evidence and risky context, and only fall
# with protective context. The constraint keeps a small training set from teaching the model
# that, say, being connected makes secrecy worse.
SIGNS = {name: (-1 if name.removeprefix("evidence_x_") in PROTECTIVE else 1) for name in FEATURES}


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


def drives(state: ConversationState, sender: ParticipantState) -> bool:
    """Whether ``sender`` leads the conversation: more of its messages and more questions."""
    others = [p for pid, p in state.participants.items() if pid != sender.id]
    if not others or sender.n_messages < 3:
        return False
    most_messages = max(p.n_messages for p in others)
    most_questions = max(p.n_questions for p in others)
    return sender.n_messages >= most_messages and sender.n_questions > most_questions


def context(state: ConversationState, sender: ParticipantState) -> dict[str, float]:
    """The context of ``sender`` as possible offender, each value in [0, 1]."""
    target = target_for(state, sender.id)
    s_age = sender.estimated_age()
    t_age = target.estimated_age() if target else None
    conflict = sender.age_conflict()
    s_minor = s_age is not None and s_age < ADULT and not conflict
    t_minor = t_age is not None and t_age < ADULT
    days = sender.account_age_days
    gap = 0.0
    if s_age is not None and t_age is not None:
        gap = max(0.0, min(1.0, (s_age - t_age) / 15))
    return {
        "target_minor": float(t_minor),
        "target_child": float(t_age is not None and t_age < 13),
        "target_age_unknown": float(t_age is None),
        "sender_adultish": float(not s_minor),
        "peers": float(s_minor and t_minor),
        "age_gap": gap,
        "age_conflict": float(conflict),
        "new_account": float(days is not None and days < 30),
        "old_account": float(days is not None and days >= 365),
        "connected": float(bool(sender.connected)),
        "stranger": float(sender.connected is False),
        "group": float(len(state.participants) >= ROOM_SIZE),
        "contacts": float(sender.contacts > 0),
        "drives": float(drives(state, sender)),
    }


def features(state: ConversationState, sender: ParticipantState) -> np.ndarray:
    x = np.zeros(len(FEATURES), dtype=np.float64)
    ctx = context(state, sender)
    not_peers = 1.0 - ctx["peers"]
    for t in SEVERE:
        x[INDEX[f"tac_{t}"]] = sender.tactic_max.get(t, 0.0)
    for t in WEAK:
        x[INDEX[f"tac_{t}_x_not_peers"]] = sender.tactic_max.get(t, 0.0) * not_peers
    strong = [t for t, s in sender.tactic_max.items() if s >= STRONG and t != "rapport"]
    severe = [sender.tactic_max[t] for t in strong if t in SEVERE]
    evidence = min(1.0, sum(severe) / 3)
    x[INDEX["n_tactics_x_not_peers"]] = min(1.0, len(strong) / 5) * not_peers
    x[INDEX["n_severe"]] = evidence
    x[INDEX["tactic_share"]] = sender.tactic_messages / max(1, sender.n_messages)
    x[INDEX["semantic"]] = max(0.0, sender.semantic_max)
    for name, value in ctx.items():
        x[INDEX[f"evidence_x_{name}"]] = evidence * value
    x[INDEX["age_conflict"]] = ctx["age_conflict"]
    x[INDEX["contacts"]] = ctx["contacts"]
    return x
