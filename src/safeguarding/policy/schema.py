"""Policy file schema: structured conditions, rules and settings (no code, no ``eval``).

A rule's ``when`` is a set of named tests that must all hold; ``any_of`` and ``none_of`` nest
further conditions for "or" and "not". Every name and value is validated against the
registries in ``policy.registry``, so an unknown signal is refused on load. Types are strict
(``stop: "yes"`` is text, not a boolean; ``reports_at_least: true`` is not a number), and every
number has a sane range: a cool-down of a century or a threshold of a million children is a
typo that would silently switch a protection off.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from datetime import timedelta
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from safeguarding.policy.accounts import TrackerSettings
from safeguarding.policy.ages import AgeBand
from safeguarding.policy.registry import (
    EVIDENCE_KINDS,
    HARMS,
    LEVELS,
    TACTICS,
    AccountSignal,
    ActionType,
)

_STRICT = ConfigDict(extra="forbid", frozen=True)
_MAX_COUNT = 10_000  # reports, prior actions, children: far beyond any real threshold
_MAX_AGE = 130
_MAX_DAYS = 36_500
_MAX_RULES = 500


def _known(values: list[str] | None, known: set[str] | frozenset[str], what: str) -> None:
    for v in values or []:
        if v not in known:
            raise ValueError(f"unknown {what} {v!r}; known: {', '.join(sorted(known))}")


class Condition(BaseModel):
    """All the tests given must hold. Absent tests are not checked."""

    model_config = _STRICT

    level_at_least: str | None = None
    level_below: str | None = None
    risk_at_least: StrictFloat | None = Field(default=None, ge=0.0, le=1.0)
    harm_in: list[str] | None = None
    tactics_any: list[str] | None = None
    tactics_all: list[str] | None = None
    distinct_tactics_at_least: StrictInt | None = Field(default=None, ge=1, le=len(TACTICS))
    evidence_any: list[str] | None = None
    at_risk_band_in: list[AgeBand] | None = None
    at_risk_age_below: StrictInt | None = Field(default=None, ge=1, le=_MAX_AGE)
    offender_band_in: list[AgeBand] | None = None
    offender_account_age_days_below: StrictInt | None = Field(default=None, ge=1, le=_MAX_DAYS)
    connected: StrictBool | None = None
    account_signals_any: list[AccountSignal] | None = None
    reports_at_least: StrictInt | None = Field(default=None, ge=1, le=_MAX_COUNT)
    prior_actions_at_least: StrictInt | None = Field(default=None, ge=1, le=_MAX_COUNT)
    guardian_linked: StrictBool | None = None
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

    @field_validator("harm_in")
    @classmethod
    def _harms(cls, v: list[str] | None) -> list[str] | None:
        _known(v, HARMS, "harm")
        return v

    @field_validator("evidence_any")
    @classmethod
    def _evidence(cls, v: list[str] | None) -> list[str] | None:
        _known(v, EVIDENCE_KINDS, "evidence kind")
        return v

    @field_validator(
        "harm_in",
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
    actions: list[ActionType] = Field(min_length=1, max_length=len(ActionType))
    stop: StrictBool = False  # later rules are not evaluated when this one matches
    enabled: StrictBool = True


_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")


def _locale_key(v: str) -> str:
    if v != "default" and not _LOCALE.match(v):
        raise ValueError(f"locale {v!r} is not a language tag such as 'en-GB', or 'default'")
    return v


class Settings(BaseModel):
    """How actions are paced; read by ``actions.ActionDispatcher``."""

    model_config = _STRICT

    safety_prompt_cooldown_minutes: StrictInt = Field(default=60, ge=0, le=7 * 24 * 60)
    safety_prompt_min_messages_between: StrictInt = Field(default=15, ge=0, le=1_000)
    safety_prompts_per_conversation: StrictInt = Field(default=3, ge=1, le=100)
    # a rise in level or a new harm may prompt again, but not within this many messages of
    # the last prompt unless a meeting or threat is imminent (then only a different prompt)
    safety_prompt_min_messages_on_rise: StrictInt = Field(default=5, ge=0, le=1_000)
    # signposting for a conversation whose locale is unknown or not in the directory;
    # None: the directory's international ``default`` entry, never one country's by accident
    default_locale: Annotated[str, AfterValidator(_locale_key)] | None = None


_TRACKER = TrackerSettings()  # the one place the thresholds' defaults live


class AccountSignalSettings(BaseModel):
    """Thresholds of the cross-conversation signals (``policy.accounts.AccountTracker``).

    They belong to the policy because they decide when ``account_signals_any`` holds, and so
    which accounts are reviewed or restricted; capacity limits stay with the tracker.
    """

    model_config = _STRICT

    window_hours: StrictFloat = Field(
        default=_TRACKER.window.total_seconds() / 3600, gt=0, le=24 * 90
    )
    many_children: StrictInt = Field(default=_TRACKER.many_children, ge=2, le=_MAX_COUNT)
    repeated_opener_children: StrictInt = Field(
        default=_TRACKER.repeated_opener_children, ge=2, le=_MAX_COUNT
    )
    opener_similarity: StrictFloat = Field(default=_TRACKER.opener_similarity, gt=0.0, le=1.0)
    opener_min_chars: StrictInt = Field(default=_TRACKER.opener_min_chars, ge=1, le=1_000)
    contact_detail_children: StrictInt = Field(
        default=_TRACKER.contact_detail_children, ge=2, le=_MAX_COUNT
    )
    count_unknown_age_as_child: StrictBool = _TRACKER.count_unknown_age_as_child

    def tracker_settings(self, base: TrackerSettings | None = None) -> TrackerSettings:
        """These thresholds on ``base``'s capacity limits (default: the tracker's)."""
        return dataclasses.replace(
            base or _TRACKER,
            window=timedelta(hours=self.window_hours),
            many_children=self.many_children,
            repeated_opener_children=self.repeated_opener_children,
            opener_similarity=self.opener_similarity,
            opener_min_chars=self.opener_min_chars,
            contact_detail_children=self.contact_detail_children,
            count_unknown_age_as_child=self.count_unknown_age_as_child,
        )


class HelplineService(BaseModel):
    """One service shown to a child in a safety prompt."""

    model_config = _STRICT

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str = Field(min_length=2)
    use: str = ""
    contact: str | None = Field(default=None, min_length=1)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")

    @model_validator(mode="after")
    def _reachable(self) -> HelplineService:
        if self.contact is None and self.url is None:
            raise ValueError("a helpline needs a contact (number) or a url")
        return self


Wording = dict[Literal["child", "teen"], Annotated[str, Field(min_length=10)]]


def _service_list(v: list[HelplineService] | None) -> list[HelplineService] | None:
    if v is not None and not v:
        raise ValueError("an empty list signposts nothing; leave services out to keep them")
    ids = [h.id for h in v or []]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"duplicate helpline id {', '.join(dupes)}")
    return v


def _harm_key(v: str) -> str:
    _known([v], HARMS, "harm")
    return v


class HarmHelplines(BaseModel):
    """Signposting for one harm (e.g. sextortion): services listed before the locale's own,
    wording used instead of the general one."""

    model_config = _STRICT

    services: list[HelplineService] | None = None
    wording: Wording | None = None

    _services = field_validator("services")(_service_list)


class LocaleHelplines(BaseModel):
    """Signposting for one locale; what is left out keeps the bundled (or fallback) value."""

    model_config = _STRICT

    country: str | None = None
    services: list[HelplineService] | None = None
    wording: Wording | None = None
    guardians: list[HelplineService] | None = None  # named in guardian notices
    harms: dict[Annotated[str, AfterValidator(_harm_key)], HarmHelplines] | None = None

    _services = field_validator("services", "guardians")(_service_list)


class Helplines(BaseModel):
    """Extends or overrides the bundled signposting (``actions.helplines``) per locale."""

    model_config = _STRICT

    locales: dict[Annotated[str, AfterValidator(_locale_key)], LocaleHelplines] = Field(
        min_length=1
    )


class Policy(BaseModel):
    model_config = _STRICT

    policy: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=100)
    description: str = ""
    shadow: StrictBool = False
    settings: Settings = Field(default_factory=Settings)
    account_signals: AccountSignalSettings = Field(default_factory=AccountSignalSettings)
    helplines: Helplines | None = None
    rules: list[Rule] = Field(min_length=1, max_length=_MAX_RULES)

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

    def tracker_settings(self, base: TrackerSettings | None = None) -> TrackerSettings:
        """Settings for ``AccountTracker`` with this policy's account-signal thresholds."""
        return self.account_signals.tracker_settings(base)
