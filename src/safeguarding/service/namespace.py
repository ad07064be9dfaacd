"""Tenant scoping of ids inside the shared risk engine.

One engine serves every tenant, so conversation and account ids are prefixed with the tenant
id before they reach it and stripped from what comes back. Tenant ids never contain ``:``.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    a: Assessment,
    memo: dict[int, tuple[Signal, dict[str, Any]]] | None = None,
    *,
    excerpts: bool = True,
) -> dict[str, Any]:
    """``unscope_assessment(a.to_dict())`` in one pass (the ingest path builds one for every
    touched conversation of every batch); ``tests/service`` checks that the two agree.

    ``memo`` (one per conversation, kept by the caller): the engine keeps a conversation's
    evidence signals as the same immutable objects from one assessment to the next, so the
    dict of a signal seen last time is reused (by identity) instead of rebuilt. The dicts
    are shared between successive answers and must not be modified.

    ``excerpts=False``: the stored form (see the retention note below); a memo must always be
    used with the same form.
    """
    if memo is None:
        evidence = [_signal_dict(s, excerpts) for s in a.evidence]
    else:
        evidence = []
        for s in a.evidence:
            hit = memo.get(id(s))
            if hit is None or hit[0] is not s:
                hit = memo[id(s)] = (s, _signal_dict(s, excerpts))
            evidence.append(hit[1])
        # Signals only leave the evidence when the engine names another offender; prune
        # then, so the memo stays about as large as the evidence.
        if len(memo) > 2 * len(evidence) + 32:
            kept = {id(s): memo[id(s)] for s in a.evidence}
            memo.clear()
            memo.update(kept)
    return {
        "conversation_id": unscoped(a.conversation_id),
        "message_index": a.message_index,
        "risk": round(a.risk, 4),
        "level": a.level.label,
        "harm": a.harm,
        "offender": unscoped(a.offender),
        "at_risk": unscoped(a.at_risk),
        "first_alert_index": a.first_alert_index,
        "tactics": a.tactics,
        "reasons": a.reasons,
        "evidence": evidence,
    }


def _signal_dict(s: Signal, excerpts: bool = True) -> dict[str, Any]:
    d = {
        "kind": s.kind,
        "message_index": s.message_index,
        "sender": unscoped(s.sender),
        "score": round(s.score, 3),
        "span": list(s.span) if s.span else None,
        "excerpt": s.excerpt,
        "source": s.source,
    }
    if not excerpts and s.excerpt is not None:
        del d["excerpt"]
    return d


# --- retention: message text lives only in the messages table -----------------------------
#
# Stored evidence (the assessment and engine state JSON of a conversation) carries no
# excerpt: an evidence entry whose excerpt quoted the message has no ``excerpt`` key, one
# that never had an excerpt keeps ``"excerpt": None``. Answers fill the excerpt back from
# the stored message text, so once the retention purge removes the text it is gone.


def excerpt_of(text: str | None, span: list[int] | None) -> str | None:
    """The excerpt the engine takes of a message: the span, else the first 120 characters."""
    if text is None:
        return None
    if not span:
        return text[:120]
    start, end = span
    return text[max(0, start) : min(len(text), end)][:200]


def quoted_indices(assessment: dict[str, Any] | None) -> set[int]:
    """Message indices whose text the assessment's evidence quotes."""
    if not assessment:
        return set()
    return {
        int(e["message_index"])
        for e in assessment.get("evidence") or []
        if "excerpt" not in e or e["excerpt"] is not None
    }


def with_excerpts(
    assessment: dict[str, Any] | None, texts: Mapping[int, str | None]
) -> dict[str, Any] | None:
    """A stored assessment (or engine state) with each excerpt filled from the message
    text (by message index; a purged or unknown message gives ``None``)."""
    if assessment is None:
        return None
    evidence = []
    for e in assessment.get("evidence") or []:
        if "excerpt" in e and e["excerpt"] is None:
            evidence.append(e)
        else:
            text = texts.get(int(e["message_index"]))
            evidence.append({**e, "excerpt": excerpt_of(text, e.get("span"))})
    return {**assessment, "evidence": evidence}
