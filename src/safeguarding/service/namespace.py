"""Tenant scoping of ids inside the shared risk engine.

One engine serves every tenant, so conversation and account ids are prefixed with the tenant
id before they reach it and stripped from what comes back. Tenant ids never contain ``:``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from safeguarding.domain import Assessment, Signal

SEP = ":"


def scoped(tenant_id: str, local_id: str) -> str:
    return f"{tenant_id}{SEP}{local_id}"


def unscoped(value: str | None) -> str | None:
    if value is None:
        return None
    _, sep, rest = value.partition(SEP)
    return rest if sep else value


def unscope_assessment(data: dict[str, Any]) -> dict[str, Any]:
    """Strip tenant prefixes from an ``Assessment.to_dict()``."""
    out = dict(data)
    for key in ("conversation_id", "offender", "at_risk"):
        if key in out:
            out[key] = unscoped(out[key])
    out["evidence"] = [
        {**e, "sender": unscoped(e.get("sender"))} for e in data.get("evidence") or []
    ]
    return out


def unscoped_assessment_dict(
    a: Assessment, memo: dict[int, tuple[Signal, dict[str, Any]]] | None = None
) -> dict[str, Any]:
    """``unscope_assessment(a.to_dict())`` in one pass (the ingest path builds one for every
    touched conversation of every batch); ``tests/service`` checks that the two agree.

    ``memo`` (one per conversation, kept by the caller): the engine keeps a conversation's
    evidence signals as the same immutable objects from one assessment to the next, so the
    dict of a signal seen last time is reused (by identity) instead of rebuilt. The dicts
    are shared between successive answers and must not be modified.
    """
    if memo is None:
        evidence = [_signal_dict(s) for s in a.evidence]
    else:
        seen: dict[int, tuple[Signal, dict[str, Any]]] = {}
        evidence = []
        for s in a.evidence:
            hit = memo.get(id(s))
            d = hit[1] if hit is not None and hit[0] is s else _signal_dict(s)
            seen[id(s)] = (s, d)
            evidence.append(d)
        memo.clear()
        memo.update(seen)
    return {
        "conversation_id": unscoped(a.conversation_id),
        "message_index": a.message_index,
        "risk": round(a.risk, 4),
        "level": a.level.label,
        "offender": unscoped(a.offender),
        "at_risk": unscoped(a.at_risk),
        "first_alert_index": a.first_alert_index,
        "tactics": a.tactics,
        "reasons": a.reasons,
        "evidence": evidence,
    }


def _signal_dict(s: Signal) -> dict[str, Any]:
    return {
        "kind": s.kind,
        "message_index": s.message_index,
        "sender": unscoped(s.sender),
        "score": round(s.score, 3),
        "span": list(s.span) if s.span else None,
        "excerpt": s.excerpt,
        "source": s.source,
    }
