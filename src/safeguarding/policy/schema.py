"""Policy file schema: structured conditions, rules and settings (no code, no ``eval``).

A rule's ``when`` is a set of named tests that must all hold; ``any_of`` and ``none_of`` nest
further conditions for "or" and "not". Every name and value is validated against the
registries in ``policy.registry``, so an unknown signal is refused on load.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from safeguarding.policy.ages import AgeBand
from safeguarding.policy.registry import (
    EVIDENCE_KINDS,
    LEVELS,
    TACTICS,
    AccountSignal,
    ActionType,
)

_STRICT = ConfigDict(extra="forbid", frozen=True)


def _known(values: list[str] | None, known: set[str] | frozenset[str], what: str) -> None:
    for v in values or []:
        if v not in known:
            raise ValueError(f"unknown {what} {v!r}; known: {', '.join(sorted(known))}")


class Condition(BaseModel):
    """All the tests given must hold. Absent tests are not checked."""

    model_config = _STRICT

    level_at_least: str | None = None
    level_below: str | None = None
    risk_at_least: float | None = Field(default=None, ge=0.0, le=1.0)
    tactics_any: list[str] | None = None
    tactics_all: list[str] | None = None
    distinct_tactics_at_least: int | None = Field(default=None, ge=1)
    evidence_any: list[str] | None = None
    at_risk_band_in: list[AgeBand] | None = None
    at_risk_age_below: int | None = Field(default=None, ge=1)
    offender_band_in: list[AgeBand] | None = None
    offender_account_age_days_below: int | None = Field(default=None, ge=1)
    connected: bool | None = None
    account_signals_any: list[AccountSignal] | None = None
    reports_at_least: int | None = Field(default=None, ge=1)
    prior_actions_at_least: int | None = Field(default=None, ge=1)
    guardian_linked: bool | None = None
    any_of: list[Condition] | None = None
    none_of: list[Condition] | None = None

    @field_validator("level_at_least", "level_below")
    @classmethod
    def _level(cls, v: str | None) -> str | None:
        if v is not None and v not in LEVELS:
            raise ValueError(f"unknown level {v!r}; known: {', '.join(LEVELS)}")
        return v

    @field_validator("tactics_any", "tactics_all")
    @classmethod
    def _tactics(cls, v: list[str] | None) -> list[str] | None:
        _known(v, TACTICS, "tactic")
        return v

    @field_validator("evidence_any")
    @classmethod
    def _evidence(cls, v: list[str] | None) -> list[str] | None:
        _known(v, EVIDENCE_KINDS, "evidence kind")
        return v

    @field_validator(
        "tactics_any",
        "tactics_all",
        "evidence_any",
        "at_risk_band_in",
        "offender_band_in",
        "account_signals_any",
        "any_of",
        "none_of",
    )
    @classmethod
    def _non_empty(cls, v: list[Any] | None) -> list[Any] | None:
        if v is not None and not v:
            raise ValueError("an empty list never matches; remove the test instead")
        return v


class Rule(BaseModel):
    model_config = _STRICT

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    description: str = Field(min_length=10)
    when: Condition = Field(default_factory=Condition)
    actions: list[ActionType] = Field(min_length=1)
    stop: bool = False  # later rules are not evaluated when this one matches
    enabled: bool = True


class Settings(BaseModel):
    """How actions are paced; read by ``actions.ActionDispatcher``."""

    model_config = _STRICT

    safety_prompt_cooldown_minutes: int = Field(default=60, ge=0)
    safety_prompt_min_messages_between: int = Field(default=15, ge=0)
    safety_prompts_per_conversation: int = Field(default=3, ge=1)
    default_locale: str = "en-GB"


class Policy(BaseModel):
    model_config = _STRICT

    policy: str = Field(min_length=1)
    version: str
    description: str = ""
    shadow: bool = False
    settings: Settings = Field(default_factory=Settings)
    rules: list[Rule] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v

    @model_validator(mode="after")
    def _unique_ids(self) -> Policy:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return self

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the canonical policy content: same meaning, same hash."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.policy}@{self.version}#{self.content_hash[:12]}"
