"""Child safety defaults over HTTP: may this account message / be suggested to that one?

Stateless decisions (Ofcom ICU F1): the platform sends what it knows about the two accounts
and gets ``allowed`` with a machine-readable ``code`` and a human ``reason``. An account of
unknown age is protected as a possible minor.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, model_validator

from safeguarding.api.deps import Principal, require_scope
from safeguarding.policy.ages import AgeBand, band_for_age
from safeguarding.policy.safety import (
    AccountView,
    SafetyDecision,
    SafetySettings,
    can_contact,
    can_suggest,
    visibility_defaults,
)

router = APIRouter(tags=["safety"])
reader = require_scope("read")  # module-level so tests and apps can override it
Caller = Annotated[Principal, Depends(reader)]


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, max_length=200)
    age: int | None = Field(default=None, ge=0, le=130, description="verified or declared age")
    age_band: AgeBand | None = Field(default=None, description="when the exact age is not shared")
    age_verified: bool = False
    restricted_from_minors: bool = False
    suspended: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> AccountIn:
        band = self.age_band
        if self.age is not None and band is not None and band_for_age(self.age) is not band:
            raise ValueError(f"age {self.age} is not in age band {band.value!r}")
        return self

    def view(self) -> AccountView:
        return AccountView(
            id=self.id,
            age=self.age,
            age_band=self.age_band,
            age_verified=self.age_verified,
            restricted_from_minors=self.restricted_from_minors,
            suspended=self.suspended,
        )


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender: AccountIn
    recipient: AccountIn
    connected: bool = Field(description="the recipient already lists the sender as a contact")


class SuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    a: AccountIn
    b: AccountIn
    peer_suggestions_between_minors: bool = False


class VisibilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: AccountIn


class SafetyOut(BaseModel):
    allowed: bool
    code: str
    reason: str
    bands: dict[str, AgeBand]


def _out(decision: SafetyDecision, **bands: AgeBand) -> dict[str, Any]:
    return decision.to_dict() | {"bands": bands}


@router.post("/v1/safety/can-contact", response_model=SafetyOut)
def safety_can_contact(body: ContactIn, _caller: Caller) -> dict[str, Any]:
    """May ``sender`` open a direct message to ``recipient``?"""
    sender, recipient = body.sender.view(), body.recipient.view()
    decision = can_contact(sender, recipient, connected=body.connected)
    return _out(decision, sender=sender.band, recipient=recipient.band)


@router.post("/v1/safety/can-suggest", response_model=SafetyOut)
def safety_can_suggest(body: SuggestIn, _caller: Caller) -> dict[str, Any]:
    """May ``a`` and ``b`` be shown to each other as friend suggestions?"""
    a, b = body.a.view(), body.b.view()
    settings = SafetySettings(peer_suggestions_between_minors=body.peer_suggestions_between_minors)
    return _out(can_suggest(a, b, settings=settings), a=a.band, b=b.band)


@router.post("/v1/safety/visibility")
def safety_visibility(body: VisibilityIn, _caller: Caller) -> dict[str, Any]:
    """Profile defaults: whether the connection list and location may be shown."""
    view = body.account.view()
    return visibility_defaults(view) | {"band": view.band.value}
