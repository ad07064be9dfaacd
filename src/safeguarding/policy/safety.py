"""Safety defaults for child accounts (Ofcom illegal-content codes ICU F1/F2).

Decisions a platform asks before it lets one account reach another:
``can_contact`` (may this sender open a direct message to that recipient?) and ``can_suggest``
(may these two be offered to each other as friend suggestions?), each with a machine-readable
code and a human reason. An account whose age is unknown is protected as if it were a minor
(and is not trusted as an adult), because a wrongly blocked adult loses a convenience while a
wrongly exposed child may lose much more.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from safeguarding.domain import Participant
from safeguarding.policy.ages import (
    ADULT_MIN_AGE,
    CHILD_MAX_AGE,
    AgeBand,
    band_for_age,
    effective_age,
)


@dataclass(frozen=True, slots=True)
class AccountView:
    """What the safety defaults need to know about an account."""

    id: str | None = None
    age: int | None = None
    age_band: AgeBand | None = None  # used when the exact age is not shared
    age_verified: bool = False  # ``age`` was checked by the platform, not just declared
    restricted_from_minors: bool = False  # e.g. after ``restrict_contact_with_minors``
    suspended: bool = False
    #: Years the age lies in when only a band is known (a stored ``13_15`` band: 13-15).
    age_range: tuple[int, int] | None = None
    #: The engine read adult language from this account (``AccountTracker``'s adult mark).
    adult_sounding: bool = False

    @property
    def band(self) -> AgeBand:
        if self.age is not None:
            return band_for_age(self.age)
        if self.age_range is not None:
            return band_for_age(self.age_range[0])
        return self.age_band or AgeBand.UNKNOWN

    @property
    def suspected_adult(self) -> bool:
        """A minor's age that was only declared, from an account that writes like an adult:
        treated as an adult towards minors (a child who signed up honestly loses a
        suggestion; an adult posing as a child gains no access to children)."""
        return self.adult_sounding and not self.age_verified and self.band.is_minor

    @property
    def years(self) -> tuple[int, int] | None:
        """The youngest and oldest this account can be, as far as is known."""
        if self.age is not None:
            return (self.age, self.age)
        if self.age_range is not None:
            return self.age_range
        return _BAND_YEARS.get(self.band)

    @classmethod
    def of(
        cls, participant: Participant, *, restricted: bool = False, suspended: bool = False
    ) -> AccountView:
        return cls(
            id=participant.id,
            age=effective_age(participant),
            age_verified=participant.verified_age is not None,
            restricted_from_minors=restricted,
            suspended=suspended,
        )


_BAND_YEARS = {
    AgeBand.CHILD: (0, CHILD_MAX_AGE),
    AgeBand.TEEN: (CHILD_MAX_AGE + 1, ADULT_MIN_AGE - 1),
    AgeBand.ADULT: (ADULT_MIN_AGE, 130),
}


@dataclass(frozen=True, slots=True)
class SafetySettings:
    #: Ofcom F1 keeps child users out of network-expansion prompts altogether; a platform may
    #: allow suggestions between two known minors of similar age by turning this on.
    peer_suggestions_between_minors: bool = False
    #: With peer suggestions on: the most years two minors may be apart (from their known
    #: ages, or the widest gap their bands allow).
    max_peer_age_gap: int = 2


@dataclass(frozen=True, slots=True)
class SafetyDecision:
    allowed: bool
    code: str
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"allowed": self.allowed, "code": self.code, "reason": self.reason}


def _who(band: AgeBand) -> str:
    return {
        AgeBand.CHILD: "a child (under 13)",
        AgeBand.TEEN: "a teenager (13-17)",
        AgeBand.ADULT: "an adult",
        AgeBand.UNKNOWN: "an account of unknown age (protected as a possible minor)",
    }[band]


# --- stored facts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reconciled:
    """An account as a decision may see it: what the request says, corrected by what the
    service already knows; ``conflicts`` names the request's facts that contradict storage."""

    view: AccountView
    conflicts: tuple[str, ...] = ()
    stored: bool = False


def reconcile(claimed: AccountView, stored: AccountView | None) -> Reconciled:
    """Stored facts win; a request that contradicts them is a conflict.

    Ages conflict when the request's age or band falls outside what storage says (a stored
    verified age, else the declared age, else the band's years). Restrictions and suspensions
    add up: the request can add one the service has not seen, never lift a stored one. The
    adult-language mark comes from storage only.
    """
    if stored is None:
        return Reconciled(claimed)
    conflicts: list[str] = []
    view = claimed
    known = (
        stored.years if (stored.age is not None or stored.age_range or stored.age_band) else None
    )
    if known is not None:
        asked = claimed.years if (claimed.age is not None or claimed.age_band) else None
        outside = asked is not None and (asked[0] < known[0] or asked[1] > known[1])
        if outside and not (claimed.age is None and claimed.band is stored.band):
            conflicts.append("age")  # a band as wide as the stored band's is no conflict
        if stored.age_verified and claimed.age_verified and claimed.age != stored.age:
            conflicts.append("age")
        view = replace(
            view,
            age=stored.age,
            age_band=stored.age_band,
            age_range=stored.age_range,
            age_verified=stored.age_verified,
        )
    view = replace(
        view,
        restricted_from_minors=claimed.restricted_from_minors or stored.restricted_from_minors,
        suspended=claimed.suspended or stored.suspended,
        adult_sounding=stored.adult_sounding,
    )
    return Reconciled(view, tuple(dict.fromkeys(conflicts)), stored=True)


def connection_conflict(claimed: bool | None, stored: bool | None) -> bool:
    """The request says connected / not connected and the stored latest change disagrees."""
    return claimed is not None and stored is not None and claimed != stored


def conflict_decision(conflicts: list[str]) -> SafetyDecision:
    """Refuse a request whose facts contradict what the service stored (fail closed)."""
    return SafetyDecision(
        False,
        "conflicts_with_stored_facts",
        f"the request's {', '.join(conflicts)} contradicts what the platform told the service "
        "before; send an account or connection event to change stored facts",
    )


# --- decisions -------------------------------------------------------------------------------


def can_contact(sender: AccountView, recipient: AccountView, *, connected: bool) -> SafetyDecision:
    """May ``sender`` send a direct message to ``recipient``?"""
    if sender.suspended:
        return SafetyDecision(False, "sender_suspended", "the sender is suspended")
    if recipient.band.may_be_minor:
        if sender.restricted_from_minors:
            return SafetyDecision(
                False,
                "sender_restricted_from_minors",
                f"the sender may not contact minors and the recipient is {_who(recipient.band)}",
            )
        if not connected:
            return SafetyDecision(
                False,
                "not_connected_to_minor",
                f"the recipient is {_who(recipient.band)}; direct messages to minors are only "
                "allowed from accounts they are already connected with (Ofcom ICU F1)",
            )
        return SafetyDecision(
            True, "connected", f"the recipient is {_who(recipient.band)} and already connected"
        )
    return SafetyDecision(True, "recipient_adult", "the recipient is an adult")


def can_suggest(
    a: AccountView, b: AccountView, *, settings: SafetySettings | None = None
) -> SafetyDecision:
    """May ``a`` and ``b`` be shown to each other as friend / follow suggestions?"""
    settings = settings or SafetySettings()
    if a.suspended or b.suspended:
        return SafetyDecision(False, "account_suspended", "one of the accounts is suspended")
    bands = (a.band, b.band)
    if AgeBand.ADULT in bands and any(x.may_be_minor for x in bands):
        minor = b.band if a.band is AgeBand.ADULT else a.band
        return SafetyDecision(
            False,
            "adult_and_possible_minor",
            f"no suggestions between an adult and {_who(minor)} (Ofcom ICU F1)",
        )
    if any(x.suspected_adult for x in (a, b)):
        return SafetyDecision(
            False,
            "suspected_adult",
            "an account declaring a minor's age writes like an adult (unverified age); it is "
            "kept out of suggestions to and from minors",
        )
    if all(x.may_be_minor for x in bands):
        if settings.peer_suggestions_between_minors and all(x.is_minor for x in bands):
            if a.restricted_from_minors or b.restricted_from_minors:
                return SafetyDecision(
                    False, "restricted_from_minors", "an account is restricted from minors"
                )
            gap = _widest_gap(a, b)
            if gap > settings.max_peer_age_gap:
                return SafetyDecision(
                    False,
                    "age_gap",
                    f"the two minors may be up to {gap} years apart; peer suggestions are "
                    f"allowed up to {settings.max_peer_age_gap} (send exact ages to narrow it)",
                )
            return SafetyDecision(
                True,
                "peer_minors_allowed",
                f"both accounts are minors at most {gap} years apart and peer suggestions are on",
            )
        return SafetyDecision(
            False,
            "minor_network_expansion",
            f"{_who(a.band)} and {_who(b.band)}: child users are not included in network-"
            "expansion prompts by default (Ofcom ICU F1)",
        )
    return SafetyDecision(True, "adults", "both accounts are adults")


def _widest_gap(a: AccountView, b: AccountView) -> int:
    ya, yb = a.years, b.years
    if ya is None or yb is None:
        return 99
    return max(ya[1] - yb[0], yb[1] - ya[0])


def visibility_defaults(account: AccountView) -> dict[str, object]:
    """Profile defaults: minors' (and unknown ages') connection lists and location are hidden."""
    protect = account.band.may_be_minor
    return {
        "connection_list_visible": not protect,
        "location_visible": not protect,
        "discoverable_in_suggestions": not protect,
        "reason": (
            f"{_who(account.band)}: connection list and location hidden by default (Ofcom ICU F1)"
            if protect
            else "adult account: platform defaults apply"
        ),
    }
