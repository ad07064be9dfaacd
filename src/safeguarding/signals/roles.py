"""Role-based reading of criminal exploitation's stages: what a message's words *do*, not
which phrase they form.

Lexicon patterns name the phrases someone anticipated ("drop a package off for me"); a
recruiter who writes "walk this parcel over to my guy" or "keep the case in your loft" uses
other phrases for the same roles. Here each word (and two-word phrase) of the seven
languages is put in a concept class (``roles.yaml``: an item, an act of carrying or
handing over, of keeping or hiding, a home's hiding place, travel, staying away, money, work,
a phone and its control, a carer, a debt, a family member, where someone lives or goes,
knowing or visiting, a crew, belonging), and a stage is read when the classes a message holds
fill its roles: something is carried or handed to someone (a task), something is kept at
home (holding), a trip with nights away, money for work, a phone kept on or used only for
"us", parents who must not know, a debt, a family's whereabouts known, a crew "you're"
part of. The evidence is weaker than a lexicon hit (``ROLE_WEIGHT``), enough for the arc rule
(:mod:`safeguarding.risk.exploitation`) to count the stage, never a reason on its own.

Cost: one regular expression to split the folded text into words and a set look-up per word
and per pair of neighbours; the rules run only when a message holds two classes or more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

ROLE_WEIGHT = 0.7
WEAK_ROLE_WEIGHT = 0.6
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[£$€]")
_AMOUNT = re.compile(r"\d{2,}")

# tactic -> weight and alternatives; each alternative is a tuple of groups, and every group
# (a set of classes) must have at least one class present in the message.
Rule = tuple[str, float, tuple[tuple[frozenset[str], ...], ...]]


def _g(*names: str) -> frozenset[str]:
    return frozenset(names)


RULES: tuple[Rule, ...] = (
    (
        "courier_task",
        ROLE_WEIGHT,
        (
            (_g("move"), _g("item", "destination")),
            (_g("hold"), _g("item"), _g("home_place", "span", "for_me")),
            (_g("home_place"), _g("item"), _g("span", "for_me", "hold")),
            (_g("travel"), _g("stay_away")),
            (_g("lookout"), _g("police")),
        ),
    ),
    (
        "money_offer",
        ROLE_WEIGHT,
        (
            (_g("money", "amount"), _g("work")),
            (_g("amount"), _g("money"), _g("move", "item", "travel", "per")),
            (_g("rich"),),
        ),
    ),
    ("burner_phone", ROLE_WEIGHT, ((_g("phone"), _g("phone_control")),)),
    ("isolation_secrecy", WEAK_ROLE_WEIGHT, ((_g("carer"), _g("not_know")),)),
    (
        "debt",
        ROLE_WEIGHT,
        (
            (_g("debt"),),
            (_g("lost"), _g("item", "money"), _g("responsible")),
            (_g("lost"), _g("money")),
        ),
    ),
    (
        "threat",
        ROLE_WEIGHT,
        (
            (_g("home", "family"), _g("visit")),
            (_g("family"), _g("happen")),
            (_g("we_know"), _g("family", "whereabouts")),
            (_g("family"), _g("pays")),
        ),
    ),
    (
        "belonging",
        WEAK_ROLE_WEIGHT,
        (
            (_g("crew"), _g("you_are", "with_us")),
            (_g("protect"), _g("crew", "with_us", "you_are")),
            (_g("no_exit"), _g("neg")),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class RoleHit:
    tactic: str
    weight: float


class RoleReader:
    """Concept classes of words and pairs, and the stage rules over them."""

    def __init__(self, classes: dict[str, list[str]]) -> None:
        index: dict[str, set[str]] = {}
        for name, words in classes.items():
            for word in words:
                index.setdefault(str(word).strip().lower(), set()).add(name)
        self._index = {w: frozenset(c) for w, c in index.items()}
        # first words of the two-word entries: a pair is looked up only after one of them
        self._heads = frozenset(w.split(" ", 1)[0] for w in self._index if " " in w)

    @classmethod
    def from_package(cls) -> RoleReader:
        return _packaged_reader()

    def classes(self, folded: str) -> set[str]:
        """The concept classes of a folded (lower-case, accent-free) message."""
        found: set[str] = set()
        index, heads = self._index, self._heads
        head = ""
        for word in _WORD.findall(folded):
            hit = index.get(word)
            if hit is not None:
                found |= hit
            if head:
                pair = index.get(f"{head} {word}")
                if pair is not None:
                    found |= pair
            head = word if word in heads else ""
        if _AMOUNT.search(folded):
            found.add("number")
            if found & {"money", "currency"}:
                found.add("amount")
        if "currency" in found:
            found.add("money")
        return found

    def read(self, folded: str) -> list[RoleHit]:
        """The stages this message's roles fill (at most one hit per tactic)."""
        found = self.classes(folded)
        if len(found) < 2 and "rich" not in found and "debt" not in found:
            return []
        hits: list[RoleHit] = []
        for tactic, weight, alternatives in RULES:
            for groups in alternatives:
                if all(found & group for group in groups):
                    hits.append(RoleHit(tactic, weight))
                    break
        return hits


@cache
def _packaged_reader() -> RoleReader:
    text = (resources.files("safeguarding.signals") / "roles.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    return RoleReader(doc["classes"])
