"""Age bands the policy and the safety defaults reason with.

Bands: ``child`` under 13, ``teen`` 13-17, ``adult`` 18 and over, ``unknown`` when the platform
does not know. A verified age wins over a declared one. An unknown age is never assumed to be
an adult's: the safety defaults protect an unknown-age account as if it were a minor, and the
policy lets rules name ``unknown`` explicitly.
"""

from __future__ import annotations

from enum import StrEnum

from safeguarding.domain import Participant

CHILD_MAX_AGE = 12
ADULT_MIN_AGE = 18


class AgeBand(StrEnum):
    CHILD = "child"
    TEEN = "teen"
    ADULT = "adult"
    UNKNOWN = "unknown"

    @property
    def is_minor(self) -> bool:
        return self in (AgeBand.CHILD, AgeBand.TEEN)

    @property
    def may_be_minor(self) -> bool:
        """True for minors and for unknown ages (the cautious reading)."""
        return self is not AgeBand.ADULT


def band_for_age(age: int | None) -> AgeBand:
    if age is None or age < 0:
        return AgeBand.UNKNOWN
    if age <= CHILD_MAX_AGE:
        return AgeBand.CHILD
    if age < ADULT_MIN_AGE:
        return AgeBand.TEEN
    return AgeBand.ADULT


def effective_age(participant: Participant | None) -> int | None:
    """The age a decision may rely on: verified if the platform has it, else declared."""
    if participant is None:
        return None
    if participant.verified_age is not None:
        return participant.verified_age
    return participant.declared_age


def participant_band(participant: Participant | None) -> AgeBand:
    return band_for_age(effective_age(participant))
