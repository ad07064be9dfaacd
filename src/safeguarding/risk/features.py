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
# Criminal exploitation's own tactics (county lines, gang recruitment). They enter the model
# through their own block of features, so grooming's weights stay what they were.
CCE_TACTICS = ("money_offer", "courier_task", "burner_phone", "belonging", "debt")
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
WEAK = tuple(t for t in TACTICS if t not in SEVERE and t not in CCE_TACTICS)
# Criminal exploitation: the same tactic means little between near-age peers ("i'll pay you
# a fiver to carry my bag" among 13-year-olds) and a lot from an adult or a much older teen,
# a new account or a stranger; an arrangement made openly with a parent lowers it.
CCE_CONTEXTS = (
    "target_minor",
    "sender_adultish",
    "age_gap",
    "new_account",
    "stranger",
    "drives",
    "peers",
    "connected",
    "old_account",
    "group",
    "open",
)
NEAR_PEER_GAP = 3 / 15  # ``age_gap`` is the gap in years over 15
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
    *[f"tac_{t}_x_not_near_peers" for t in CCE_TACTICS],
    "cce_evidence",
    *[f"cce_evidence_x_{c}" for c in CCE_CONTEXTS],
]
INDEX = {name: i for i, name in enumerate(FEATURES)}
# Contexts that make tactics less worrying (friends, peers, long-standing accounts, rooms).
PROTECTIVE = ("peers", "connected", "old_account", "group", "open")
# Sign of each weight: risk may only rise with evidence and risky context, and only fall
# with protective context. The constraint keeps a small training set from teaching the model
# that, say, being connected makes secrecy worse.
SIGNS = {
    name: (-1 if name.removeprefix("cce_").removeprefix("evidence_x_") in PROTECTIVE else 1)
    for name in FEATURES
}


def target_for(state: ConversationState, sender: str) -> ParticipantState | None:
    """The participant most at risk from ``sender``: the youngest other, else the most active."""
    return _target(_others(state, sender))


def drives(state: ConversationState, sender: ParticipantState) -> bool:
    """Whether ``sender`` leads the conversation: more of its messages and more questions."""
    return _drives(sender, _others(state, sender.id))


def context(state: ConversationState, sender: ParticipantState) -> dict[str, float]:
    """The context of ``sender`` as possible offender, each value in [0, 1]."""
    others = _others(state, sender.id)
    values = _context(state, sender, others, sender.age_conflict(), _drives(sender, others))
    return dict(zip(CONTEXTS, values, strict=True))


def features(state: ConversationState, sender: ParticipantState) -> np.ndarray:
    """The model's input for ``sender`` as possible offender, in the order of ``FEATURES``."""
    return np.array(feature_values(state, sender), dtype=np.float64)


def feature_values(state: ConversationState, sender: ParticipantState) -> list[float]:
    """:func:`features` as a plain list: the engine scores every participant on every
    message, and for ~40 numbers list building and a Python dot product cost a fraction of
    numpy's per-call overhead.

    Context only ever enters multiplied by tactic evidence, so it is worked out only as far as
    the evidence needs it: with no tactic at all neither target nor context is looked at, and
    who drives the conversation (the dearest part) only when there is severe evidence. The
    values are the same either way (0.0 times any context value is 0.0).
    """
    tactic_max = sender.tactic_max
    conflict = sender.age_conflict()
    share = sender.tactic_messages / max(1, sender.n_messages)
    semantic = max(0.0, sender.semantic_max)
    contacts = float(sender.contacts > 0)
    if not tactic_max:
        return [*_NO_TACTICS, share, semantic, *_NO_CONTEXT, float(conflict), contacts, *_NO_CCE]
    strong = [t for t, s in tactic_max.items() if s >= STRONG and t != "rapport"]
    evidence = min(1.0, sum([tactic_max[t] for t in strong if t in _SEVERE_SET]) / 3)
    cce = min(1.0, sum([tactic_max[t] for t in strong if t in _CCE_SET]) / 2)
    others = _others(state, sender.id)
    drives_now = bool(evidence or cce) and _drives(sender, others)
    ctx = _context(state, sender, others, conflict, drives_now)
    not_peers = 1.0 - ctx[_PEERS]
    return [
        *[tactic_max.get(t, 0.0) for t in SEVERE],
        *[tactic_max.get(t, 0.0) * not_peers for t in WEAK],
        min(1.0, len(strong) / 5) * not_peers,
        evidence,
        share,
        semantic,
        *[evidence * value for value in ctx],
        float(conflict),
        contacts,
        *_cce_values(state, tactic_max, ctx, cce),
    ]


def _cce_values(
    state: ConversationState, tactic_max: dict[str, float], ctx: tuple[float, ...], cce: float
) -> list[float]:
    """The criminal-exploitation block: its tactics unless near-age peers, then its evidence
    in context (``open``: someone said a parent knows or agreed)."""
    if not cce and not any(t in tactic_max for t in CCE_TACTICS):
        return list(_NO_CCE)
    near_peers = ctx[_PEERS] and ctx[_GAP] < NEAR_PEER_GAP
    not_near = 0.0 if near_peers else 1.0
    values = dict(zip(CONTEXTS, ctx, strict=True))
    values["open"] = float(state.open_mentions > 0)
    return [
        *[tactic_max.get(t, 0.0) * not_near for t in CCE_TACTICS],
        cce,
        *[cce * values[c] for c in CCE_CONTEXTS],
    ]


_SEVERE_SET = frozenset(SEVERE)
_CCE_SET = frozenset(CCE_TACTICS)
_PEERS = CONTEXTS.index("peers")
_GAP = CONTEXTS.index("age_gap")
_NO_TACTICS = (0.0,) * (len(SEVERE) + len(WEAK) + 2)
_NO_CONTEXT = (0.0,) * len(CONTEXTS)
_NO_CCE = (0.0,) * (len(CCE_TACTICS) + 1 + len(CCE_CONTEXTS))
# feature_values() writes the vector positionally: keep it in step with FEATURES.
assert FEATURES[len(SEVERE) + len(WEAK) : len(SEVERE) + len(WEAK) + 4] == [
    "n_tactics_x_not_peers",
    "n_severe",
    "tactic_share",
    "semantic",
]
assert FEATURES[-len(_NO_CCE) - 2 : -len(_NO_CCE)] == ["age_conflict", "contacts"]
assert len(FEATURES) == len(_NO_TACTICS) + 2 + len(_NO_CONTEXT) + 2 + len(_NO_CCE)


def _others(state: ConversationState, sender: str) -> list[ParticipantState]:
    return [p for pid, p in state.participants.items() if pid != sender]


def _target(others: list[ParticipantState]) -> ParticipantState | None:
    youngest: ParticipantState | None = None
    youngest_age = 0.0
    for p in others:  # the first of equal ages wins, as ``min`` would pick it
        age = p.estimated_age()
        if age is not None and (youngest is None or age < youngest_age):
            youngest, youngest_age = p, age
    if youngest is not None:
        return youngest
    return max(others, key=lambda p: p.n_messages) if others else None


def _drives(sender: ParticipantState, others: list[ParticipantState]) -> bool:
    if not others or sender.n_messages < 3:
        return False
    most_messages = max(p.n_messages for p in others)
    most_questions = max(p.n_questions for p in others)
    return sender.n_messages >= most_messages and sender.n_questions > most_questions


def _context(
    state: ConversationState,
    sender: ParticipantState,
    others: list[ParticipantState],
    conflict: bool,
    sender_drives: bool,
) -> tuple[float, ...]:
    """The values of ``CONTEXTS``, in that order (``conflict``: ``sender.age_conflict()``)."""
    target = _target(others)
    s_age = sender.estimated_age()
    t_age = target.estimated_age() if target else None
    s_minor = s_age is not None and s_age < ADULT and not conflict
    t_minor = t_age is not None and t_age < ADULT
    days = sender.account_age_days
    gap = 0.0
    if s_age is not None and t_age is not None:
        gap = max(0.0, min(1.0, (s_age - t_age) / 15))
    return (
        float(t_minor),  # target_minor
        float(t_age is not None and t_age < 13),  # target_child
        float(t_age is None),  # target_age_unknown
        float(not s_minor),  # sender_adultish
        float(s_minor and t_minor),  # peers
        gap,  # age_gap
        float(conflict),  # age_conflict
        float(days is not None and days < 30),  # new_account
        float(days is not None and days >= 365),  # old_account
        float(bool(sender.connected)),  # connected
        float(sender.connected is False),  # stranger
        float(len(state.participants) >= ROOM_SIZE),  # group
        float(sender.contacts > 0),  # contacts
        float(sender_drives),  # drives
    )
