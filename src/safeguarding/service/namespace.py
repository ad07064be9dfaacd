"""Tenant scoping of ids inside the shared risk engine.

One engine serves every tenant, so conversation and account ids are prefixed with the tenant
id before they reach it and stripped from what comes back. Tenant ids never contain ``:``.
"""

from __future__ import annotations

from typing import Any

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
