"""Localised signposting and age-appropriate wording for child safety prompts (Ofcom ICU F2).

The bundled directory is a starting point: its numbers must be checked locally before
production use. A platform replaces it (``load_helplines(path)``) or extends and overrides it
per locale from its policy file (``helplines_for(policy)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from safeguarding.policy.ages import AgeBand
from safeguarding.policy.schema import (
    Helplines,
    HelplineService,
    LocaleHelplines,
    Policy,
    Wording,
)


@dataclass(frozen=True, slots=True)
class Helpline:
    id: str
    name: str
    use: str
    contact: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "name": self.name,
            "contact": self.contact,
            "url": self.url,
            "use": self.use,
        }


@dataclass(frozen=True, slots=True)
class HarmSignposting:
    """What one harm adds in a locale: services listed first, wording instead of the general."""

    services: tuple[Helpline, ...] = ()
    wording: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LocaleSignposting:
    locale: str
    country: str
    services: tuple[Helpline, ...]
    wording: dict[str, str]  # age band ("child" | "teen") -> text
    guardians: tuple[Helpline, ...] = ()  # named in guardian notices; empty: ``services``
    harms: dict[str, HarmSignposting] = field(default_factory=dict)


def normalise_locale(locale: str | None) -> str | None:
    """``en_gb``, ``EN-GB`` or ``en_GB.UTF-8`` as the tag ``en-GB``; ``None`` when empty."""
    if not locale:
        return None
    parts = [p for p in locale.split(".")[0].replace("_", "-").strip().split("-") if p]
    if not parts:
        return None
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper())
    return "-".join(out)


class HelplineDirectory:
    """Lookup with fallback: the locale (spelt ``en-GB``, ``en_GB`` or ``en-gb``), then a
    locale of the same country, then the platform's configured default locale, then the
    international ``default`` entry; never one country's services by accident.

    Wording falls back separately: the locale, then a locale of the same language, then the
    configured default, then ``default``, so a child in en-NZ gets English wording.
    """

    def __init__(self, entries: dict[str, LocaleSignposting]):
        if "default" not in entries:
            raise ValueError("helplines need a 'default' entry")
        self.entries = entries

    def with_overrides(self, overrides: Helplines | None) -> HelplineDirectory:
        """A new directory with a policy's ``helplines`` section applied; this one is unchanged.

        A locale named there gets its services (and guardian services) replaced when given,
        its wording overridden per age band, and per harm the same again; a new locale
        without services takes what the lookup would have given it (same country, then
        ``default``), so adding wording alone never drops signposting.
        """
        if overrides is None:
            return self
        entries = dict(self.entries)
        for locale, raw in overrides.locales.items():
            known = entries.get(locale)
            base = known or self.services_for(locale)
            entry = _entry(locale, raw)
            harms = dict(known.harms) if known else {}
            for harm, extra in entry.harms.items():
                old = harms.get(harm, HarmSignposting())
                harms[harm] = HarmSignposting(
                    extra.services or old.services, {**old.wording, **extra.wording}
                )
            entries[locale] = LocaleSignposting(
                locale,
                raw.country if raw.country is not None else (known.country if known else ""),
                entry.services or base.services,
                {**(known.wording if known else {}), **entry.wording},
                entry.guardians or (known.guardians if known else ()),
                harms,
            )
        return HelplineDirectory(entries)

    def services_for(self, locale: str | None, fallback: str | None = None) -> LocaleSignposting:
        """The locale's entry, else the same country's, else ``fallback``'s, else ``default``."""
        for tag in (normalise_locale(locale), normalise_locale(fallback)):
            entry = self._country_entry(tag)
            if entry is not None:
                return entry
        return self.entries["default"]

    def _country_entry(self, tag: str | None) -> LocaleSignposting | None:
        if tag is None:
            return None
        if tag in self.entries:
            return self.entries[tag]
        region = _region(tag)
        if region is None:
            return None
        return next((e for k, e in self.entries.items() if _region(k) == region), None)

    def wording_for(
        self,
        locale: str | None,
        band: AgeBand,
        *,
        harm: str | None = None,
        fallback: str | None = None,
    ) -> tuple[str, str]:
        """(locale used, text); under-13 and unknown ages get the simpler child wording.

        A harm's wording in the child's language wins over the general wording, which wins
        over a harm's wording in another language.
        """
        key = "teen" if band in (AgeBand.TEEN, AgeBand.ADULT) else "child"
        for tag in (normalise_locale(locale), normalise_locale(fallback), "default"):
            if tag is None:
                continue
            names = [tag] if tag in self.entries else []
            lang = tag.split("-")[0]
            names += [k for k in self.entries if k.split("-")[0] == lang and k != tag]
            for name in names:
                harm_text = self.entries[name].harms.get(harm or "", HarmSignposting()).wording
                if key in harm_text:
                    return name, harm_text[key]
            for name in names:
                if key in self.entries[name].wording:
                    return name, self.entries[name].wording[key]
        raise KeyError(key)

    def harm_services(self, entry: LocaleSignposting, harm: str | None) -> tuple[Helpline, ...]:
        """The harm's services in this entry, else the ``default`` entry's (international)."""
        if harm is None:
            return ()
        own = entry.harms.get(harm)
        if own is not None and own.services:
            return own.services
        fallback = self.entries["default"].harms.get(harm)
        return fallback.services if fallback is not None else ()


def _region(locale: str | None) -> str | None:
    if not locale or "-" not in locale:
        return None
    region = locale.rsplit("-", 1)[1].upper()
    return region if len(region) != 4 else None  # a script (zh-Hant) is not a country


def _helpline(h: HelplineService) -> Helpline:
    return Helpline(id=h.id, name=h.name, use=h.use, contact=h.contact, url=h.url)


def _entry(locale: str, raw: LocaleHelplines) -> LocaleSignposting:
    def services(items: list[HelplineService] | None) -> tuple[Helpline, ...]:
        return tuple(_helpline(h) for h in items or ())

    def wording(items: Wording | None) -> dict[str, str]:
        return {k: " ".join(v.split()) for k, v in (items or {}).items()}

    return LocaleSignposting(
        locale,
        raw.country or "",
        services(raw.services),
        wording(raw.wording),
        services(raw.guardians),
        {
            harm: HarmSignposting(services(h.services), wording(h.wording))
            for harm, h in (raw.harms or {}).items()
        },
    )


def helplines_for(policy: Policy, base: HelplineDirectory | None = None) -> HelplineDirectory:
    """The directory a dispatcher should use under ``policy``: ``base`` (default: bundled)
    with the policy file's ``helplines`` section applied."""
    return (base or load_helplines()).with_overrides(policy.helplines)


def parse_helplines(data: dict[str, Any]) -> HelplineDirectory:
    """A directory from ``helplines.yaml``'s data, checked against the policy file's schema
    (so a bundled or platform file with a bad entry fails on load, not in a prompt)."""
    section = Helplines.model_validate({"locales": data.get("locales") or {}})
    return HelplineDirectory(
        {locale: _entry(locale, raw) for locale, raw in section.locales.items()}
    )


def load_helplines(path: str | Path | None = None) -> HelplineDirectory:
    """The bundled directory, or a platform's own file in the same format."""
    if path is None:
        return _bundled()
    return parse_helplines(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _bundled() -> HelplineDirectory:
    text = resources.files("safeguarding.actions").joinpath("data/helplines.yaml").read_text()
    return parse_helplines(yaml.safe_load(text))


def safety_prompt(
    locale: str | None,
    band: AgeBand,
    directory: HelplineDirectory | None = None,
    *,
    harm: str | None = None,
    fallback: str | None = None,
) -> dict[str, Any]:
    """The in-chat message for a child: wording for their age (and the harm, when the
    directory has words for it) plus local helplines, the harm's own services first.

    ``fallback``: the platform's default locale, used when ``locale`` is unknown.
    """
    directory = directory or load_helplines()
    wording_locale, text = directory.wording_for(locale, band, harm=harm, fallback=fallback)
    services = directory.services_for(locale, fallback)
    first = directory.harm_services(services, harm)
    ids = {h.id for h in first}
    listed = [*first, *(h for h in services.services if h.id not in ids)]
    return {
        "locale": locale,
        "wording_locale": wording_locale,
        "services_locale": services.locale,
        "age_band": band.value,
        "harm": harm,
        "text": text,
        "helplines": [h.to_dict() for h in listed],
    }


def guardian_helplines(
    locale: str | None, directory: HelplineDirectory | None = None, fallback: str | None = None
) -> dict[str, Any]:
    """Services for a guardian notice: the locale's guardian services (e.g. the NSPCC
    helpline in the UK), else its child services, with the same fallback as a prompt."""
    directory = directory or load_helplines()
    entry = directory.services_for(locale, fallback)
    return {
        "services_locale": entry.locale,
        "helplines": [h.to_dict() for h in entry.guardians or entry.services],
    }
