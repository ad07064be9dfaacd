"""Risk over messages for the case view: the conversation replayed through a fresh engine
that shares the service's loaded model (streaming: each point uses messages 0..i only)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from safeguarding.domain import Message, Participant
from safeguarding.risk.engine import Engine

_CACHE: OrderedDict[tuple[str, str, int], list[float]] = OrderedDict()
_CACHE_MAX = 512


def risk_series(
    prototype: Any,
    tenant_id: str,
    conversation_id: str,
    messages: Sequence[Any],
    people: Sequence[Any],
) -> list[float] | None:
    """The risk after each message, or ``None`` when the service's engine is not the real
    one (a test stand-in without a model)."""
    model, analyser = getattr(prototype, "model", None), getattr(prototype, "analyser", None)
    if model is None or analyser is None:
        return None
    key = (tenant_id, conversation_id, len(messages))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    engine = Engine(model, analyser)
    engine.open_conversation(
        conversation_id,
        [
            Participant(
                p.id,
                declared_age=p.declared_age,
                account_age_days=p.account_age_days,
                connected=bool(p.connected),
            )
            for p in people
        ],
    )
    series = []
    for m in messages:
        others = [p.id for p in people if p.id != m.sender]
        a = engine.process(
            Message(conversation_id, m.sender, m.text or "", ts=m.ts, recipients=tuple(others))
        )
        series.append(round(a.risk, 4))
    _CACHE[key] = series
    while len(_CACHE) > _CACHE_MAX:
        _CACHE.popitem(last=False)
    return series


def polyline(series: Sequence[float], width: int = 600, height: int = 120) -> str:
    """SVG polyline points for ``series`` (risk 0..1 upwards)."""
    if not series:
        return ""
    step = width / max(len(series) - 1, 1)
    return " ".join(f"{i * step:.1f},{height - r * height:.1f}" for i, r in enumerate(series))
