"""Routing rules put each case into a named queue; the first rule that matches wins.

The packaged rules send severe and sexual-risk cases to the restricted ``child_safety`` queue,
cases about one account across conversations to ``accounts`` and the rest to ``general``. A
YAML file (``SAFEGUARDING_CONSOLE_ROUTING``) can replace them::

    queues:
      - {name: child_safety, title: Child safety, restricted: true}
      - {name: general, title: General}
    rules:
      - {queue: child_safety, when: {min_urgency: 1}}
      - {queue: child_safety, when: {age_bands: [under_13], min_level: 3}}
      - {queue: general}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class Queue:
    name: str
    title: str
    restricted: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    queue: str
    kind: str | None = None  # conversation | account
    min_urgency: int | None = None
    min_level: int | None = None
    tactics_any: frozenset[str] = frozenset()
    age_bands: frozenset[str] = frozenset()
    platforms: frozenset[str] = frozenset()

    def matches(self, facts: dict[str, Any]) -> bool:
        if self.kind is not None and facts["kind"] != self.kind:
            return False
        if self.min_urgency is not None and facts["urgency"] < self.min_urgency:
            return False
        if self.min_level is not None and facts["level"] < self.min_level:
            return False
        if self.tactics_any and not self.tactics_any & set(facts["tactics"]):
            return False
        if self.age_bands and facts["age_band"] not in self.age_bands:
            return False
        return not self.platforms or facts.get("platform") in self.platforms


@dataclass(frozen=True, slots=True)
class Routing:
    queues: tuple[Queue, ...]
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def route(self, facts: dict[str, Any]) -> str:
        for rule in self.rules:
            if rule.matches(facts):
                return rule.queue
        return self.queues[-1].name

    def queue(self, name: str) -> Queue | None:
        return next((q for q in self.queues if q.name == name), None)

    def restricted(self) -> set[str]:
        return {q.name for q in self.queues if q.restricted}


CHILD_SAFETY = "child_safety"
DEFAULT_ROUTING = Routing(
    queues=(
        Queue(CHILD_SAFETY, "Child safety", restricted=True),
        Queue("accounts", "Accounts"),
        Queue("general", "General"),
    ),
    rules=(
        Rule(CHILD_SAFETY, min_urgency=1),
        Rule("accounts", kind="account"),
        Rule("general"),
    ),
)


def load_routing(path: str | Path | None) -> Routing:
    """The routing in a YAML file, or the packaged default; a bad file raises ValueError."""
    if not path:
        return DEFAULT_ROUTING
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    try:
        queues = tuple(
            Queue(str(q["name"]), str(q.get("title", q["name"])), bool(q.get("restricted")))
            for q in data["queues"]
        )
        rules = tuple(_rule(r) for r in data.get("rules", []))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"routing file {path}: {exc}") from exc
    names = {q.name for q in queues}
    unknown = {r.queue for r in rules} - names
    if not queues or unknown:
        raise ValueError(f"routing file {path}: unknown queues {sorted(unknown)}")
    return Routing(queues, rules)


def _rule(raw: dict[str, Any]) -> Rule:
    when = raw.get("when") or {}
    return Rule(
        queue=str(raw["queue"]),
        kind=when.get("kind"),
        min_urgency=when.get("min_urgency"),
        min_level=when.get("min_level"),
        tactics_any=frozenset(when.get("tactics_any", ())),
        age_bands=frozenset(when.get("age_bands", ())),
        platforms=frozenset(when.get("platforms", ())),
    )
