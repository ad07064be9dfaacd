"""Localised signposting and age-appropriate wording for child safety prompts (Ofcom ICU F2).

The bundled directory is a starting point: its numbers must be checked locally before
production use. A platform replaces it (``load_helplines(path)``) or extends and overrides it
per locale from its policy file (``helplines_for(policy)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from safeguarding.policy.ages import AgeBand
from safeguarding.policy.schema import Helplines, HelplineService, Policy


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
class LocaleSignposting:
    locale: str
    country: str
    services: tuple[Helpline, ...]
    wording: dict[str, str]  # age band ("child" | "teen") -> text


class HelplineDirectory:
    """Lookup with fallback: exact locale, then same country, then ``default``.

    Wording falls back separately: exact locale, then a locale of the same language, then the
    default, so a child in en-AU gets English wording and international signposting.
    """

    def __init__(self, entries: dict[str, LocaleSignposting]):
        if "default" not in entries:
            raise ValueError("helplines need a 'default' entry")
        self.entries = entries

    def with_overrides(self, overrides: Helplines | None) -> HelplineDirectory:
        """A new directory with a policy's ``helplines`` section applied; this one is unchanged.

        A locale named there gets its services replaced when given and its wording overridden
        per age band; a new locale without services takes what the lookup would have given it
        (same country, then ``default``), so adding wording alone never drops signposting.
        """
        if overrides is None:
            return self
        entries = dict(self.entries)
        for locale, raw in overrides.locales.items():
            known = entries.get(locale)
            services = (
                tuple(_helpline(h) for h in raw.services)
                if raw.services is not None
                else (known or self.services_for(locale)).services
            )
            wording = dict(known.wording) if known else {}
            wording.update({k: " ".join(v.split()) for k, v in (raw.wording or {}).items()})
            country = raw.country if raw.country is not None else (known.country if known else "")
            entries[locale] = LocaleSignposting(locale, country, services, wording)
        return HelplineDirectory(entries)

    def services_for(self, locale: str | None) -> LocaleSignposting:
        if locale and locale in self.entries:
            return self.entries[locale]
        region = _region(locale)
        for key, entry in self.entries.items():
            if region and _region(key) == region:
                return entry
        return self.entries["default"]

    def wording_for(self, locale: str | None, band: AgeBand) -> tuple[str, str]:
        """(locale used, text); under-13 and unknown ages get the simpler child wording."""
        key = "teen" if band in (AgeBand.TEEN, AgeBand.ADULT) else "child"
        candidates = []
        if locale:
            candidates.append(locale)
            lang = locale.split("-")[0].lower()
            candidates += [k for k in self.entries if k.split("-")[0].lower() == lang]
        candidates.append("default")
        for name in candidates:
            entry = self.entries.get(name)
            if entry and key in entry.wording:
                return name, entry.wording[key]
        raise KeyError(key)


def _region(locale: str | None) -> str | None:
    if not locale or "-" not in locale:
        return None
    return locale.rsplit("-", 1)[1].upper()


def _helpline(h: HelplineService) -> Helpline:
    return Helpline(id=h.id, name=h.name, use=h.use, contact=h.contact, url=h.url)


def helplines_for(policy: Policy, base: HelplineDirectory | None = None) -> HelplineDirectory:
    """The directory a dispatcher should use under ``policy``: ``base`` (default: bundled)
    with the policy file's ``helplines`` section applied."""
    return (base or load_helplines()).with_overrides(policy.helplines)


def parse_helplines(data: dict[str, Any]) -> HelplineDirectory:
    entries: dict[str, LocaleSignposting] = {}
    for locale, raw in (data.get("locales") or {}).items():
        services = tuple(
            Helpline(
                id=str(s["id"]),
                name=str(s["name"]),
                use=str(s.get("use", "")),
                contact=str(s["contact"]) if s.get("contact") else None,
                url=str(s["url"]) if s.get("url") else None,
            )
            for s in raw.get("services", [])
        )
        wording = {str(k): " ".join(str(v).split()) for k, v in raw.get("wording", {}).items()}
        entries[str(locale)] = LocaleSignposting(
            str(locale), str(raw.get("country", "")), services, wording
        )
    return HelplineDirectory(entries)


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
    locale: str | None, band: AgeBand, directory: HelplineDirectory | None = None
) -> dict[str, Any]:
    """The in-chat message for a child: wording for their age plus local helplines."""
    directory = directory or load_helplines()
    wording_locale, text = directory.wording_for(locale, band)
    services = directory.services_for(locale)
    return {
        "locale": locale,
        "wording_locale": wording_locale,
        "services_locale": services.locale,
        "age_band": band.value,
        "text": text,
        "helplines": [h.to_dict() for h in services.services],
    }
