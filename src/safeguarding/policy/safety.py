"""Safety defaults for child accounts (Ofcom illegal-content codes ICU F1/F2).

Decisions a platform asks before it lets one account reach another:
``can_contact`` (may this sender open a direct message to that recipient?) and ``can_suggest``
(may these two be offered to each other as friend suggestions?), each with a machine-readable
code and a human reason. An account whose age is unknown is protected as if it were a minor
(and is not trusted as an adult), because a wrongly blocked adult loses a convenience while a
wrongly exposed child may lose much more.
"""

from __future__ import annotations

from dataclasses import dataclass

from safeguarding.domain import Participant
from safeguarding.policy.ages import AgeBand, band_for_age, effective_age


@dataclass(frozen=True, slots=True)
class AccountView:
    """What the safety defaults need to know about an account."""

    id: str | None = None
    age: int | None = None
    age_band: AgeBand | None = None  # used when the exact age is not shared
    age_verified: bool = False
    restricted_from_minors: bool = False  # e.g. after ``restrict_contact_with_minors``
    suspended: bool = False

    @property
    def band(self) -> AgeBand:
        if self.age is not None:
            return band_for_age(self.age)
        return self.age_band or AgeBand.UNKNOWN

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


@dataclass(frozen=True, slots=True)
class SafetySettings:
    #: Ofcom F1 keeps child users out of network-expansion prompts altogether; a platform may
    #: allow suggestions between two known minors of similar age by turning this on.
    peer_suggestions_between_minors: bool = False


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
    if all(x.may_be_minor for x in bands):
        if settings.peer_suggestions_between_minors and all(x.is_minor for x in bands):
            if a.restricted_from_minors or b.restricted_from_minors:
                return SafetyDecision(
                    False, "restricted_from_minors", "an account is restricted from minors"
                )
            return SafetyDecision(
                True, "peer_minors_allowed", "both accounts are minors and peer suggestions are on"
            )
        return SafetyDecision(
            False,
            "minor_network_expansion",
            f"{_who(a.band)} and {_who(b.band)}: child users are not included in network-"
            "expansion prompts by default (Ofcom ICU F1)",
        )
    return SafetyDecision(True, "adults", "both accounts are adults")


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
