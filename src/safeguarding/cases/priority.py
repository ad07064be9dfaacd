"""Case priority: not first-in-first-out.

Severe tactics (a meeting, threats, sextortion) come first, then younger children, then the
calibrated risk, then the longest waiting. The queue query orders by exactly these columns
(``urgency``, ``age_rank``, ``risk``, ``opened_at``), so "next case" and the queue page agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from safeguarding.storage.records import AccountRecord

SEVERE_TACTICS = frozenset({"meeting", "threat", "sextortion"})
SEXUAL_RISK_TACTICS = frozenset({"image_request", "media_match"})

# Age band -> rank (higher first). Unknown ages rank with older teens: never last.
AGE_RANK = {"under_13": 3, "13_15": 2, "16_17": 1, "unknown": 1, "adult": 0}


def urgency(tactics: Iterable[str], harm: str | None = None) -> int:
    """2: imminent or coercive harm; 1: sexual risk (image requests, media matches); 0: other."""
    names = set(tactics)
    if names & SEVERE_TACTICS or harm == "sextortion":
        return 2
    if names & SEXUAL_RISK_TACTICS:
        return 1
    return 0


def age_band(account: AccountRecord | None) -> str:
    """The child's age band from what the platform told us (verified age wins)."""
    if account is None:
        return "unknown"
    age = account.verified_age if account.verified_age is not None else account.declared_age
    if age is None and account.age_band:
        return account.age_band if account.age_band in AGE_RANK else "unknown"
    if age is None:
        return "unknown"
    if age < 13:
        return "under_13"
    if age < 16:
        return "13_15"
    return "16_17" if age < 18 else "adult"
