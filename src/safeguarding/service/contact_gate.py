"""What the service already knows about accounts, for the child safety defaults.

The safety routes (``can_contact``, ``can_suggest``) must not take a caller's word over
stored facts: an account stored as under 13 stays under 13 whatever age a request sends.
This module reads a tenant's stored account facts (ages and age bands, restrictions and
suspensions the actions stage applied, the adult-language mark of the account tracker) and
connection changes, as ``AccountView``s for ``policy.safety.reconcile``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from safeguarding.policy.safety import AccountView
from safeguarding.storage.records import AccountRecord
from safeguarding.storage.repository import Repository

#: The years each stored ``age_band`` of an ``account`` event covers.
BAND_YEARS: dict[str, tuple[int, int]] = {
    "under_13": (0, 12),
    "13_15": (13, 15),
    "16_17": (16, 17),
    "18_plus": (18, 130),
}


def stored_views(repo: Repository, tenant: str, ids: Iterable[str]) -> dict[str, AccountView]:
    """The stored facts of those of ``ids`` the service knows (two queries)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    records = repo.get_accounts(tenant, wanted)
    states = repo.account_states(tenant, wanted)
    return {
        account: _view(account, records.get(account), states.get(account))
        for account in wanted
        if account in records or account in states
    }


def stored_connection(repo: Repository, tenant: str, a: str, b: str) -> bool | None:
    """Whether the latest stored connection change between ``a`` and ``b`` is "added";
    ``None`` when the platform never sent one for the pair."""
    change = repo.latest_connection_changes(tenant, [a, b]).get(frozenset((a, b)))
    return None if change is None else change == "added"


def _view(account: str, record: AccountRecord | None, state: dict[str, Any] | None) -> AccountView:
    age: int | None = None
    verified = False
    years: tuple[int, int] | None = None
    if record is not None:
        if record.verified_age is not None:
            age, verified = record.verified_age, True
        elif record.declared_age is not None:
            age = record.declared_age
        elif record.age_band is not None:
            years = BAND_YEARS.get(record.age_band)
    state = state or {}
    tracker = state.get("tracker") or {}
    return AccountView(
        id=account,
        age=age,
        age_verified=verified,
        age_range=years,
        restricted_from_minors=bool(state.get("restricted")),
        suspended=bool(state.get("suspended")),
        adult_sounding=bool(tracker.get("adult")) and not verified,
    )
