"""The fast feature path (``feature_values``, list-based ``predict``) against the plain
definition it replaced: same numbers for any conversation state."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding.risk.features import (
    CCE_CONTEXTS,
    CCE_TACTICS,
    CONTEXTS,
    FEATURES,
    INDEX,
    NEAR_PEER_GAP,
    ROOM_SIZE,
    SEVERE,
    STRONG,
    TACTICS,
    WEAK,
    context,
    drives,
    feature_values,
    features,
    target_for,
)
from safeguarding.risk.model import RiskModel
from safeguarding.risk.state import ADULT, ConversationState, ParticipantState


def reference_target(state: ConversationState, sender: str) -> ParticipantState | None:
    others = [p for pid, p in state.participants.items() if pid != sender]
    if not others:
        return None
    known = [(p.estimated_age(), p) for p in others if p.estimated_age() is not None]
    if known:
        return min(known, key=lambda ap: ap[0])[1]
    return max(others, key=lambda p: p.n_messages)


def reference_drives(state: ConversationState, sender: ParticipantState) -> bool:
    others = [p for pid, p in state.participants.items() if pid != sender.id]
    if not others or sender.n_messages < 3:
        return False
    return sender.n_messages >= max(p.n_messages for p in others) and sender.n_questions > max(
        p.n_questions for p in others
    )


def reference_context(state: ConversationState, sender: ParticipantState) -> dict[str, float]:
    target = reference_target(state, sender.id)
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
        "drives": float(reference_drives(state, sender)),
    }


def reference_features(state: ConversationState, sender: ParticipantState) -> np.ndarray:
    x = np.zeros(len(FEATURES), dtype=np.float64)
    ctx = reference_context(state, sender)
    not_peers = 1.0 - ctx["peers"]
    for t in SEVERE:
        x[INDEX[f"tac_{t}"]] = sender.tactic_max.get(t, 0.0)
    for t in WEAK:
        x[INDEX[f"tac_{t}_x_not_peers"]] = sender.tactic_max.get(t, 0.0) * not_peers
    strong = [t for t, s in sender.tactic_max.items() if s >= STRONG and t != "rapport"]
    evidence = min(1.0, sum(sender.tactic_max[t] for t in strong if t in SEVERE) / 3)
    x[INDEX["n_tactics_x_not_peers"]] = min(1.0, len(strong) / 5) * not_peers
    x[INDEX["n_severe"]] = evidence
    x[INDEX["tactic_share"]] = sender.tactic_messages / max(1, sender.n_messages)
    x[INDEX["semantic"]] = max(0.0, sender.semantic_max)
    for name, value in ctx.items():
        x[INDEX[f"evidence_x_{name}"]] = evidence * value
    x[INDEX["age_conflict"]] = ctx["age_conflict"]
    x[INDEX["contacts"]] = ctx["contacts"]
    # criminal exploitation: its tactics unless near-age peers, its evidence in context
    cce = min(1.0, sum(sender.tactic_max[t] for t in strong if t in CCE_TACTICS) / 2)
    near_peers = bool(ctx["peers"]) and ctx["age_gap"] < NEAR_PEER_GAP
    for t in CCE_TACTICS:
        x[INDEX[f"tac_{t}_x_not_near_peers"]] = sender.tactic_max.get(t, 0.0) * (not near_peers)
    x[INDEX["cce_evidence"]] = cce
    values = {**ctx, "open": float(state.open_mentions > 0)}
    for name in CCE_CONTEXTS:
        x[INDEX[f"cce_evidence_x_{name}"]] = cce * values[name]
    return x


maybe_age = st.none() | st.integers(5, 60)
participant = st.builds(
    ParticipantState,
    id=st.just(""),
    declared_age=maybe_age,
    verified_age=st.none() | st.integers(10, 60),
    account_age_days=st.none() | st.integers(0, 2000),
    connected=st.none() | st.booleans(),
    stated_ages=st.lists(st.integers(5, 60), max_size=3),
    adult_evidence=st.integers(0, 2),
    n_messages=st.integers(0, 12),
    n_questions=st.integers(0, 6),
    tactic_max=st.dictionaries(
        st.sampled_from(TACTICS),
        st.sampled_from([0.3, 0.5, 0.6, 0.8, 0.9, 1.0]) | st.floats(0.0, 1.0),
        max_size=6,
    ),
    tactic_messages=st.integers(0, 6),
    contacts=st.integers(0, 2),
    semantic_max=st.floats(-0.5, 0.5),
)


@st.composite
def states(draw: st.DrawFn) -> ConversationState:
    people = draw(st.lists(participant, min_size=1, max_size=ROOM_SIZE + 1))
    state = ConversationState("c", open_mentions=draw(st.integers(0, 2)))
    for i, p in enumerate(people):
        p.id = f"p{i}"
        state.participants[p.id] = p
    return state


def numpy_predict(model: RiskModel, x: np.ndarray) -> float:
    a, b = model.calibration
    z = a * (float(model.coef @ x) + model.intercept) + b
    return float(1.0 / (1.0 + np.exp(-max(-40.0, min(40.0, z)))))


@settings(max_examples=300, deadline=None)
@given(states())
def test_features_match_the_plain_definition(state: ConversationState) -> None:
    model = RiskModel.load()
    for p in state.participants.values():
        expected = reference_features(state, p)
        assert feature_values(state, p) == expected.tolist()  # exactly, value for value
        assert np.array_equal(features(state, p), expected)
        assert context(state, p) == reference_context(state, p)
        assert list(context(state, p)) == CONTEXTS
        assert drives(state, p) == reference_drives(state, p)
        assert target_for(state, p.id) is reference_target(state, p.id)
        # The list dot product may differ from BLAS (the former numpy path) in the last bit.
        assert abs(model.predict(feature_values(state, p)) - numpy_predict(model, expected)) < 1e-12
        assert model.contributions(feature_values(state, p)) == model.contributions(expected)


def test_predict_follows_replaced_weights() -> None:
    model = RiskModel.load()
    x = [1.0] * len(FEATURES)
    before = model.predict(x)
    model.coef = model.coef * 0.0
    assert model.predict(x) != before
    assert model.predict(x) == pytest.approx(numpy_predict(model, np.asarray(x)), abs=1e-12)
