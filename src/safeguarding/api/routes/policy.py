"""Child safety defaults over HTTP: may this account message / be suggested to that one?

Decisions (Ofcom ICU F1): the platform sends the two accounts (with their ids, what it knows
of them) and gets ``allowed`` with a machine-readable ``code`` and a human ``reason``. Facts
the service already stored for the caller's tenant (ages and bands, connections,
restrictions, suspensions, adult language from an account declaring a minor's age) are used
over the request's, and a request that contradicts them is refused. An account of unknown
age is protected as a possible minor. Types are strict: ``"age": true`` or
``"connected": "false"`` is a 422.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from safeguarding.api.deps import Principal, ServicesDep, require_scope
from safeguarding.policy.ages import AgeBand, band_for_age
from safeguarding.policy.safety import (
    AccountView,
    Reconciled,
    SafetyDecision,
    SafetySettings,
    can_contact,
    can_suggest,
    conflict_decision,
    connection_conflict,
    reconcile,
    visibility_defaults,
)
from safeguarding.service.contact_gate import stored_connection, stored_views
from safeguarding.service.events import Id

router = APIRouter(tags=["safety"])
reader = require_scope("read")  # module-level so tests and apps can override it
Caller = Annotated[Principal, Depends(reader)]


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id | None = Field(
        default=None, description="the platform's account id: stored facts are looked up by it"
    )
    age: StrictInt | None = Field(
        default=None, ge=0, le=130, description="verified or declared age"
    )
    age_band: AgeBand | None = Field(default=None, description="when the exact age is not shared")
    age_verified: StrictBool = Field(
        default=False,
        description="the platform verified `age`: an adult-language mark no longer overrides it",
    )
    restricted_from_minors: StrictBool = False
    suspended: StrictBool = False

    @model_validator(mode="after")
    def _consistent(self) -> AccountIn:
        band = self.age_band
        if self.age is not None and band is not None and band_for_age(self.age) is not band:
            raise ValueError(f"age {self.age} is not in age band {band.value!r}")
        if self.age_verified and self.age is None:
            raise ValueError("age_verified needs the age that was verified")
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
    connected: StrictBool | None = Field(
        default=None,
        description="the recipient already lists the sender as a contact; omitted: the "
        "stored connection events decide (none stored: not connected)",
    )


class SuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    a: AccountIn
    b: AccountIn
    peer_suggestions_between_minors: StrictBool = False
    max_peer_age_gap: StrictInt = Field(
        default=SafetySettings().max_peer_age_gap,
        ge=0,
        le=5,
        description="with peer suggestions on: the most years two minors may be apart",
    )


class VisibilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: AccountIn


class SafetyOut(BaseModel):
    allowed: bool
    code: str
    reason: str
    bands: dict[str, AgeBand]
    stored: dict[str, bool] = Field(description="per account: whether stored facts were used")


def _out(decision: SafetyDecision, **accounts: Reconciled) -> dict[str, Any]:
    return decision.to_dict() | {
        "bands": {role: r.view.band for role, r in accounts.items()},
        "stored": {role: r.stored for role, r in accounts.items()},
    }


def _reconciled(services: ServicesDep, tenant: str, **accounts: AccountIn) -> dict[str, Reconciled]:
    ids = [a.id for a in accounts.values() if a.id is not None]
    stored = stored_views(services.repo, tenant, ids)
    return {
        role: reconcile(a.view(), stored.get(a.id) if a.id is not None else None)
        for role, a in accounts.items()
    }


def _conflicts(accounts: dict[str, Reconciled]) -> list[str]:
    return [f"{role} {what}" for role, r in accounts.items() for what in r.conflicts]


@router.post("/v1/safety/can-contact", response_model=SafetyOut)
def safety_can_contact(body: ContactIn, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """May ``sender`` open a direct message to ``recipient``?"""
    tenant = caller.tenant_id
    accounts = _reconciled(services, tenant, sender=body.sender, recipient=body.recipient)
    conflicts = _conflicts(accounts)
    connected = body.connected
    if body.sender.id is not None and body.recipient.id is not None:
        stored = stored_connection(services.repo, tenant, body.sender.id, body.recipient.id)
        if connection_conflict(connected, stored):
            conflicts.append("connected")
        connected = stored if stored is not None else connected
    if conflicts:
        decision = conflict_decision(conflicts)
    else:
        sender, recipient = accounts["sender"].view, accounts["recipient"].view
        decision = can_contact(sender, recipient, connected=bool(connected))
    return _out(decision, **accounts)


@router.post("/v1/safety/can-suggest", response_model=SafetyOut)
def safety_can_suggest(body: SuggestIn, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """May ``a`` and ``b`` be shown to each other as friend suggestions?"""
    accounts = _reconciled(services, caller.tenant_id, a=body.a, b=body.b)
    conflicts = _conflicts(accounts)
    if conflicts:
        return _out(conflict_decision(conflicts), **accounts)
    settings = SafetySettings(
        peer_suggestions_between_minors=body.peer_suggestions_between_minors,
        max_peer_age_gap=body.max_peer_age_gap,
    )
    decision = can_suggest(accounts["a"].view, accounts["b"].view, settings=settings)
    return _out(decision, **accounts)


@router.post("/v1/safety/visibility")
def safety_visibility(body: VisibilityIn, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """Profile defaults: whether the connection list and location may be shown."""
    accounts = _reconciled(services, caller.tenant_id, account=body.account)
    view = accounts["account"].view
    if accounts["account"].conflicts:  # protect as a possible minor until facts agree
        view = AccountView()
    return visibility_defaults(view) | {"band": view.band.value}
