"""Multilingual tactic lexicons: regular expressions over normalised text.

Each language file in ``signals/lexicons/`` lists, per tactic, patterns that describe the
tactic as a concept (with slots for chat spellings), not phrases from any corpus. All
languages load together: chats mix languages and the declared locale is often wrong.

Patterns should be RE2 syntax (no look-around or back-references). All of them, every
language, compile into one RE2 set that tells in about a microsecond which patterns match a
message; only those few are then searched again with :mod:`re` to find the span for
evidence. This keeps a thousand patterns well inside the engine's per-message budget. A
pattern with look-around joins the set without its look-around groups (a looser pattern, so
a safe prefilter) and is confirmed with :mod:`re`; only a pattern RE2 still refuses runs
with :mod:`re` on every message: ``TacticLexicon.slow_patterns`` counts those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import re2
import yaml

from safeguarding.domain import Tactic

_MACRO = re.compile(r"\{([a-z_]+)\}")
DEFAULT_WEIGHT = 0.8
# Cues: pieces of a pattern that are not DATASPEC tactics on their own. The risk stage reads
# them in context: sextortion's parts (leverage over an image, a threat to expose, a demand,
# a deadline), code words whose meaning comes from what the pair said before ("the other
# app", "our thing", "the extra stuff"), a carer's everyday role and logistics, and a
# family surprise (a sibling's present) that explains a request for secrecy, and an
# arrangement made openly with a parent, which lowers criminal exploitation's risk, and
# laughter, which makes "you owe me a nugget lol" a joke rather than a debt.
CUES = frozenset(
    {
        "leverage",
        "exposure",
        "demand",
        "deadline",
        "code_app",
        "code_secret",
        "code_stuff",
        "care",
        "surprise",
        "open_arrangement",  # a parent knows of or agreed to a job, errand or trip (lowers risk)
        "banter",  # laughter in the message ("lol", "jaja", "mdr"): exploitation's words as a joke
    }
)
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl")


class LexiconError(ValueError):
    """A lexicon file that does not load; names the file, tactic and pattern."""


@dataclass(frozen=True, slots=True)
class TacticHit:
    tactic: str
    weight: float
    start: int
    end: int
    language: str


def expand_macros(pattern: str, macros: dict[str, str]) -> str:
    """Replace ``{name}`` by the macro's value, repeatedly (macros may use macros)."""
    for _ in range(5):
        expanded = _MACRO.sub(lambda m: macros.get(m.group(1), m.group(0)), pattern)
        if expanded == pattern:
            break
        pattern = expanded
    return pattern


def without_lookaround(pattern: str) -> str:
    """``pattern`` with its look-around groups removed: it matches wherever ``pattern`` does.

    Look-arounds only constrain, so dropping them gives a superset, good as a prefilter.
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            depth, j = 0, i
            while j < n:
                if pattern[j] == "\\":
                    j += 2
                    continue
                if pattern[j] == "(":
                    depth += 1
                elif pattern[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            i = j + 1
            continue
        out.append(pattern[i])
        i += 1
    return "".join(out)


def _entries(raw: Any, where: str) -> list[tuple[str, float]]:
    if not isinstance(raw, list):
        raise LexiconError(f"{where}: expected a list of patterns")
    out: list[tuple[str, float]] = []
    for item in raw:
        if isinstance(item, str):
            out.append((item, DEFAULT_WEIGHT))
        elif isinstance(item, dict) and isinstance(item.get("pattern"), str):
            out.append((item["pattern"], float(item.get("weight", DEFAULT_WEIGHT))))
        else:
            raise LexiconError(f"{where}: bad entry {item!r}")
    return out


class TacticLexicon:
    """Compiled patterns of several languages behind one RE2 prefilter set."""

    def __init__(self, sources: dict[str, dict[str, Any]]) -> None:
        known_tactics = frozenset(t.value for t in Tactic)
        self._patterns: list[tuple[str, float, str, re.Pattern[str]]] = []
        self._slow: list[int] = []  # indices of patterns RE2 cannot run
        options = re2.Options()
        options.log_errors = False
        options.max_mem = 64 << 20  # seven languages need well over the default 8 MiB
        self._set = re2.Set.SearchSet(options)
        for language, doc in sources.items():
            macros = {k: str(v) for k, v in (doc.get("macros") or {}).items()}
            sections = [
                (doc.get("tactics") or {}, known_tactics, "tactic"),
                (doc.get("cues") or {}, CUES, "cue"),
            ]
            for section, known, what in sections:
                for tactic, raw in section.items():
                    if tactic not in known:
                        raise LexiconError(f"{language}: unknown {what} {tactic!r}")
                    self._add(language, tactic, raw, macros)
        self._set.Compile()
        self.languages = tuple(sources)

    def _add(self, language: str, tactic: str, raw: Any, macros: dict[str, str]) -> None:
        """Compile one tactic's or cue's patterns into the list and the RE2 set."""
        for pattern, weight in _entries(raw, f"{language}/{tactic}"):
            expanded = expand_macros(pattern, macros)
            try:
                compiled = re.compile(expanded)
            except re.error as exc:
                raise LexiconError(
                    f"{language}/{tactic}: pattern {pattern!r} does not compile: {exc}"
                ) from exc
            index = len(self._patterns)
            self._patterns.append((tactic, weight, language, compiled))
            try:
                self._set.Add(expanded)
            except Exception:  # RE2 refuses look-around: prefilter without it
                try:
                    self._set.Add(without_lookaround(expanded))
                except Exception:
                    self._set.Add(r"\A\b\B")  # never matches; keeps the numbering
                    self._slow.append(index)

    @classmethod
    def from_package(cls, languages: tuple[str, ...] = LANGUAGES) -> TacticLexicon:
        return _load_packaged(languages)

    @property
    def pattern_count(self) -> int:
        return len(self._patterns)

    @property
    def slow_patterns(self) -> int:
        return len(self._slow)

    def find(self, text: str) -> list[TacticHit]:
        """Best hit per tactic or cue (highest weight, then earliest) in normalised ``text``."""
        matched = self._set.Match(text) or []
        if self._slow:
            matched = list(matched) + [i for i in self._slow if self._patterns[i][3].search(text)]
        if not matched:
            return []
        best: dict[str, TacticHit] = {}
        for index in sorted(matched):
            tactic, weight, language, compiled = self._patterns[index]
            current = best.get(tactic)
            if current is not None and current.weight >= weight:
                continue
            m = compiled.search(text)
            if m is not None:
                best[tactic] = TacticHit(tactic, weight, m.start(), m.end(), language)
        return list(best.values())


@cache
def _load_packaged(languages: tuple[str, ...]) -> TacticLexicon:
    folder = resources.files("safeguarding.signals") / "lexicons"
    sources: dict[str, dict[str, Any]] = {}
    names = sorted(res.name for res in folder.iterdir() if res.name.endswith(".yaml"))
    for language in languages:
        res = folder / f"{language}.yaml"
        if not res.is_file():
            continue
        doc = _read(res, f"{language}.yaml")
        # ``<language>-<topic>.yaml`` files add patterns to the same language's lists.
        for extra in (n for n in names if n.startswith(f"{language}-")):
            doc = merge_lexicons(doc, _read(folder / extra, extra))
        sources[language] = doc
    # Concepts that co-occur across all languages at once (``multilingual.yaml``).
    if "multilingual.yaml" in names:
        sources["multi"] = _read(folder / "multilingual.yaml", "multilingual.yaml")
    return TacticLexicon(sources)


def _read(res: Any, name: str) -> dict[str, Any]:
    doc = yaml.safe_load(res.read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise LexiconError(f"{name}: not a mapping")
    return doc


def merge_lexicons(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra``'s macros added and its tactic and cue patterns appended to the
    same lists (neither input is modified)."""
    out = dict(base)
    out["macros"] = {**(base.get("macros") or {}), **(extra.get("macros") or {})}
    for section in ("tactics", "cues"):
        merged = {k: list(v) for k, v in (base.get(section) or {}).items()}
        for name, patterns in (extra.get(section) or {}).items():
            _entries(patterns, f"{section}/{name}")  # refuses a malformed entry early
            merged.setdefault(name, []).extend(patterns)
        out[section] = merged
    return out
